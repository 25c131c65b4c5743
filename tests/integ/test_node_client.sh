#!/bin/bash
# Interoperability: npm's acme-client drives the whole enrolment
# (tests/integ/node_client.js); then the downloaded chain is checked with
# certtool against the chain's own CA, and the leaf must carry the
# TNAuthList extension, non-critical, with the order's DER byte for byte
# (PROTOCOL §9, §7.3).
#
# Runs under tests/integ/run.sh (IDP_DIRECTORY_URL, IDP_TLS_CA,
# IDP_SMS_LOG, IDP_ROOT are set there).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

for v in IDP_ROOT IDP_DIRECTORY_URL IDP_TLS_CA IDP_SMS_LOG; do
	if [ -z "${!v:-}" ]; then
		echo "run through tests/integ/run.sh ($v is not set)" >&2
		exit 2
	fi
done


missing=""
for t in node openssl certtool od base64; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	ok 1 "tools present" "missing:$missing"
	finish
fi
if [ ! -d "$top/tests/node_modules/acme-client" ]; then
	(cd "$top/tests" && npm install --no-audit --no-fund) > \
	    "$IDP_ROOT/npm.log" 2>&1
fi
[ -d "$top/tests/node_modules/acme-client" ]
ok $? "acme-client installed in tests/node_modules" \
    "$(tail -n 20 "$IDP_ROOT/npm.log" 2>/dev/null)"
[ $failed -eq 0 ] || finish

work=$IDP_ROOT/node
mkdir -p "$work"

# A fresh number and its DER TNAuthorizationList (RFC 8226, explicit tags):
# 30 len a2 len 16 len digits.
tn="1$(printf '%010d' $(( (RANDOM * 32768 + RANDOM) % 10000000000 )))"
hexlen() { printf '%02x' "$1"; }
tohex() { od -An -v -tx1 | tr -d ' \n'; }
digits_hex=$(printf '%s' "$tn" | tohex)
l=${#tn}
der="30$(hexlen $((l + 4)))a2$(hexlen $((l + 2)))16$(hexlen "$l")$digits_hex"
# shellcheck disable=SC2059
value=$(printf "$(printf '%s' "$der" | sed 's/../\\x&/g')" | base64 -w0 |
    tr '+/' '-_' | tr -d '=')
echo "# number $tn, TNAuthList DER $der, identifier value $value"

# The CSR: EC P-256 with the TNAuthList extension as raw DER.
if ! openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/leaf.key" -subj "/CN=acme-client test" \
    -addext "1.3.6.1.5.5.7.1.26=DER:$der" -out "$work/leaf.csr" \
    > "$work/openssl.log" 2>&1; then
	ok 1 "openssl req makes the CSR" "$(cat "$work/openssl.log")"
	finish
fi
csr_der=$(openssl req -in "$work/leaf.csr" -outform DER | tohex)
case $csr_der in
*06082b0601050507011a04$(hexlen $((${#der} / 2)))$der*) ok 0 \
    "the CSR carries the TNAuthList extension" ;;
*) ok 1 "the CSR carries the TNAuthList extension" "$csr_der" ;;
esac

# The flow, bounded in time.
NODE_TN=$tn NODE_TN_VALUE=$value NODE_CSR=$work/leaf.csr \
NODE_CSR_KEY=$work/leaf.key NODE_OUT=$work/chain.pem \
NODE_PATH=$top/tests/node_modules \
    timeout 120 node "$here/node_client.js" > "$work/node.out" 2>&1
rc=$?
# Renumber node's TAP lines into this file's sequence.
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "acme-client: ${line#ok * - }" ;;
	"not ok "*) ok 1 "acme-client: ${line#not ok * - }" ;;
	"#   "*) echo "$line" ;;
	"# "*) echo "$line" ;;
	*) echo "# node: $line" ;;
	esac
done < "$work/node.out"
ok $rc "acme-client flow exits 0 (rc $rc)"
[ -s "$work/chain.pem" ] || { ok 1 "a chain was downloaded"; finish; }

# Split the chain: leaf first, the issuing CA last.
awk -v dir="$work" '/-----BEGIN CERTIFICATE-----/ { i++ }
	i { print > (dir "/cert" i ".pem") }' "$work/chain.pem"
count=$(ls "$work"/cert*.pem 2>/dev/null | wc -l)
[ "$count" -ge 2 ]
ok $? "the chain holds the leaf and its CA ($count certificates)"
ca=$work/cert$count.pem

out=$(certtool --verify --load-ca-certificate "$ca" \
    --infile "$work/chain.pem" 2>&1)
rc=$?
echo "$out" | grep -q 'Chain verification output: Verified'
ok $(( rc != 0 || $? != 0 )) "certtool --verify: the chain verifies against \
the chain's CA" "$out"
out=$(certtool --verify --load-ca-certificate "$IDPROVER_VAR/ca/ca.pem" \
    --infile "$work/chain.pem" 2>&1)
echo "$out" | grep -q 'Chain verification output: Verified'
ok $? "certtool --verify: the chain verifies against the server's CA file" \
    "$out"

leaf_der=$(openssl x509 -in "$work/cert1.pem" -outform DER | tohex)
extlen=$(( ${#der} / 2 ))
want="30$(hexlen $((extlen + 12)))06082b0601050507011a04$(hexlen $extlen)$der"
case $leaf_der in
*"$want"*) ok 0 "the leaf carries the TNAuthList extension, non-critical, \
with the identifier's DER" ;;
*) ok 1 "the leaf carries the TNAuthList extension, non-critical, with the \
identifier's DER" "want $want
$(openssl x509 -in "$work/cert1.pem" -noout -text 2>&1 | head -n 40)" ;;
esac
subj=$(openssl x509 -in "$work/cert1.pem" -noout -subject -nameopt RFC2253)
[ "$subj" = "subject=CN=$tn" ]
ok $? "the leaf subject is CN=$tn ($subj)"

finish
