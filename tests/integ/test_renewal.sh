#!/bin/bash
# Proofs that stay fresh, through the real server: renewal
# information (RFC 9773) with its window for fresh, ageing, revoked and
# reassigned certificates; profiles (every rule, and finalize under a
# profile the operator removed: the server restarts with a config
# without it); authorization reuse inside and outside its window and
# what ends it; replaces and alreadyReplaced when two processes race;
# idprover-admin reassigned on 1,000 numbers and lineage; and
# idprover-client renew, with and without the user's code.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for v in IDP_ROOT IDPROVER_VAR IDP_DIRECTORY_URL IDP_TLS_CA; do
	if [ -z "${!v:-}" ]; then
		echo "run through tests/integ/run.sh ($v is not set)" >&2
		exit 2
	fi
done

admin() { "$IDP_BUILD/tools/idprover-admin" "$@"; }
client() { "$IDP_BUILD/tools/idprover-client" -d "$work/client" \
    -s "$IDP_DIRECTORY_URL" -k "$IDP_TLS_CA" "$@"; }
flow() { PYTHONPATH=$here "$IDP_PYTHON" -u "$here/renewal_flow.py" "$1" \
    "$work/state.json"; }
work=$IDP_ROOT/renewal
mkdir -p "$work"
conf=$IDPROVER_VAR/idprover.conf
# The harness started a server; this test restarts it with its own
# configuration, and stops what it started.
trap 'idp_stop' EXIT

# The TAP lines of a phase, renumbered into this file's.
phase() {	# name
	local line
	flow "$1" > "$work/$1.out" 2>&1
	while IFS= read -r line; do
		case $line in
		"ok "*) ok 0 "${line#ok * - }" ;;
		"not ok "*) ok 1 "${line#not ok * - }" ;;
		"#   "*|"# "*) echo "$line" ;;
		esac
	done < "$work/$1.out"
	grep -q '^1\.\.' "$work/$1.out" ||
	    ok 1 "phase $1 ran to its end" "$(tail -n 30 "$work/$1.out")"
}

write_conf() {	# with_doomed (1: as first started; 0: doomed gone, tn
		# tightened to proofs of one day)
	local doomed="" tnproof=86400
	[ "$1" = 1 ] && doomed=',
	  "doomed": { "description": "Goes away", "cert_days": 30,
	    "reuse_seconds": 0, "max_proof_seconds": 2592000 }'
	[ "$1" = 1 ] && tnproof=2592000
	cat > "$conf" <<EOF
{
  "limit_number_hour": 100, "limit_number_day": 100,
  "limit_account_hour": 100000, "limit_account_day": 100000,
  "limit_prefix_hour": 100000,
  "limit_new_accounts_addr_hour": 100000, "limit_new_accounts_addr_day": 100000,
  "limit_new_accounts_hour": 100000,
  "limit_global_hour": 100000, "limit_orders_hour": 100000,
  "profiles": {
    "tn": { "description": "Monthly", "cert_days": 30,
      "reuse_seconds": 86400, "max_proof_seconds": $tnproof },
    "tn-short": { "description": "Weekly", "cert_days": 7,
      "reuse_seconds": 86400, "max_proof_seconds": 604800 },
    "quick": { "description": "Proofs age fast", "cert_days": 30,
      "reuse_seconds": 4, "max_proof_seconds": 259200 },
    "nonrep": { "description": "Signing", "cert_days": 30,
      "reuse_seconds": 86400, "max_proof_seconds": 2592000,
      "key_usage": ["digitalSignature", "nonRepudiation"] },
    "brief": { "description": "Lives seconds", "cert_days": 1,
      "reuse_seconds": 3600, "max_proof_seconds": 30 }$doomed
  },
  "default_profile": "tn"
}
EOF
}

restart() {
	idp_stop
	idp_start || bail "the server did not start with $conf"
}

