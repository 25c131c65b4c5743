#!/bin/bash
# Three web nodes (three lighttpd on three ports, their own run folders;
# the same data folder files, base URL and PostgreSQL database): each
# request of an enrolment goes to the next node (a nonce from A used at B,
# an order made at one node finalized at another), then node B is killed
# (SIGKILL of lighttpd and its programs) and the enrolments go on at A and
# C. Then, with several enrolment loops running on A and C, PostgreSQL
# stops in immediate mode (a crash as far as it is concerned) and starts
# again: requests meanwhile get 503 with Retry-After and a problem document
# at once, and the service is back by itself (the same processes).
# Afterwards: every order valid with one certificate, serials unique,
# every order a client saw made or valid there, no SMS twice, sends and
# tries within bounds.
#
# The database is always a cluster of the test's own (even with
# IDP_STORE=pg): the test restarts it.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ -n "${IDP_ROOT:-}" ] || { echo "run through tests/integ/run.sh" >&2; exit 2; }
own=
pids=
lpids=
cleanup() {
	local p
	for p in $lpids; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in $pids; do
		idp_node_stop "$p"
	done
	idp_stop
	[ -n "$own" ] && { pg_stop; rm -rf "$own"; }
}
trap cleanup EXIT
idp_stop
PG_DIR= PG_PID=
own=$(mktemp -d "$IDP_TOP/tests/tmp/.pg.XXXXXX") || bail "mktemp"
pg_start "$own" || bail "cannot start PostgreSQL"
export IDPROVER_STORE
IDPROVER_STORE=$(pg_createdb multinode) || bail "createdb"
"$IDP_BUILD/tools/idprover-admin" init > "$IDP_ROOT/init2.log" 2>&1 ||
    bail "init"
idp_start || bail "node A does not start"
db=$(idp_pg_db)

# Nodes B and C: same environment, their own port and run folder.
ports=$IDP_PORT
for node in b c; do
	idp_node_start "$node" || bail "node $node does not start"
	pids="$pids $IDP_NODE_PID"
	eval "pid_$node=$IDP_NODE_PID"
	ports="$ports $IDP_NODE_PORT"
done
pass "three nodes on ports $ports"

enrol() {	# label: enrolments, requests sent round the live nodes
	PYTHONPATH=$here "$IDP_PYTHON" - "$1" $ports <<'PY'
import itertools
import sys
import urllib.parse

from acmetest import (Key, Raw, b64u, fresh_number, make_csr, sms_count,
                      sms_digest, tnauthlist_der, tnauthlist_value,
                      require_env, wait_sms_code)

require_env()
label, base, ports = sys.argv[1], sys.argv[2], sys.argv[2:]
nodes = itertools.cycle(ports)
seen_at = {}


class Nodes(Raw):
    """Signs for the shared base URL, sends to the next node."""

    def _to(self, url):
        u = urllib.parse.urlsplit(url)
        port = next(nodes)
        seen_at.setdefault(port, 0)
        seen_at[port] += 1
        return u._replace(netloc="localhost:%s" % port).geturl()

    def new_nonce(self):
        r = self.session.head(self._to(self.directory["newNonce"]),
                              timeout=30)
        return r.headers["Replay-Nonce"]

    def send(self, url, body, *a, **kw):
        return Raw.send(self, self._to(url), body, *a, **kw)


raw = Nodes()
key = Key("ES256")
r = raw.new_account(key)
assert r.status_code == 201, r.text
kid = r.headers["Location"]
for i in range(2):
    number = fresh_number()
    r = raw.post(raw["newOrder"], {"identifiers": [
        {"type": "TNAuthList", "value": tnauthlist_value(number)}]}, key, kid)
    assert r.status_code == 201, r.text
    o, ourl = r.json(), r.headers["Location"]
    authz = raw.post_as_get(o["authorizations"][0], key, kid).json()
    chall = authz["challenges"][0]
    seen = sms_count(number)
    raw.post(chall["url"], {}, key, kid)
    code = wait_sms_code(number, seen)
    r = raw.post(chall["url"], {"keyAuthorization": sms_digest(
        code, chall["token"], key.thumbprint())}, key, kid)
    assert r.json().get("status") == "valid", r.text
    csr, _ = make_csr(tnauthlist_der(number))
    r = raw.post(o["finalize"], {"csr": b64u(csr)}, key, kid)
    assert r.status_code == 200, r.text
    r = raw.post_as_get(ourl, key, kid)
    assert r.json()["status"] == "valid", r.text
    r = raw.post_as_get(r.json()["certificate"], key, kid)
    assert r.status_code == 200 and "BEGIN CERTIFICATE" in r.text, r.text
    assert sms_count(number) == seen + 1, "SMS sent %d times" % (
        sms_count(number) - seen)
print("%s: 2 enrolments, requests per node %s" % (label, sorted(
    seen_at.items())))
PY
}

