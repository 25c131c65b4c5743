#!/bin/bash
# The PostgreSQL store's round trips per signed request (the budget: at
# most 4): the harness's server restarted with IDPROVER_STORE_TRACE=1 and
# driven by three flows, each under its own configuration:
#   test_enroll.py       enrolments, revocations (also a key compromise
#                        reported by an account that holds the number)
#                        and refusals;
#   renewal_flow.py main profiles, authorization reuse (finalize of an
#                        order that reused a proof), replaces (RFC 9773)
#                        with its races;
#   eab_flow.py          accounts bound to platforms, their SMS over SMPP
#                        to tests/smsc_sim.js (the platforms' share of the
#                        service's budget, the conversion guard), their
#                        orders (also one that replaces a certificate).
# The trace is counted per program and variant (roundtrips.py): a count,
# not a time. Every kind seen must keep the budget, and the kinds below
# must have been seen. On Berkeley DB there are no round trips.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for v in IDP_ROOT IDP_RUN IDP_DIRECTORY_URL IDPROVER_VAR; do
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
SIM_PID=
cleanup() {
	idp_stop >/dev/null 2>&1
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && wait "$SIM_PID" 2>/dev/null
}
trap cleanup EXIT
idp_stop >/dev/null 2>&1
export IDPROVER_STORE_TRACE=1
logs=()

# One flow against the traced server: its TAP lines counted as one check,
# its trace kept apart.
traced() {	# name command...
	local name=$1
	shift
	: > "$IDP_RUN/lighttpd.out"
	idp_start || bail "the server does not restart for $name"
	(cd "$here" && PYTHONPATH=$here timeout 300 "$@") \
	    > "$IDP_ROOT/$name.out" 2>&1
	ok $? "$name against the traced server" \
	    "$(grep -v '^ok ' "$IDP_ROOT/$name.out" | tail -n 20)"
	idp_stop >/dev/null 2>&1
	cp "$IDP_RUN/lighttpd.out" "$IDP_ROOT/$name.trace"
	logs+=("$IDP_ROOT/$name.trace")
}

traced enroll "$IDP_PYTHON" -u "$here/test_enroll.py"

# The profiles of test_renewal.sh (as it first starts).
cat > "$IDPROVER_VAR/idprover.conf" <<'JSON'
{
  "limit_number_hour": 100, "limit_number_day": 100,
  "limit_account_hour": 100000, "limit_account_day": 100000,
  "limit_prefix_hour": 100000,
  "limit_new_accounts_addr_hour": 100000, "limit_new_accounts_addr_day": 100000,
  "limit_new_accounts_hour": 100000,
  "limit_global_hour": 100000, "limit_orders_hour": 100000,
  "profiles": {
    "tn": { "description": "Monthly", "cert_days": 30,
      "reuse_seconds": 86400, "max_proof_seconds": 2592000 },
    "tn-short": { "description": "Weekly", "cert_days": 7,
      "reuse_seconds": 86400, "max_proof_seconds": 604800 },
    "quick": { "description": "Proofs age fast", "cert_days": 30,
      "reuse_seconds": 4, "max_proof_seconds": 259200 },
    "nonrep": { "description": "Signing", "cert_days": 30,
      "reuse_seconds": 86400, "max_proof_seconds": 2592000,
      "key_usage": ["digitalSignature", "nonRepudiation"] },
    "brief": { "description": "Lives seconds", "cert_days": 1,
      "reuse_seconds": 3600, "max_proof_seconds": 30 },
    "doomed": { "description": "Goes away", "cert_days": 30,
      "reuse_seconds": 0, "max_proof_seconds": 2592000 }
  },
  "default_profile": "tn"
}
JSON
mkdir -p "$IDP_ROOT/renewal"
traced renewal "$IDP_PYTHON" -u "$here/renewal_flow.py" main \
    "$IDP_ROOT/renewal/state.json"

# Platforms: a real gateway (SMPP to the simulator) requires binding; the
# guard and limits of test_eab.sh.
idp_smsc_start "$IDP_ROOT/smsc.log" ||
    bail "the SMSC simulator does not start: $(tail -n 3 "$IDP_ROOT/smsc.log")"
cat > "$IDP_ROOT/eab.conf" <<JSON
{ "sms_gateway": "smpp://idprover:s3cret@127.0.0.1:$SMPP_PORT?source_addr=IdpTest",
  "sms_timeout_ms": 2000,
  "guard_min_sends": 5, "guard_min_rate": 50, "guard_prefix_len": 6,
  "limit_prefix_hour": 1000,
  "limit_new_accounts_addr_hour": 1000000,
  "limit_new_accounts_addr_day": 1000000,
  "limit_new_accounts_hour": 100000000 }
JSON
export IDPROVER_CONF=$IDP_ROOT/eab.conf
export IDP_SMSC_API=http://127.0.0.1:$SMSC_HTTP EAB_OUT=$IDP_ROOT/node.eab
export IDP_BUILD
unset IDPROVER_SMS_GATEWAY
traced eab "$IDP_PYTHON" -u "$here/eab_flow.py"

"$IDP_PYTHON" "$here/roundtrips.py" "${logs[@]}" > "$IDP_ROOT/trips.txt"
sed 's/^/# /' "$IDP_ROOT/trips.txt"
# Each kind of signed request, and each variant named, must have been
# seen, and kept the budget.
for kind in new-account new-order new-order-platform new-order-replaces \
    new-order-replaces-platform order authz \
    challenge challenge-sms-send challenge-sms-send-platform finalize \
    finalize-reuse cert revoke-cert revoke-cert-holder account; do
	worst=$(awk -v k="$kind" '$1 == k { print $2 }' "$IDP_ROOT/trips.txt")
	ok "$([ -n "$worst" ] && [ "$worst" -le "$BUDGET" ]; echo $?)" \
	    "$kind: at most $BUDGET round trips (worst ${worst:-none seen})"
done
# ... and so must every other program that committed a transaction.
over=$(awk -v b="$BUDGET" '$2 > b { print $1 " " $2 }' "$IDP_ROOT/trips.txt")
ok "$([ -z "$over" ]; echo $?)" "no kind above $BUDGET round trips" "$over"
finish
