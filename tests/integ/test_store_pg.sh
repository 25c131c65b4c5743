#!/bin/bash
# The store's unit cases on PostgreSQL (build/tests/test_store_pg) against
# a fresh database: in the run's cluster under IDP_STORE=pg, else in a
# private one started and stopped here.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

own=
if [ -z "${PG_DIR:-}" ]; then
	own=$(mktemp -d "$IDP_TOP/tests/tmp/.pg.XXXXXX") || bail "mktemp"
	pg_start "$own" || bail "cannot start PostgreSQL"
	trap 'pg_stop; rm -rf "$own"' EXIT
fi
bin=$IDP_BUILD/tests/test_store_pg
[ -x "$bin" ] || bail "$bin: not built (make unit)"
uri=$(pg_createdb "unit_$(basename "$IDP_ROOT" | tr -c 'a-zA-Z0-9\n' _ |
    tr A-Z a-z)") || bail "createdb"
out=$(IDPROVER_STORE=$uri "$IDP_BUILD/tools/idprover-admin" migrate 2>&1)
ok $? "migrate a fresh database" "$out"
out=$(IDPROVER_STORE=$uri "$IDP_BUILD/tools/idprover-admin" migrate 2>&1)
ok "$(echo "$out" | grep -q 'up to date'; echo $?)" \
    "migrate again: up to date (idempotent)" "$out"
out=$(IDP_PG_URI=$uri CMOCKA_MESSAGE_OUTPUT=STDOUT "$bin" 2>&1)
rc=$?
passed=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
ok "$([ $rc -eq 0 ] && [ "${passed:-0}" -ge 28 ]; echo $?)" \
    "test_store_pg: ${passed:-0} contract cases pass on PostgreSQL" \
    "$(echo "$out" | grep -v '^\[ *\(RUN\|OK\) ' | tail -n 40)"

# A database of schema version 2 with rows in it (a deployment before
# platforms and renewal): migrate brings it to the program's version, and
# the old rows read as records of before (no platform, default profile).
old=unit_v2_$(basename "$IDP_ROOT" | tr -c 'a-zA-Z0-9\n' _ | tr A-Z a-z)
olduri=$(pg_createdb "$old") || bail "createdb"
psql_do "$old" "CREATE TABLE schema_version (version integer PRIMARY KEY,
    file text NOT NULL, applied timestamptz NOT NULL DEFAULT now());
    $(cat "$IDP_TOP/sql/001_init.sql") $(cat "$IDP_TOP/sql/002_windows.sql")
    INSERT INTO schema_version (version, file) VALUES (1, '001_init.sql'),
    (2, '002_windows.sql');
    INSERT INTO accounts (id, status, tos, created, thumb, jwk, contact)
    VALUES ('acct000000000001', 0, 1, 1, 't', '{}', '');
    INSERT INTO orders (id, account, status, authz_status, chall_status,
    sends, tries, error, created, expires, authz_expires, validated,
    code_expires, last_send, identifier, tn, token, code_mac, detail)
    VALUES ('ord0000000000001', 'acct000000000001', 3, 1, 2, 1, 0, 0, 1, 2,
    3, 4, 5, 6, 'x', '12025550123', 'tok', '\\x00', '')" >/dev/null
ok $? "a version 2 database with an account and an order"
out=$(IDPROVER_STORE=$olduri "$IDP_BUILD/tools/idprover-admin" migrate 2>&1)
ok "$(echo "$out" | grep -q 'version 4, was 2'; echo $?)" \
    "migrate from version 2 to 4" "$out"
got=$(psql_do "$old" "SELECT a.platform || '|' || o.profile || '|' ||
    o.replaces || '|' || o.proof || '|' || (SELECT count(*) FROM platforms)
    || '|' || (SELECT count(*) FROM replacements) FROM accounts a, orders o")
ok "$([ "$got" = "||||0|0" ]; echo $?)" \
    "the old rows have no platform, profile, replacement or proof" "$got"

# A database newer than the program is refused, by migrate and at start.
psql_do "$(echo "$uri" | sed 's|^postgresql:///\([^?]*\).*|\1|')" \
    "INSERT INTO schema_version (version, file) VALUES (999, 'future.sql')"
out=$(IDPROVER_STORE=$uri "$IDP_BUILD/tools/idprover-admin" migrate 2>&1)
ok "$([ $? -ne 0 ] && echo "$out" | grep -q 'newer'; echo $?)" \
    "migrate refuses a schema newer than the program" "$out"
out=$(IDPROVER_STORE=$uri "$IDP_BUILD/tools/idprover-admin" stats 2>&1)
ok "$([ $? -ne 0 ] && echo "$out" | grep -q 'version 999'; echo $?)" \
    "the programs refuse it too" "$out"
# A password in the configuration is refused.
out=$(IDPROVER_STORE="postgresql://idp:secret@db.example/idp" \
    "$IDP_BUILD/tools/idprover-admin" check-config 2>&1)
ok "$([ $? -ne 0 ] && echo "$out" | grep -q 'passfile'; echo $?)" \
    "a password in the store URI is refused" "$out"
finish
