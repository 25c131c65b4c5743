#!/bin/bash
# copy-store: a deployment on Berkeley DB (an account, a certificate, a
# pending order, a sent SMS, used nonces, limit windows) is copied into a new
# PostgreSQL database: the copy matches (counts and checksum per table),
# a second run changes nothing, stats agree, and the server restarted on
# PostgreSQL still knows the account, serves its certificate, revokes it
# and takes new enrolments.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for v in IDP_ROOT IDPROVER_VAR IDP_DIRECTORY_URL IDP_TLS_CA; do
	[ -n "${!v:-}" ] || { echo "run through tests/integ/run.sh" >&2; exit 2; }
done
own=
if [ -z "${PG_DIR:-}" ]; then
	own=$(mktemp -d "$IDP_TOP/tests/tmp/.pg.XXXXXX") || bail "mktemp"
	pg_start "$own" || bail "cannot start PostgreSQL"
fi
trap 'idp_stop; [ -n "$own" ] && { pg_stop; rm -rf "$own"; }' EXIT

admin() { "$IDP_BUILD/tools/idprover-admin" "$@"; }
py() { PYTHONPATH=$here "$IDP_PYTHON" "$here/acmetest.py" "$@"; }
work=$IDP_ROOT/copy
mkdir -p "$work"

# ------------------------------------------------ the Berkeley DB side
idp_stop
unset IDPROVER_STORE
out=$(admin init 2>&1)
ok $? "init on Berkeley DB" "$out"
idp_start || bail "the server on Berkeley DB does not start"
ok "$([ -f "$IDPROVER_VAR/db/accounts.db" ]; echo $?)" \
    "the server runs on Berkeley DB ($IDPROVER_VAR/db)"

PYTHONPATH=$here "$IDP_PYTHON" "$here/enrol_one.py" "$work" copy@example.test \
    > "$work/make.out" 2>&1
ok $? "python3-acme on Berkeley DB: an account, a pending order, a certificate" \
    "$(tail -n 20 "$work/make.out")"
kid=$(awk '$1 == "account" { print $2 }' "$work/make.out")
serial=$(awk '$1 == "serial" { print $2 }' "$work/make.out")
certurl=$(awk '$1 == "cert" { print $2 }' "$work/make.out")
admin platform add copy-plat > "$work/platform.add" 2>&1
ok $? "a platform on Berkeley DB" "$(cat "$work/platform.add")"
admin platform list > "$work/platforms.bdb" 2>&1
admin stats > "$work/stats.bdb" 2>&1
idp_stop

# ------------------------------------------------------------- the copy
db=copy_$(basename "$IDP_ROOT" | tr -c 'a-zA-Z0-9\n' _ | tr A-Z a-z)
uri=$(pg_createdb "$db") || bail "createdb"
admin copy-store --to "$uri" > "$work/copy1.out" 2>&1
rc=$?
ok "$([ $rc -eq 0 ] && grep -q 'the copy matches' "$work/copy1.out"; echo $?)" \
    "copy-store: the copy matches (counts and checksums per table)" \
    "$(cat "$work/copy1.out")"
ok "$(awk '$1 == "accounts" && $2 == 1 && $3 == 1 { f = 1 }
    $1 == "orders" && $2 == 2 && $3 == 2 { g = 1 }
    $1 == "certificates" && $2 == 1 && $3 == 1 { h = 1 }
    $1 == "nonces" && $2 > 0 && $2 == $3 { n = 1 }
    $1 == "windows" && $2 > 0 && $2 == $3 { w = 1 }
    $1 == "platforms" && $2 == 1 && $3 == 1 { p = 1 }
    END { exit !(f && g && h && n && w && p) }' "$work/copy1.out"; echo $?)" \
    "copy-store: 1 account, 2 orders, 1 certificate, nonces, windows, platform" \
    "$(cat "$work/copy1.out")"
admin copy-store --to "$uri" > "$work/copy2.out" 2>&1
rc=$?
ok "$([ $rc -eq 0 ] && grep -q 'the copy matches' "$work/copy2.out" &&
    [ "$(sed 1d "$work/copy1.out")" = "$(sed 1d "$work/copy2.out")" ];
    echo $?)" "copy-store again: safe, the same tables and checksums" \
    "$(diff "$work/copy1.out" "$work/copy2.out")"
psql_do "$db" "SELECT count(*) FROM account_keys k JOIN accounts a ON \
    a.id = k.account AND a.thumb = k.thumb" > "$work/keys" 2>&1
ok "$([ "$(cat "$work/keys")" = 1 ]; echo $?)" \
    "the copied key points at its account" "$(cat "$work/keys")"
IDPROVER_STORE=$uri admin platform list > "$work/platforms.pg" 2>&1
ok "$(grep -q copy-plat "$work/platforms.pg" &&
    cmp -s "$work/platforms.bdb" "$work/platforms.pg"; echo $?)" \
    "the platform on PostgreSQL is the one on Berkeley DB" \
    "$(diff "$work/platforms.bdb" "$work/platforms.pg")"
IDPROVER_STORE=$uri admin stats > "$work/stats.pg" 2>&1
ok "$(cmp -s "$work/stats.bdb" "$work/stats.pg"; echo $?)" \
    "stats on PostgreSQL equal stats on Berkeley DB" \
    "$(diff "$work/stats.bdb" "$work/stats.pg")"

# ------------------------------------------- the server on PostgreSQL
export IDPROVER_STORE=$uri
mv "$IDPROVER_VAR/db" "$IDPROVER_VAR/db.moved"	# nothing left to fall back on
idp_start || bail "the server on PostgreSQL does not start"
out=$(py account-lookup "$work/platform.key" 2>&1)
ok "$(case $out in "200 $kid") echo 0 ;; *) echo 1 ;; esac)" \
    "on PostgreSQL: the old account answers (onlyReturnExisting 200)" "$out"
PYTHONPATH=$here "$IDP_PYTHON" - "$work" "$kid" "$certurl" \
    > "$work/cert.out" 2>&1 <<'PY'
import sys

from cryptography import x509

from acmetest import Key, Raw, require_env, split_pem_chain

require_env()
key = Key.load(sys.argv[1] + "/platform.key")
r = Raw().post_as_get(sys.argv[3], key, sys.argv[2])
assert r.status_code == 200, r.text
leaf = x509.load_pem_x509_certificate(split_pem_chain(r.text)[0][0].encode())
print("serial %x" % leaf.serial_number)
PY
ok "$(grep -qx "serial $serial" "$work/cert.out"; echo $?)" \
    "on PostgreSQL: the old certificate downloads, same serial" \
    "$(cat "$work/cert.out")"
admin revoke "$serial" --reason 4 > "$work/revoke.out" 2>&1
ok $? "on PostgreSQL: revoke the copied certificate" "$(cat "$work/revoke.out")"
curl -fsS --noproxy "*" --cacert "$IDP_TLS_CA" -o "$work/crl.der" \
    "$IDPROVER_BASE_URL/crl" 2> "$work/crl.err"
crl=$(openssl crl -inform DER -in "$work/crl.der" -noout -text 2>&1)
ser_up=$(echo "$serial" | tr a-f A-F)
ok "$(echo "$crl" | tr -d ' :' | grep -qi "SerialNumber0*$ser_up" &&
    echo "$crl" | grep -q 'Superseded'; echo $?)" \
    "on PostgreSQL: the CRL lists it (superseded)" \
    "$(echo "$crl" | head -n 20)"
out=$(py account-new "$work/new.key" 2>&1)
ok "$(echo "$out" | grep -q '^201 '; echo $?)" \
    "on PostgreSQL: a new account" "$out"
finish
