#!/bin/bash
# Platforms end to end, on a server of its own whose SMS go over
# SMPP to tests/smsc_sim.js (a real gateway: binding required by default):
#   eab_flow.py   python3-acme binds accounts (messages.ExternalAccountBinding);
#                 wrong MACs, unknown kids, malformed bindings, a disabled
#                 platform, an order outside a platform's prefixes; the
#                 per-platform SMS lines as the SMSC received them; the
#                 conversion guard trips on a pumping run of one platform
#                 while another enrols; guard list/release; stats.
#   node_client   npm's acme-client binds its account (externalAccountBinding)
#                 and enrols a number.
# Runs under tests/integ/run.sh; the harness's own server is not used.
# Everything started here is stopped by pid.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for t in node curl; do
	command -v "$t" >/dev/null 2>&1 || { ok 1 "$t present"; finish; }
done
# Inside the test's own folder: run.sh removes it when the file passes
# and keeps it when it fails.
W=$IDP_ROOT/eab
mkdir -p "$W" || bail "no work folder"
SIM_PID=
IDP_LIGHTTPD_PID=

EAB_ROOT=
cleanup() {
	idp_stop >/dev/null 2>&1
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && wait "$SIM_PID" 2>/dev/null
	# The server of its own (idp_setup below): kept only when a check
	# failed, as run.sh keeps the test's folder.
	[ -n "$EAB_ROOT" ] && [ "$failed" -eq 0 ] &&
	    [ "${IDP_KEEP:-0}" != 1 ] && rm -rf "$EAB_ROOT"
}
trap cleanup EXIT

idp_smsc_start "$W/smsc.log"
ok $? "the SMSC simulator starts" "$(tail -n 3 "$W/smsc.log")"

# The guard trips after 5 sends to one 6-digit prefix with fewer than half
# of them proven; numbers may take 20 SMS an hour (the pumping run uses
# many numbers of one range, as pumping does).
cat > "$W/eab.conf" <<JSON
{ "sms_gateway": "smpp://idprover:s3cret@127.0.0.1:$SMPP_PORT?source_addr=IdpTest",
  "sms_timeout_ms": 2000,
  "guard_min_sends": 5, "guard_min_rate": 50, "guard_prefix_len": 6,
  "limit_prefix_hour": 1000,
  "limit_new_accounts_addr_hour": 1000000,
  "limit_new_accounts_addr_day": 1000000,
  "limit_new_accounts_hour": 100000000 }
JSON
export IDPROVER_CONF=$W/eab.conf
idp_setup eab >/dev/null || bail "idp_setup failed"
EAB_ROOT=$IDP_ROOT
unset IDPROVER_SMS_GATEWAY
idp_start || bail "the server does not start: $(tail -n 5 "$IDP_RUN/error.log")"

# The python3-acme part: its TAP lines renumbered here.
export IDP_SMSC_API=http://127.0.0.1:$SMSC_HTTP EAB_OUT=$W/node.eab IDP_BUILD
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "${line#ok * - }" ;;
	"not ok "*) ok 1 "${line#not ok * - }" ;;
	"1.."*) ;;
	*) echo "$line" ;;
	esac
done < <(cd "$here" && PYTHONPATH=$here timeout 300 "$IDP_PYTHON" -u \
    "$here/eab_flow.py" 2>&1; echo "# eab_flow.py exit $?")

# npm's acme-client binds its account to beta and enrols a number.
[ -s "$W/node.eab" ] || { ok 1 "beta's key for the node client"; finish; }
tn="4420795$(printf '%06d' $((RANDOM % 1000000)))"
hexlen() { printf '%02x' "$1"; }
tohex() { od -An -v -tx1 | tr -d ' \n'; }
l=${#tn}
der="30$(hexlen $((l + 4)))a2$(hexlen $((l + 2)))16$(hexlen "$l")$(printf '%s' "$tn" | tohex)"
# shellcheck disable=SC2059
value=$(printf "$(printf '%s' "$der" | sed 's/../\\x&/g')" | base64 -w0 |
    tr '+/' '-_' | tr -d '=')
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/leaf.key" -subj "/CN=eab" \
    -addext "1.3.6.1.5.5.7.1.26=DER:$der" -out "$W/leaf.csr" \
    > "$W/openssl.log" 2>&1 || bail "openssl req: $(cat "$W/openssl.log")"
NODE_TN=$tn NODE_TN_VALUE=$value NODE_CSR=$W/leaf.csr \
NODE_CSR_KEY=$W/leaf.key NODE_OUT=$W/chain.pem \
NODE_EAB=$(cat "$W/node.eab") NODE_SMS_API=$IDP_SMSC_API \
NODE_PATH=$IDP_TOP/tests/node_modules IDP_SMS_LOG=/dev/null \
    timeout 120 node "$here/node_client.js" > "$W/node.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "acme-client (EAB): ${line#ok * - }" ;;
	"not ok "*) ok 1 "acme-client (EAB): ${line#not ok * - }" ;;
	*) echo "# node: $line" ;;
	esac
done < "$W/node.out"
ok $rc "acme-client with externalAccountBinding: the flow exits 0"
grep -q "BEGIN CERTIFICATE" "$W/chain.pem" 2>/dev/null
ok $? "acme-client with externalAccountBinding: a certificate"
out=$("$IDP_BUILD/tools/idprover-admin" stats --platform beta 2>&1)
echo "$out" | grep -Eq "^$(date -u +%F) [0-9]+ 2 [0-9]+% 2 "
ok $? "stats --platform beta: two proofs and two certificates today" "$out"

finish
