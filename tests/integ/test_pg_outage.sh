#!/bin/bash
# The server on a PostgreSQL of its own that goes away: a request during
# the outage gets 503 with Retry-After and a problem document at once (no
# hang), and the service is back, without a restart of ours, when the
# database is (after a fast stop, and after an immediate-mode stop: a
# crash as far as the database is concerned). The relay's page likewise:
# 503 with Retry-After (an HTML page saying so) at once, then back.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ -n "${IDP_ROOT:-}" ] || { echo "run through tests/integ/run.sh" >&2; exit 2; }
idp_stop
PG_DIR= PG_PID=
own=$(mktemp -d "$IDP_TOP/tests/tmp/.pg.XXXXXX") || bail "mktemp"
trap 'idp_stop; pg_stop; rm -rf "$own"' EXIT
pg_start "$own" || bail "cannot start PostgreSQL"
export IDPROVER_STORE
IDPROVER_STORE=$(pg_createdb outage) || bail "createdb"
out=$("$IDP_BUILD/tools/idprover-admin" init 2>&1)
ok $? "init on a private PostgreSQL" "$out"
idp_start || bail "the server does not start"

work=$IDP_ROOT/outage
mkdir -p "$work"
py() { PYTHONPATH=$here "$IDP_PYTHON" "$here/acmetest.py" "$@"; }
out=$(py account-new "$work/a.key" 2>&1)
ok "$(echo "$out" | grep -q '^201 '; echo $?)" "an account" "$out"

# status, Retry-After, content type and problem type of a lookup.
lookup() {
	PYTHONPATH=$here "$IDP_PYTHON" - "$work/a.key" <<'PY'
import sys
import time

from acmetest import Key, Raw, require_env

require_env()
raw = Raw()
t = time.time()
r = raw.new_account(Key.load(sys.argv[1]), {"onlyReturnExisting": True})
try:
    typ = r.json().get("type", "-")
except ValueError:
    typ = "-"
print(r.status_code, r.headers.get("Retry-After", "-"),
      r.headers.get("Content-Type", "-"), typ, "%.1f" % (time.time() - t),
      "nonce" if r.headers.get("Replay-Nonce") else "-")
PY
}

# status, Retry-After, content type and seconds of the relay's page.
relay_page() {
	local w
	w=$(curl -sS --noproxy '*' --max-time 20 --cacert "$IDP_TLS_CA" \
	    -D "$work/relay.h" -o "$work/relay.b" \
	    -w '%{http_code} %{time_total} %{content_type}' \
	    "https://localhost:$IDP_PORT/relay" 2>&1)
	set -- $w
	echo "${1:-0} $(tr -d '\r' < "$work/relay.h" |
	    sed -n 's/^[Rr]etry-[Aa]fter: *//p' | head -n 1 | grep . ||
	    echo -) ${3%;} ${2:-99}"
}
out=$(relay_page 2>&1)
ok "$([ "${out%% *}" = 200 ]; echo $?)" "the relay's page" "$out"

for how in fast immediate; do
	if [ $how = fast ]; then pg_stop; else pg_stop_immediate; fi
	out=$(relay_page 2>&1)
	set -- $out
	ok "$([ "${1:-}" = 503 ] && [ "${2:-}" -gt 0 ] 2>/dev/null &&
	    [ "${3:-}" = text/html ] &&
	    awk -v t="${4:-99}" 'BEGIN { exit !(t < 5) }'; echo $?)" \
	    "$how stop: the relay's page answers 503 with Retry-After, \
an HTML page, at once" "$out"
	ok "$(grep -q 'unavailable for a moment' "$work/relay.b"; echo $?)" \
	    "$how stop: the page says the service is unavailable for a moment" \
	    "$(sed -n '/<main>/,/<\/main>/p' "$work/relay.b")"
	out=$(lookup 2>&1)
	set -- $out
	ok "$([ "${1:-}" = 503 ] && [ "${2:-}" -gt 0 ] 2>/dev/null &&
	    [ "${3:-}" = application/problem+json ] &&
	    [ "${4:-}" = urn:ietf:params:acme:error:serverInternal ] &&
	    [ "${6:-}" = nonce ]; echo $?)" \
	    "$how stop: 503, Retry-After, a problem document, a nonce" "$out"
	ok "$(awk -v t="${5:-99}" 'BEGIN { exit !(t < 5) }'; echo $?)" \
	    "$how stop: answered in ${5:-?} s (no hang)" "$out"
	pg_restart || bail "PostgreSQL does not start again"
	out=$(lookup 2>&1)
	set -- $out
	ok "$([ "${1:-}" = 200 ]; echo $?)" \
	    "$how stop: back once the database is, no restart of ours" "$out"
	out=$(relay_page 2>&1)
	ok "$([ "${out%% *}" = 200 ]; echo $?)" \
	    "$how stop: the relay's page is back too" "$out"
done
out=$(py account-new "$work/b.key" 2>&1)
ok "$(echo "$out" | grep -q '^201 '; echo $?)" "a new account afterwards" "$out"
finish
