#!/bin/bash
# The relay as one platform (relay_eab_kid, relay_eab_key), end to end
# against the real server, binding required (external_account_required
# "yes"; SMS to the file log):
#   0. the harness's server (binding optional): the relay registers an
#      unbound account with its key file and sends a code;
#   1. a malformed relay_eab_key (binding optional), then a wrong one
#      (required): the page says numbers cannot be confirmed, no SMS goes
#      out, nothing is counted for the platform; the unbound account of
#      step 0 is not used instead;
#   2. the right key: a whole enrolment in Chromium; stats --platform
#      counts the SMS, the proof and the certificate; the certificate
#      carries the number in TNAuthList;
#   3. the platform disabled: the relay cannot order and says so, with no
#      500 and no SMS; enabled again, it orders.
# Runs under tests/integ/run.sh; the server is restarted here with each
# configuration and stopped by pid.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

base=https://localhost:$IDP_PORT/relay
admin=$IDP_BUILD/tools/idprover-admin
tmp=$(mktemp -d "$IDP_TOP/tests/tmp/relay_eab.XXXXXX") || bail "no folder"
trap 'idp_stop; rm -rf "$tmp"' EXIT
today=$(date -u +%F)
closed='Numbers cannot be confirmed here at the moment'

# req NAME [curl args]: headers in $tmp/NAME.h, body in $tmp/NAME.b, the
# cookie jar $tmp/jar.
req() {
	local name=$1
	shift
	curl -sS --noproxy '*' --cacert "$IDP_TLS_CA" -b "$tmp/jar" \
	    -c "$tmp/jar" -D "$tmp/$name.h" -o "$tmp/$name.b" "$@" "$base"
}
status_of() { head -n 1 "$tmp/$1.h" | cut -d' ' -f2; }
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$tmp/$1.b" | head -n 1 |
    sed 's/.*value="//; s/"$//'; }
alert_of() { sed -n 's/.*role="alert">\([^<]*\)<.*/\1/p' "$tmp/$1.b"; }
sms_to() { grep -c "\"to\": *\"$1\"" "$IDP_SMS_LOG" 2>/dev/null; }

# start NAME TN: a fresh session asks for a code for TN; the POST's
# status in $tmp/NAME.post, the page after it in $tmp/NAME.b.
start() {
	rm -f "$tmp/jar"
	req "$1.get"
	req "$1.p" --data "csrf=$(csrf_of "$1.get")&action=start&tn=$2"
	status_of "$1.p" > "$tmp/$1.post"
	req "$1"
}

# today_stats NAME: "sent proofs conversion certs limited" of today.
today_stats() {
	"$admin" stats --platform "$1" 2>&1 | sed -n "s/^$today //p"
}

# restart CONF: the server again with the JSON configuration CONF.
restart() {
	idp_stop
	printf '%s\n' "$1" > "$tmp/idprover.conf"
	export IDPROVER_CONF=$tmp/idprover.conf
	if ! { idp_render && idp_start; }; then
		bail "the server does not restart: $(tail -n 5 "$IDP_RUN/error.log")"
	fi
	base=https://localhost:$IDP_PORT/relay
}

# conf KID KEY [REQUIRED]: binding required (or REQUIRED: "no"), the
# relay bound with KID and KEY.
conf() {
	cat <<-JSON
	{ "external_account_required": "${3:-yes}",
	  "relay_eab_kid": "$1", "relay_eab_key": "$2",
	  "limit_new_accounts_addr_hour": 1000000,
	  "limit_new_accounts_addr_day": 1000000,
	  "limit_new_accounts_hour": 100000000 }
	JSON
}

# --- 0. Binding optional: the relay's account is unbound.
tn0=12025550100
start s0 $tn0
ok "$([ "$(sms_to $tn0)" = 1 ] && grep -q 'Enter the code' "$tmp/s0.b"; echo $?)" \
    "unbound: the relay sends a code with its own key" "$(alert_of s0)"
ok "$([ -s "$IDPROVER_VAR/relay/account.key" ]; echo $?)" \
    "unbound: the relay's key is relay/account.key"

out=$("$admin" platform add relay --shown "Relay" 2>&1)
kid=$(printf '%s\n' "$out" | sed -n 's/^kid //p')
key=$(printf '%s\n' "$out" | sed -n 's/^hmac-key //p')
ok "$([ -n "$kid" ] && [ ${#key} -eq 43 ]; echo $?)" \
    "platform add relay prints a kid and a 32-octet key" "$out"

# --- 1. A key that is no key, binding optional: the relay registers
# nothing rather than an unbound account.
restart "$(conf "$kid" "not-a-key" no)"
tn1=12025550110
start s1a $tn1
ok "$(alert_of s1a | grep -qF "$closed" && [ "$(sms_to $tn1)" = 0 ]; echo $?)" \
    "a malformed key: no unbound account, no SMS; the page says so" \
    "$(alert_of s1a)"
ok "$(grep -q 'flow_acme: relay_eab_kid/relay_eab_key: not a key id' \
    "$IDP_RUN/lighttpd.out"; echo $?)" "a malformed key: the relay logs it"

# A wrong key (well formed), binding required: newAccount is refused.
wrong=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
restart "$(conf "$kid" "$wrong")"
curl -sS --noproxy '*' --cacert "$IDP_TLS_CA" "$IDP_DIRECTORY_URL" \
    > "$tmp/dir.json"
ok "$(grep -q '"externalAccountRequired": *true' "$tmp/dir.json"; echo $?)" \
    "binding is required (meta.externalAccountRequired)" "$(cat "$tmp/dir.json")"
