#!/bin/bash
# SMPP gateway against the SMSC simulator (tests/smsc_sim.js) on loopback.
# Prints one TAP line per check; exits non-zero if any check fails.
# SMPP_SEND may name a prebuilt tests/unit/smpp_send; otherwise it is
# built here with ${CC:-cc}.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
. "$top/tests/integ/lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_smpp.XXXXXX") || exit 1
simpid=""
TO=15551230000

cleanup() {
	if [ -n "$simpid" ]; then
		kill "$simpid" 2>/dev/null
		wait "$simpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM


# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		not_ok "$1" "expected '$2', got '$3'"
	fi
}

# A loopback port nothing listens on.
free_port() {
	for _ in 1 2 3 4 5; do
		p=$(node -e 'const s = require("net").createServer();
		    s.listen(0, "127.0.0.1", () => {
		    console.log(s.address().port); s.close(); });')
		if [ -n "$p" ] && ! ss -ltnH "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

api() {
	curl -fsS -X "$1" ${3:+--data-binary "$3"} \
	    "http://127.0.0.1:$http_port$2"
}

# Field $1 of the last recorded message ($2: index from the end, 1 = last).
field() {
	api GET /messages | node -e 'let d = "";
	    process.stdin.on("data", (c) => d += c).on("end", () => {
	    const m = JSON.parse(d), x = m[m.length - (+process.argv[2] || 1)];
	    process.stdout.write(x === undefined ? "" :
	    String(x[process.argv[1]])); });' "$1" "${2:-1}"
}

count() {
	api GET /messages | node -e 'let d = "";
	    process.stdin.on("data", (c) => d += c).on("end", () =>
	    console.log(JSON.parse(d).length));'
}

stats() {
	api GET /stats | node -e 'let d = "";
	    process.stdin.on("data", (c) => d += c).on("end", () =>
	    console.log(JSON.parse(d)[process.argv[1]]));' "$1"
}

mode() {
	api POST /mode "$1" >/dev/null || bail "cannot set mode $1"
	api DELETE /messages >/dev/null || bail "cannot clear messages"
}

# send [options] TEXT: run the driver, leave its output in $out, its
# exit status in $rc.
send() {
	out=$("$SMPP_SEND" "$@" 2>>"$tmp/send.log")
	rc=$?
}

for c in node curl ss pkg-config; do
	command -v "$c" >/dev/null || bail "$c not found"
done
[ -d "$top/tests/node_modules/smpp" ] ||
	bail "npm package smpp missing: cd tests && npm install"

if [ -z "${SMPP_SEND:-}" ]; then
	SMPP_SEND="$tmp/smpp_send"
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	    -I"$top/lib/base" -I"$top/lib/sms" -o "$SMPP_SEND" "$top/tests/unit/smpp_send.c" \
	    "$IDP_BUILD/lib/libsms.a" "$IDP_BUILD/lib/libbase.a" \
	    $(pkg-config --cflags --libs libsmpp34 libcurl) ||
		bail "cannot build smpp_send"
fi

smpp_port=$(free_port) || bail "no free port"
http_port=$(free_port) || bail "no free port"
[ "$smpp_port" != "$http_port" ] || bail "same port twice"
SMSC_PORT=$smpp_port SMSC_HTTP_PORT=$http_port \
    node "$top/tests/smsc_sim.js" >"$tmp/sim.log" 2>&1 &
simpid=$!
for _ in $(seq 50); do
	api GET /stats >/dev/null 2>&1 && break
	sleep 0.1
done
api GET /stats >/dev/null 2>&1 || bail "simulator did not start: $(cat "$tmp/sim.log")"

URL="smpp://idprover:s3cr%40t@127.0.0.1:$smpp_port?source_addr=IdProver"

# GSM-7 text: number, sender, TON/NPI, validity and text arrive as sent.
mode ok
text='IdProver verification code: 123456. Valid 10 min.'
send "$URL" "$TO" "$text"
check "gsm: sent" "0 SENT msg-1" "$rc $out"
check "gsm: one submit_sm" 1 "$(count)"
check "gsm: destination" "$TO" "$(field to)"
check "gsm: dest ton/npi 1/1" "1/1" "$(field dest_ton)/$(field dest_npi)"
check "gsm: source_addr and ton/npi 5/0" "IdProver 5/0" \
    "$(field from) $(field source_ton)/$(field source_npi)"
check "gsm: validity_period" "000000001000000R" "$(field validity_period)"
check "gsm: data_coding 0" 0 "$(field data_coding)"
check "gsm: text" "$text" "$(field text)"

# GSM-7 with basic-table ü/ß and extension-table € [ ].
mode ok
text='Grüße [IdProver]: 123456 kostet 0 €'
send "$URL" "$TO" "$text"
check "gsm ext: sent" 0 "$rc"
check "gsm ext: data_coding 0" 0 "$(field data_coding)"
check "gsm ext: text intact" "$text" "$(field text)"
check "gsm ext: euro as 1b65, ü as 7e" "yes" \
    "$(field octets | grep -q '1b65$' && field octets | grep -q '7e' &&
    echo yes)"

# UCS-2 (Cyrillic) arrives as data_coding 8.
mode ok
text='Ваш код IdProver: 123456'
send "$URL" "$TO" "$text"
check "ucs2: sent" 0 "$rc"
check "ucs2: data_coding 8" 8 "$(field data_coding)"
check "ucs2: text intact" "$text" "$(field text)"

mode reject-dest
send "$URL" "$TO" "code 123456"
check "reject-dest: permanent" "2 PERMANENT destination rejected (0x0000000b)" \
    "$rc $out"

mode throttle
send "$URL" "$TO" "code 123456"
check "throttle: transient" "1 TRANSIENT throttled (0x00000058)" "$rc $out"

mode bindfail
send "$URL" "$TO" "code 123456"
check "bindfail: transient, tells the operator" \
    "1 TRANSIENT bind refused (0x0000000d), check system_id and password" \
    "$rc $out"

# ESME_RINVEXPIRY: resent once without validity_period.
mode expiry
send "$URL" "$TO" "code 123456"
check "expiry: sent on the second submit_sm" "0 2" "$rc $(count)"
check "expiry: second without validity_period" "''" "'$(field validity_period)'"

# The SMSC sends enquire_link before answering submit_sm.
mode enquire-first
e0=$(stats enquire_resps)
send "$URL" "$TO" "code 123456"
check "enquire_link while waiting: answered, sent" "0 $((e0 + 1))" \
    "$rc $(stats enquire_resps)"

# Three sends on one bind; close unbinds.
mode ok
b0=$(stats binds)
u0=$(stats unbinds)
send -n 3 "$URL" "$TO" "code 123456"
check "bind kept across sends" "0 3 $((b0 + 1)) $((u0 + 1))" \
    "$rc $(echo "$out" | grep -c '^SENT') $(stats binds) $(stats unbinds)"

# The SMSC drops the connection between two sends: one reconnect.
mode ok
b0=$(stats binds)
"$SMPP_SEND" -n 2 -p 1500 "$URL" "$TO" "code 123456" \
    >"$tmp/kick.out" 2>>"$tmp/send.log" &
kpid=$!
for _ in $(seq 100); do
	[ "$(count)" -ge 1 ] && break
	sleep 0.1
done
api POST /kick >/dev/null
wait "$kpid"
rc=$?
check "reconnect after drop" "0 2 $((b0 + 2))" \
    "$rc $(grep -c '^SENT' "$tmp/kick.out") $(stats binds)"

# No submit_sm_resp at all: transient after the timeout.
mode silent
send -t 800 "$URL" "$TO" "code 123456"
check "silent SMSC: transient" 1 "$rc"

# Wrong destination format is caught before any PDU is sent.
mode ok
send "$URL" "+$TO" "code 123456"
check "bad destination: permanent, nothing sent" "2 0" "$rc $(count)"

# Simulator down.
kill "$simpid"
wait "$simpid" 2>/dev/null
simpid=""
send -t 2000 "$URL" "$TO" "code 123456"
check "simulator down: transient" 1 "$rc"
case $out in
"TRANSIENT cannot connect to SMSC"*) pass "simulator down: reason" ;;
*) not_ok "simulator down: reason" "$out" ;;
esac

if grep -q '123456' "$tmp/send.log"; then
	not_ok "the code never reaches the log"
else
	pass "the code never reaches the log"
fi

finish