out=$(enrol "three nodes" 2>&1)
ok $? "an enrolment spread over A, B and C (nonce from one node used at the next)" "$out"
# Node B dies with its programs (lighttpd stopped first: between the
# programs' death and its own it would start new ones, left behind).
kill -STOP "$pid_b"
pkill -KILL -P "$pid_b" 2>/dev/null
kill -KILL "$pid_b"
wait "$pid_b" 2>/dev/null
ports=$(echo "$ports" | awk '{ print $1, $3 }')
out=$(enrol "after B died" 2>&1)
ok $? "node B killed: enrolments go on at A and C" "$out"

counts=$(psql_do "$db" "SELECT (SELECT count(*) FROM orders WHERE status = 3),
    (SELECT count(*) FROM certificates),
    (SELECT count(DISTINCT serial) FROM certificates),
    (SELECT count(*) FROM orders o WHERE status = 3 AND NOT EXISTS
        (SELECT 1 FROM certificates c WHERE c.order_id = o.id)),
    (SELECT count(*) FROM sms_outbox)" 2>&1)
set -- $counts
ok "$([ "${1:-}" -ge 4 ] && [ "$1" = "${2:-}" ] && [ "$2" = "${3:-}" ] &&
    [ "${4:-}" = 0 ] && [ "${5:-}" -ge 4 ]; echo $?)" \
    "afterwards: every valid order has one certificate, serials unique" \
    "valid orders, certificates, distinct serials, valid without cert, SMS: $counts"

# Load on A and C: several loops, each request to the other node, bounded
# in count and in time; the database crashes and starts again meanwhile.
kids() { pgrep -P "$1" | sort | tr '\n' ' '; }
before="$(kids "$IDP_LIGHTTPD_PID")/ $(kids "$pid_c")"
loads=
for i in 1 2 3 4; do
	PYTHONPATH=$here "$IDP_PYTHON" "$here/multinode_load.py" loop \
	    "$IDP_ROOT/load$i.json" "120266$i" 60 4 $ports \
	    > "$IDP_ROOT/load$i.out" 2>&1 &
	lpids="$lpids $!"
	loads="$loads $IDP_ROOT/load$i.json"
done
# Mid-run: once some orders are made, or after 40 s at most.
for _ in $(seq 1 400); do
	[ "$(cat $loads 2>/dev/null | grep -c '"ev": "order"')" -ge 3 ] && break
	sleep 0.1
done
down=$(date +%s.%N)
pg_stop_immediate
sleep 3
pg_restart || bail "PostgreSQL does not start again"
up=$(date +%s.%N)
failed_loops=0
for p in $lpids; do
	wait "$p" || failed_loops=$((failed_loops + 1))
done
lpids=
after="$(kids "$IDP_LIGHTTPD_PID")/ $(kids "$pid_c")"
ok "$failed_loops" "PostgreSQL restarted in immediate mode under load: \
the loops all finished" "$(tail -n 5 "$IDP_ROOT"/load*.out)"
out=$(PYTHONPATH=$here "$IDP_PYTHON" "$here/multinode_load.py" check \
    "$down" "$up" $loads 2>&1)
ok $? "during the outage 503, Retry-After and a problem at once; \
the service back by itself" "$out"
echo "# $(echo "$out" | head -n 1)"
ok "$([ "$before" = "$after" ]; echo $?)" \
    "the same lighttpd and FastCGI processes before and after" \
    "before: $before; after: $after"
psql_do "$db" "SELECT id, status, tn, sends, tries FROM orders" \
    > "$IDP_ROOT/orders.tsv" &&
    psql_do "$db" "SELECT order_id, encode(serial, 'hex') FROM certificates" \
    > "$IDP_ROOT/certs.tsv" &&
    psql_do "$db" "SELECT id, state, order_id FROM sms_outbox" \
    > "$IDP_ROOT/outbox.tsv"
ok $? "the database read after the restart"
sends_max=$(sed -n 's/^#define SENDS_MAX[[:space:]]*\([0-9]*\).*/\1/p' \
    "$IDP_TOP/lib/base/bounds.h")
tries_max=$(sed -n 's/^#define CODE_TRIES[[:space:]]*\([0-9]*\).*/\1/p' \
    "$IDP_TOP/lib/base/bounds.h")
out=$(PYTHONPATH=$here "$IDP_PYTHON" "$here/multinode_load.py" db \
    "$IDP_ROOT/orders.tsv" "$IDP_ROOT/certs.tsv" "$IDP_ROOT/outbox.tsv" \
    "${sends_max:-0}" "${tries_max:-0}" 2>&1)
ok $? "after the crash: every order seen made is there, every order seen \
valid has one certificate, serials unique, no SMS twice, sends within \
bounds" "$out"
echo "# $(echo "$out" | head -n 1)"
finish