tn1=12025550111
start s1 $tn1
ok "$([ "$(cat "$tmp/s1.post")" = 303 ] && [ "$(status_of s1)" = 200 ]; echo $?)" \
    "wrong key: the form answers 303, the page 200 (no 500)" \
    "$(cat "$tmp/s1.post") $(status_of s1)"
ok "$(alert_of s1 | grep -qF "$closed"; echo $?)" \
    "wrong key: the page says numbers cannot be confirmed" "$(alert_of s1)"
ok "$([ "$(sms_to $tn1)" = 0 ]; echo $?)" "wrong key: no SMS is sent"
ok "$([ "$(today_stats relay)" = "0 0 - 0 0" ]; echo $?)" \
    "wrong key: nothing is counted for the platform" "$(today_stats relay)"
ok "$(grep -q 'flow_acme: newAccount: 403 unauthorized the externalAccountBinding MAC does not verify' \
    "$IDP_RUN/lighttpd.out"; echo $?)" \
    "wrong key: the relay logs the server's unauthorized" \
    "$(grep newAccount "$IDP_RUN/lighttpd.out" | tail -n 3)"

# --- 2. The right key: one enrolment in Chromium.
restart "$(conf "$kid" "$key")"
ok "$([ -s "$IDPROVER_VAR/relay/account.key.$kid" ] && ! cmp -s \
    "$IDPROVER_VAR/relay/account.key" "$IDPROVER_VAR/relay/account.key.$kid"
    echo $?)" "the relay's key for the platform is its own: account.key.KID"
tn2=12025550122
if [ ! -x /usr/bin/chromium ] ||
    [ ! -d "$IDP_TOP/tests/node_modules/playwright-core" ]; then
	not_ok "Chromium and playwright-core are installed" "cd tests && npm install"
else
	TAP_START=$n RELAY_TN=$tn2 RELAY_CHAIN=$tmp/chain.pem IDP_PORT=$IDP_PORT \
	    timeout 60 node "$here/relay_eab_browser.js" > "$tmp/browser.out" 2>&1
	rc=$?
	cat "$tmp/browser.out"
	n=$((n + $(grep -c '^\(not \)\?ok ' "$tmp/browser.out")))
	failed=$((failed + $(grep -c '^not ok ' "$tmp/browser.out")))
	ok $rc "browser: the enrolment exits 0"
fi
ok "$([ "$(today_stats relay)" = "1 1 100% 1 0" ]; echo $?)" \
    "stats --platform relay: 1 SMS sent, 1 proof, 1 certificate" \
    "$("$admin" stats --platform relay 2>&1)"
"$IDP_PYTHON" - "$tmp/chain.pem" "$tn2" > "$tmp/tnauth.out" 2>&1 <<'PY'
import sys
from cryptography import x509
leaf = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
ext = leaf.extensions.get_extension_for_oid(
    x509.ObjectIdentifier("1.3.6.1.5.5.7.1.26"))
tn = sys.argv[2].encode()
want = bytes([0x30, len(tn) + 4, 0xa2, len(tn) + 2, 0x16, len(tn)]) + tn
print(ext.value.value.hex(), want.hex())
sys.exit(0 if ext.value.value == want else 1)
PY
ok $? "the certificate carries the number in TNAuthList" "$(cat "$tmp/tnauth.out")"
ok "$(compgen -G "$IDPROVER_VAR/relay/issued/$tn2-*.pem" > /dev/null; echo $?)" \
    "the relay keeps the chain under the number"
show=$("$admin" platform show relay 2>&1)
ok "$(printf '%s\n' "$show" | grep -q "kid=$kid"; echo $?)" \
    "platform show relay: the relay's kid" "$show"

# --- 3. The platform disabled: the running relay's account cannot order.
"$admin" platform disable relay > "$tmp/disable.out" 2>&1
ok $? "platform disable relay" "$(cat "$tmp/disable.out")"
tn3=12025550133
start s3 $tn3
ok "$([ "$(cat "$tmp/s3.post")" = 303 ] && [ "$(status_of s3)" = 200 ]; echo $?)" \
    "disabled: the form answers 303, the page 200 (no 500)" \
    "$(cat "$tmp/s3.post") $(status_of s3)"
ok "$(alert_of s3 | grep -qF "$closed"; echo $?)" \
    "disabled: the page says numbers cannot be confirmed" "$(alert_of s3)"
# Again: the relay registers anew (its key's account, still bound), and
# the order is refused again.
tn4=12025550144
start s4 $tn4
ok "$(alert_of s4 | grep -qF "$closed"; echo $?)" \
    "disabled: again after registering anew" "$(alert_of s4)"
ok "$([ "$(sms_to $tn3)" = 0 ] && [ "$(sms_to $tn4)" = 0 ]; echo $?)" \
    "disabled: no SMS is sent"
ok "$(grep -q 'flow_refused: order: HTTP 403 unauthorized: the platform of this account (relay) is disabled' \
    "$IDP_RUN/lighttpd.out"; echo $?)" "disabled: the relay logs why"
ok "$([ "$(today_stats relay)" = "1 1 100% 1 0" ]; echo $?)" \
    "disabled: nothing more is counted" "$(today_stats relay)"
"$admin" platform enable relay > /dev/null 2>&1
tn5=12025550155
start s5 $tn5
ok "$([ "$(sms_to $tn5)" = 1 ] && grep -q 'Enter the code' "$tmp/s5.b"; echo $?)" \
    "enabled again: the relay orders and a code is sent" "$(alert_of s5)"
ok "$(today_stats relay | grep -q '^2 1 '; echo $?)" \
    "enabled again: the SMS is counted for the platform" "$(today_stats relay)"
finish
