#!/bin/bash
# idprover-client(1) end to end against the real server: account, enrolment
# of a number with a wrong and then the right SMS code, finalize, fetch and
# chain verification, key rollover, revocation, deactivation, and the exit
# statuses 1 to 4.
#
# Runs under tests/integ/run.sh, which starts a fresh server for this file
# and exports IDP_DIRECTORY_URL, IDP_TLS_CA, IDP_SMS_LOG and IDPROVER_VAR.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

for v in IDP_ROOT IDP_DIRECTORY_URL IDP_TLS_CA IDP_SMS_LOG IDPROVER_VAR; do
	if [ -z "${!v:-}" ]; then
		echo "run through tests/integ/run.sh ($v is not set)" >&2
		exit 2
	fi
done

client=$IDP_BUILD/tools/idprover-client
if [ ! -x "$client" ]; then
	echo "Bail out! $client is not built"
	exit 1
fi
command -v certtool >/dev/null 2>&1 || {
	echo "Bail out! certtool (gnutls-bin) not found"
	exit 1
}


work=$IDP_ROOT/client
state=$work/state
mkdir -p "$work"
TN1=12025550123
TN2=12025550124
TN3=12025550125
CA_CERT=$IDPROVER_VAR/ca/ca.pem

# cl ARGS...: run the client on the test's state folder, directory and TLS
# CA; leaves rc, stdout and stderr.
cl() {
	"$client" -d "$state" -s "$IDP_DIRECTORY_URL" -k "$IDP_TLS_CA" "$@" \
	    > "$work/stdout" 2> "$work/stderr"
	rc=$?
	stdout=$(cat "$work/stdout")
	stderr=$(cat "$work/stderr")
}

diag() {
	printf 'exit %s\nstdout: %s\nstderr: %s\n' "$rc" "$stdout" "$stderr"
}

# expect RC NAME [PATTERN-IN-STDOUT] [PATTERN-IN-STDERR]
expect() {
	local bad=0
	[ "$rc" -eq "$1" ] || bad=1
	[ -z "${3:-}" ] || grep -q -- "$3" "$work/stdout" || bad=1
	[ -z "${4:-}" ] || grep -q -- "$4" "$work/stderr" || bad=1
	ok $bad "$2" "$(diag)"
}

mode_of() { stat -c %a "$1" 2>/dev/null; }

# The SMS lines the file gateway wrote for number $1, oldest first.
sms_lines() {
	grep -E "\"to\": ?\"\\+?$1\"" "$IDP_SMS_LOG" 2>/dev/null
}

sms_count() { sms_lines "$1" | wc -l; }

# The code in the newest SMS to $1: the only run of exactly six digits.
sms_code() {
	local runs
	runs=$(sms_lines "$1" | tail -n 1 | grep -oE '[0-9]+' |
	    grep -xE '[0-9]{6}')
	[ "$(printf '%s' "$runs" | grep -c .)" -eq 1 ] || return 1
	echo "$runs"
}

# Wait until more than $2 SMS went to $1, then print the newest code.
wait_code() {
	local _
	for _ in $(seq 1 100); do
		if [ "$(sms_count "$1")" -gt "$2" ]; then
			sms_code "$1"
			return
		fi
		sleep 0.1
	done
	return 1
}

