#!/bin/bash
# The PostgreSQL store's round trips per signed request (the budget: at
# most 4): the harness's server restarted with IDPROVER_STORE_TRACE=1,
# test_enroll.py's enrolments, revocations and refusals run against it,
# and the trace counted per program (roundtrips.py). A count, not a
# time. On Berkeley DB there are no round trips: nothing to count.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for v in IDP_ROOT IDP_RUN IDP_DIRECTORY_URL; do
	if [ -z "${!v:-}" ]; then
		echo "run through tests/integ/run.sh ($v is not set)" >&2
		exit 2
	fi
done
if [ "${IDP_STORE:-bdb}" != pg ]; then
	ok 0 "# SKIP round trips are PostgreSQL's (IDP_STORE=pg)"
	finish
fi

BUDGET=4
idp_stop >/dev/null 2>&1
export IDPROVER_STORE_TRACE=1
: > "$IDP_RUN/lighttpd.out"
idp_start || bail "the server does not restart with the trace on"
(cd "$here" && PYTHONPATH=$here "$IDP_PYTHON" -u "$here/test_enroll.py") \
    > "$IDP_ROOT/enroll.out" 2>&1
ok $? "test_enroll.py against the traced server" \
    "$(grep -v '^ok ' "$IDP_ROOT/enroll.out" | tail -n 20)"
idp_stop >/dev/null 2>&1

"$IDP_PYTHON" "$here/roundtrips.py" "$IDP_RUN/lighttpd.out" \
    > "$IDP_ROOT/trips.txt"
sed 's/^/# /' "$IDP_ROOT/trips.txt"
# Each kind of signed request must have been seen, and kept the budget.
for kind in new-account new-order order authz challenge \
    challenge-sms-send finalize cert revoke-cert account; do
	worst=$(awk -v k="$kind" '$1 == k { print $2 }' "$IDP_ROOT/trips.txt")
	ok "$([ -n "$worst" ] && [ "$worst" -le "$BUDGET" ]; echo $?)" \
	    "$kind: at most $BUDGET round trips (worst ${worst:-none seen})"
done
finish