# ------------------------------------------------------ profiles etc.
write_conf 1
ok "$(admin check-config > "$work/check.out" 2>&1; echo $?)" \
    "check-config accepts the profiles" "$(cat "$work/check.out")"
printf '{"profiles": {"tn": {"cert_days": 30}}}\n' > "$work/bad.conf"
out=$(admin -c "$work/bad.conf" check-config 2>&1)
ok "$(echo "$out" | grep -q 'profiles.tn: needs'; echo $?)" \
    "check-config names a profile without max_proof_seconds" "$out"
printf '{"default_profile": "nope"}\n' > "$work/bad.conf"
out=$(admin -c "$work/bad.conf" check-config 2>&1)
ok "$(echo "$out" | grep -q 'default_profile'; echo $?)" \
    "check-config refuses a default_profile that names none" "$out"
restart
phase main

# ---------------------------------------- the operator removes a profile
write_conf 0
restart
phase doomed

# ------------------------------------------------------------ lineage
lnum=$("$IDP_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["lineage"]["number"])' "$work/state.json" 2>/dev/null)
out=$(admin lineage "$lnum" 2>&1)
ok "$(echo "$out" | grep -q 'replacedBy=[A-Za-z0-9_-]\{16\}'; echo $?)" \
    "lineage: the replaced certificate names the order replacing it" "$out"

# ----------------------------------------------------- reassigned numbers
REASSIGN_CERTS=${REASSIGN_CERTS:-1000} phase reassign-setup
sleep 1
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
"$IDP_PYTHON" - "$work/state.json" > "$work/numbers.txt" <<'PY'
import json, random, sys
s = json.load(open(sys.argv[1]))["reassign"]
nums = list(s["numbers"])
rng = random.Random(15)
while len(nums) < 1000:
    n = "1404555%04d" % rng.randrange(10000)
    if n not in nums:
        nums.append(n)
print("# reassigned numbers, one a line")
for i, n in enumerate(nums):
    print(("+" if i % 2 else "") + n)
PY
ok "$(grep -c '^+\?[0-9]' "$work/numbers.txt" | grep -qx 1000; echo $?)" \
    "the report holds 1,000 numbers"
t0=$(date +%s.%N)
out=$(admin reassigned --file "$work/numbers.txt" --since "$since" 2>&1)
t1=$(date +%s.%N)
certs=$("$IDP_PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1]))["reassign"]; print(sum(len(v) for v in s["certs"].values()))' "$work/state.json")
echo "# reassigned: $out"
echo "# reassigned on 1,000 numbers took $(echo "$t1 - $t0" | bc) s"
ok "$(echo "$out" | grep -q "1000 numbers, .*, $certs certificates revoked"; echo $?)" \
    "reassigned: 1,000 numbers, $certs certificates revoked" "$out"
curl -fsS --noproxy "*" --cacert "$IDP_TLS_CA" -o "$work/crl.der" \
    "${IDPROVER_BASE_URL}/crl"
withdrawn=$(openssl crl -inform DER -in "$work/crl.der" -noout -text |
    grep -c 'Privilege Withdrawn')
ok "$([ "$withdrawn" -eq "$certs" ]; echo $?)" \
    "the CRL lists them with reason privilegeWithdrawn ($withdrawn)"
phase reassign-check
out=$(admin reassigned --file "$work/numbers.txt" --since "$since" 2>&1)
ok "$(echo "$out" | grep -q ', 0 certificates revoked'; echo $?)" \
    "reassigned again with the same --since: nothing more" "$out"
phase reassign-again
out=$(admin reassigned 12 2>&1)
ok "$([ $? -eq 2 ] && echo "$out" | grep -q 'not a telephone'; echo $?)" \
    "reassigned: a bad number is a usage error" "$out"

# ------------------------------------------------- idprover-client renew
tn=1505555$(printf '%04d' $((RANDOM % 10000)))
code_of() {	# number: the newest code in the SMS log
	PYTHONPATH=$here "$IDP_PYTHON" - "$1" <<'PY'
import sys
from acmetest import sms_code
print(sms_code(sys.argv[1]) or "")
PY
}
client account create > "$work/c.out" 2>&1
client enroll --tn "$tn" --profile brief >> "$work/c.out" 2>&1
sleep 0.5
client answer --tn "$tn" --code "$(code_of "$tn")" \
    >> "$work/c.out" 2>&1
client finalize --tn "$tn" >> "$work/c.out" 2>&1
client fetch --tn "$tn" >> "$work/c.out" 2>&1
ok "$(openssl x509 -in "$work/client/$tn/cert.pem" -noout 2>/dev/null;
    echo $?)" "client: a certificate under profile brief" \
    "$(cat "$work/c.out")"
old=$(openssl x509 -in "$work/client/$tn/cert.pem" -noout -serial)
sleep 9
sms_before=$(grep -c "\"$tn\"" "$IDP_SMS_LOG")
client renew --tn "$tn" --profile brief > "$work/r1.out" 2>&1
rc=$?
new=$(openssl x509 -in "$work/client/$tn/cert.pem" -noout -serial)
ok "$([ $rc -eq 0 ] && [ "$old" != "$new" ]; echo $?)" \
    "renew inside the window, proof reusable: renewed without the user (exit 0)" \
    "rc=$rc $(cat "$work/r1.out")"
ok "$([ "$(grep -c "\"$tn\"" "$IDP_SMS_LOG")" -eq "$sms_before" ]; echo $?)" \
    "renew: no SMS for a reused proof"
out=$(admin lineage "$tn")
ok "$(echo "$out" | grep -q "replaces=[A-Za-z0-9_-]\{16\}"; echo $?)" \
    "renew: the new certificate replaces the old one (lineage)" "$out"
# A tn certificate: not yet.
tn2=1505556$(printf '%04d' $((RANDOM % 10000)))
client enroll --tn "$tn2" > "$work/c2.out" 2>&1
sleep 0.5
client answer --tn "$tn2" --code "$(code_of "$tn2")" \
    >> "$work/c2.out" 2>&1
client finalize --tn "$tn2" >> "$work/c2.out" 2>&1
client fetch --tn "$tn2" >> "$work/c2.out" 2>&1
client renew --tn "$tn2" > "$work/r2.out" 2>&1
rc=$?
ok "$([ $rc -eq 0 ] && grep -q 'not yet; renew after' "$work/r2.out"; echo $?)" \
    "renew before the window: nothing to do (exit 0)" \
    "rc=$rc $(cat "$work/r2.out") $(cat "$work/c2.out")"
# Reported reassigned: the window is past and the proof gone: a code.
sleep 1
admin reassigned "$tn2" > /dev/null 2>&1
client renew --tn "$tn2" > "$work/r3.out" 2>&1
rc=$?
ok "$([ $rc -eq 5 ] && grep -q 'reassigned' "$work/r3.out"; echo $?)" \
    "renew of a reassigned number: a code is sent, exit 5 (waiting for the user)" \
    "rc=$rc $(cat "$work/r3.out")"
client renew --tn "$tn2" > "$work/r4.out" 2>&1
rc=$?
ok "$([ $rc -eq 5 ]; echo $?)" "renew again while waiting: exit 5 (the same order)" \
    "rc=$rc $(cat "$work/r4.out")"
sleep 0.5
client answer --tn "$tn2" --code "$(code_of "$tn2")" \
    > "$work/r5.out" 2>&1 && client finalize --tn "$tn2" >> "$work/r5.out" 2>&1 &&
    client fetch --tn "$tn2" >> "$work/r5.out" 2>&1
ok $? "after the user's code: finalize and fetch" "$(cat "$work/r5.out")"
client renew --tn "$tn2" > "$work/r6.out" 2>&1
ok "$(grep -q 'not yet' "$work/r6.out"; echo $?)" \
    "renewed: the new certificate is outside its window" "$(cat "$work/r6.out")"

finish