# A six-digit code that is not $1.
other_code() { printf '%06d' $(((10#$1 + 1) % 1000000)); }

thumb() { sed -n 's/^thumbprint //p' "$work/stdout"; }

# enroll_number TN LABEL: enroll, read the code, answer; leaves code.
enroll_number() {
	local seen
	seen=$(sms_count "$1")
	cl enroll --tn "$1"
	expect 0 "$2: enroll sends a code" "code was sent"
	code=$(wait_code "$1" "$seen")
	ok $? "$2: one six-digit code in the newest SMS to $1" \
	    "$(sms_lines "$1" | tail -n 1)"
}

# finalize_fetch TN LABEL: finalize, fetch, verify the chain.
finalize_fetch() {
	local dir=$state/$1 out
	cl finalize --tn "$1"
	expect 0 "$2: finalize" "certificate ready"
	[ "$(mode_of "$dir/cert.key")" = 600 ]
	ok $? "$2: cert.key is mode 0600" "$(ls -l "$dir")"
	cl fetch --tn "$1"
	expect 0 "$2: fetch prints the path of cert.pem" "^$dir/cert.pem\$"
	[ "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$dir/cert.pem")" -eq 2 ]
	ok $? "$2: cert.pem holds the certificate and its CA" \
	    "$(head -c 300 "$dir/cert.pem")"
	if out=$(certtool --verify --load-ca-certificate "$CA_CERT" \
	    --infile "$dir/cert.pem" 2>&1); then
		printf '%s' "$out" | grep -q 'Chain verification output: Verified'
		ok $? "$2: certtool --verify accepts the chain" "$out"
	else
		ok 1 "$2: certtool --verify accepts the chain" "$out"
	fi
	out=$(certtool -i --infile "$dir/cert.pem" 2>&1)
	printf '%s' "$out" | grep -q "CN=$1" &&
	    printf '%s' "$out" | grep -q '1.3.6.1.5.5.7.1.26'
	ok $? "$2: subject CN=$1 and a TNAuthList extension" \
	    "$(printf '%s' "$out" | head -n 30)"
}

# Account.
cl account create --contact mailto:platform@example.test
expect 0 "account create" "(created)"
acct=$(sed -n 's/^account \([^ ]*\) .*/\1/p' "$work/stdout")
[ "$(mode_of "$state")" = 700 ] && [ "$(mode_of "$state/account.key")" = 600 ]
ok $? "state folder 0700, account.key 0600" "$(ls -la "$state")"
[ -n "$acct" ] && [ "$(cat "$state/account.url")" = "$acct" ]
ok $? "account.url holds the account URL" "$acct"
cl account create
expect 0 "account create again finds the account" \
    "$acct (already registered)"

# Enrolment of TN1: a wrong code first, then the right one.
enroll_number "$TN1" "$TN1"
for f in order.url order.json challenge.url challenge.token; do
	[ -s "$state/$TN1/$f" ] || { ok 1 "$TN1: state has $f"; continue; }
	ok 0 "$TN1: state has $f"
done
cl answer --tn "$TN1" --code "$(other_code "${code:-000000}")"
expect 2 "$TN1: a wrong code exits 2 with the tries left" "" \
    "incorrectResponse.*"
grep -q '4 tries left' "$work/stderr"
ok $? "$TN1: stderr says 4 tries left" "$(diag)"
cl answer --tn "$TN1" --code "${code:-000000}"
expect 0 "$TN1: the right code verifies the number" "verified"
finalize_fetch "$TN1" "$TN1"

cl account show
expect 0 "account show" "^account $acct\$"
grep -qE '"status": ?"valid"' "$work/stdout"
ok $? "account show: status valid" "$(diag)"
old=$(thumb)

# Key rollover, then a second number with the new key.
cl account key-change
expect 0 "account key-change" "account key changed"
[ ! -e "$state/account.key.new" ] &&
    [ "$(mode_of "$state/account.key")" = 600 ]
ok $? "key-change leaves only account.key (0600)" "$(ls -la "$state")"
cl account show
expect 0 "account show with the new key" "^account $acct\$"
new=$(thumb)
[ -n "$old" ] && [ -n "$new" ] && [ "$old" != "$new" ]
ok $? "the thumbprint changed" "old $old new $new"
enroll_number "$TN2" "$TN2 (new key)"
cl answer --tn "$TN2" --code "${code:-000000}"
expect 0 "$TN2 (new key): answer" "verified"
finalize_fetch "$TN2" "$TN2 (new key)"

# Revocation: by the account, again (refused), by the certificate's key.
cl revoke --tn "$TN1" --reason 4
expect 0 "$TN1: revoke" "revoked"
cl revoke --tn "$TN1"
expect 2 "$TN1: revoke again exits 2 alreadyRevoked" "" "alreadyRevoked"
cl revoke --tn "$TN2" --key "$state/$TN2/cert.key" --reason 1
expect 0 "$TN2: revoke signed by the certificate's key" "revoked"

# Exit statuses other than the server's refusals.
cl
expect 1 "no command exits 1" "" "usage:"
cl enroll --tn 12a45
expect 1 "a malformed number exits 1" "" "--tn"
"$client" -d "$state" -s "$IDP_DIRECTORY_URL" -k "$CA_CERT" account show \
    > "$work/stdout" 2> "$work/stderr"
rc=$?
stdout=$(cat "$work/stdout")
stderr=$(cat "$work/stderr")
expect 3 "an untrusted TLS certificate exits 3"
"$client" -d "$work/empty" -s "$IDP_DIRECTORY_URL" -k "$IDP_TLS_CA" \
    enroll --tn "$TN3" > "$work/stdout" 2> "$work/stderr"
rc=$?
stdout=$(cat "$work/stdout")
stderr=$(cat "$work/stderr")
expect 4 "no account in the state folder exits 4" "" "account create"

# Deactivation: the account can do nothing more.
cl account deactivate
expect 0 "account deactivate" '"status": *"deactivated"'
cl enroll --tn "$TN3"
expect 2 "enroll after deactivation exits 2" "" "unauthorized"

echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n checks failed"; exit 1; }
exit 0
