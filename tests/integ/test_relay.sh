#!/bin/bash
# The relay page (/relay) against the harness's server: headers and
# hostile requests with curl, then the whole enrolment in Chromium
# (relay_browser.js). Prints one TAP line per check; exits non-zero if any
# check fails. Needs the environment of tests/integ/lib.sh (IDP_PORT,
# IDP_TLS_CA, IDP_SMS_LOG, IDP_TOP) and, for the browser part,
# /usr/bin/chromium and playwright-core in tests/node_modules.
set -u

top=${IDP_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# The harness's functions (idp_stop, idp_start) and TAP helpers.
. "$top/tests/integ/lib.sh"
base=https://localhost:$IDP_PORT/relay
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_relay.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else not_ok "$name" "failed: $*"; fi
}

# req NAME [curl args]: headers in $tmp/NAME.h, body in $tmp/NAME.b; the
# cookie jar $tmp/jar is read and written.
req() {
	local name=$1
	shift
	curl -sS --noproxy '*' --cacert "$IDP_TLS_CA" -b "$tmp/jar" \
	    -c "$tmp/jar" -D "$tmp/$name.h" -o "$tmp/$name.b" "$@"
}

status_is() { head -n 1 "$tmp/$1.h" | grep -q "^HTTP/[0-9.]* $2\b"; }
header_has() { grep -qi "^$2:.*$3" "$tmp/$1.h"; }
body_has() { grep -qF -- "$2" "$tmp/$1.b"; }
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$tmp/$1.b" | head -n 1 |
    sed 's/.*value="//; s/"$//'; }

# --- The page and its headers.
if ! req page "$base"; then
	echo "Bail out! no answer from $base"
	exit 1
fi
if ! status_is page 200; then
	not_ok "GET /relay answers 200" "$(head -n 1 "$tmp/page.h"); is" \
	    "build/cgi-bin/relay built and IDPROVER_TEMPLATES set?"
	exit 1
fi
pass "GET /relay answers 200"
check "the page is HTML" header_has page content-type 'text/html; charset=utf-8'
check "Content-Security-Policy default-src 'self'" \
    header_has page content-security-policy "default-src 'self'"
check "X-Frame-Options DENY" header_has page x-frame-options DENY
check "Cache-Control no-store" header_has page cache-control no-store
check "Strict-Transport-Security" header_has page strict-transport-security \
    'max-age=[0-9]'
check "the session cookie is HttpOnly" header_has page set-cookie \
    '__Host-idp_relay=.*HttpOnly'
check "the session cookie is Secure" header_has page set-cookie \
    '__Host-idp_relay=.*Secure'
check "the session cookie is SameSite=Strict" header_has page set-cookie \
    '__Host-idp_relay=.*SameSite=Strict'
check "the session cookie is __Host-: Path=/, no Domain" sh -c \
    "grep -qi '^set-cookie: __Host-idp_relay=.*Path=/;' '$tmp/page.h' &&
    ! grep -qi '^set-cookie:.*domain=' '$tmp/page.h'"
check "no Replay-Nonce and no Link on a page" sh -c \
    "! grep -qi '^replay-nonce:\|^link:' '$tmp/page.h'"
check "no inline script on the page" sh -c "! grep -qi '<script' \
    '$tmp/page.b'"
check "the number form carries a CSRF token" \
    test "$(csrf_of page | wc -c)" -eq 44
csrf=$(csrf_of page)

req css "$base/relay.css"
check "GET /relay/relay.css is a stylesheet" header_has css content-type \
    text/css

# --- Requests the relay refuses.
req ctype -X POST -H 'Content-Type: text/plain' --data-binary \
    "csrf=$csrf&action=restart" "$base"
check "POST as text/plain: 415" status_is ctype 415
head -c 5000 /dev/zero | tr '\0' 'a' > "$tmp/big"
req big -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary @"$tmp/big" "$base"
check "POST over 4096 octets: 413" status_is big 413
req method -X DELETE "$base"
check "DELETE: 405 with Allow" sh -c "grep -q '^HTTP/[0-9.]* 405' \
    '$tmp/method.h' && grep -qi '^allow: GET, HEAD, POST' '$tmp/method.h'"
req nosuch "$base/nosuch"
check "an unknown path: 404" status_is nosuch 404
req nochain "$base/chain.pem"
check "no chain before a certificate: 404" status_is nochain 404

# A wrong CSRF token does nothing and says the page expired.
req badcsrf --data "csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&action=start&tn=12025550199" \
    "$base"
check "a wrong CSRF token: 303" status_is badcsrf 303
req after "$base"
check "a wrong CSRF token: the user is told, nothing sent" sh -c \
    "grep -q 'This page had expired' '$tmp/after.b' &&
    ! grep -q '12025550199' '${IDP_SMS_LOG:-/dev/null}' 2>/dev/null"
req xsite -H 'Sec-Fetch-Site: cross-site' --data \
    "csrf=$csrf&action=start&tn=12025550199" "$base"
req after "$base"
check "a cross-site post is refused" sh -c "grep -q 'This page had expired' \
    '$tmp/after.b' && ! grep -q '12025550199' '${IDP_SMS_LOG:-/dev/null}' \
    2>/dev/null"
req unknown --data "csrf=$csrf&action=start&tn=1&debug=1" "$base"
req after "$base"
check "an unknown form key is refused in words" body_has after \
    'The form could not be read'
req dup --data "csrf=$csrf&action=start&tn=1&tn=2" "$base"
req after "$base"
check "a duplicate form key is refused in words" body_has after \
    'The form could not be read'
req esc --data "csrf=$csrf&action=start&tn=%2" "$base"
req after "$base"
check "a bad percent escape is refused in words" body_has after \
    'The form could not be read'
curl -sS --noproxy '*' --cacert "$IDP_TLS_CA" -D "$tmp/nocookie.h" \
    -o /dev/null --data "csrf=$csrf&action=start&tn=12025550199" "$base"
check "a post without a session starts one and does nothing" sh -c \
    "grep -q '^HTTP/[0-9.]* 303' '$tmp/nocookie.h' &&
    grep -qi '^set-cookie: __Host-idp_relay=' '$tmp/nocookie.h'"
req code --data "csrf=$csrf&action=code&code=123456" "$base"
req after "$base"
check "a code before a number is refused in words" body_has after \
    'There is no code to check'

# --- Limits, in words. The server sends at most 5 SMS per number and
# hour (PROTOCOL.md 11): the sixth start is refused with rateLimited.
# These use 8 of the 10 codes a client may ask for in an hour; the
# browser below uses the ninth.
rm -f "$tmp/jar"
req page "$base"
csrf=$(csrf_of page)
for i in 1 2 3 4 5 6; do
	req start$i --data "csrf=$csrf&action=start&tn=12025550188" "$base"
done
req after "$base"
check "rateLimited: Too many codes were sent to this number, in minutes" \
    grep -q 'Too many codes were sent to this number\. Try again in [0-9]* minutes\?\.' \
    "$tmp/after.b"
req n2 --data "csrf=$csrf&action=start&tn=12025550177" "$base"
req n3 --data "csrf=$csrf&action=start&tn=12025550166" "$base"
req n4 --data "csrf=$csrf&action=start&tn=12025550155" "$base"
req after "$base"
check "a fourth number in one session is refused in words" body_has after \
    'You have already tried three different numbers'
check "... and no SMS goes to it" sh -c "! grep -q 12025550155 \
    '${IDP_SMS_LOG:-/dev/null}'"

# --- The browser.
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1; then
	not_ok "Chromium and node are installed"
	exit 1
fi
if [ ! -d "$top/tests/node_modules/playwright-core" ]; then
	not_ok "playwright-core is installed" "run: cd tests && npm install"
	exit 1
fi
mkdir -p "$top/tests/artifacts" "$top/docs"
# RELAY_DOCS=1 also refreshes docs/relay-result.png (see relay_browser.js).
TAP_START=$n node "$top/tests/integ/relay_browser.js" > "$tmp/browser.out" \
    2>&1
rc=$?
cat "$tmp/browser.out"
n=$((n + $(grep -c '^\(not \)\?ok ' "$tmp/browser.out")))
failed=$((failed + $(grep -c '^not ok ' "$tmp/browser.out")))
if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$tmp/browser.out"; then
	not_ok "the browser test ran to its end" "exit status $rc"
fi

# --- Behind a proxy (trusted_proxies): the server again, trusting
# loopback to name the client in X-Forwarded-For.
idp_stop
cat > "$IDP_ROOT/proxy.conf" <<'JSON'
{ "trusted_proxies": [ "127.0.0.0/8", "::1" ],
  "proxy_header": "X-Forwarded-For" }
JSON
export IDPROVER_CONF=$IDP_ROOT/proxy.conf
if ! { idp_render && idp_start; }; then
	not_ok "the server starts trusting loopback as a proxy"
	echo "1..$n"
	exit 1
fi
trap 'idp_stop; rm -rf "$tmp"' EXIT
base=https://localhost:$IDP_PORT/relay

# code_of TN: the code of the last SMS to TN.
code_of() {
	"$IDP_PYTHON" - "$IDP_SMS_LOG" "$1" <<'PY'
import json, re, sys
m = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = [x for x in m if x["to"] == sys.argv[2]]
print(re.findall(r"(?<!\d)\d{6}(?!\d)", m[-1]["text"])[0] if m else "")
PY
}

# visit WHO NAME [curl args]: req with WHO's own jar and address.
visit() {
	local who=$1 name=$2
	shift 2
	curl -sS --noproxy '*' --cacert "$IDP_TLS_CA" -b "$tmp/jar.$who" \
	    -c "$tmp/jar.$who" -H "X-Forwarded-For: 10.0.0.1, $who" \
	    -D "$tmp/$name.h" -o "$tmp/$name.b" "$@"
}

# Without X-Forwarded-For the proxy itself is the client: its codes run
# out (at most 10 an hour) ...
limited=0
for i in 1 2 3 4 5 6 7 8 9 10 11; do
	rm -f "$tmp/jar"
	req "p2-$i" "$base"
	csrf=$(csrf_of "p2-$i")
	req "p3-$i" --data "csrf=$csrf&action=start&tn=120255502$((10 + i))" \
	    "$base"
	req "p4-$i" "$base"
	if body_has "p4-$i" 'Too many codes were asked for from your network'
	then
		limited=1
		break
	fi
done
check "without X-Forwarded-For the proxy is the client, and is limited" \
    test $limited -eq 1

# Two sessions for one number, their codes entered at the same moment:
# both certificates are issued, and both keys and chains are kept.
tn=12025550144
for who in 203.0.113.51 203.0.113.52; do
	visit $who "a$who" "$base"
	c=$(csrf_of "a$who")
	echo "$c" > "$tmp/csrf.$who"
	visit $who "s$who" --data "csrf=$c&action=start&tn=$tn" "$base"
	visit $who "g$who" "$base"
	echo "$(code_of $tn)" > "$tmp/code.$who"
done
check "... while visitors behind it count for themselves" \
    sh -c "grep -q 'Enter the code' '$tmp/g203.0.113.51.b' &&
    grep -q 'Enter the code' '$tmp/g203.0.113.52.b'"
check "two codes went to the number" test "$(cat "$tmp/code.203.0.113.51")" \
    != "$(cat "$tmp/code.203.0.113.52")"
before_pem=$(ls "$IDPROVER_VAR/relay/issued/$tn"-*.pem 2>/dev/null | wc -l)
pids=
for who in 203.0.113.51 203.0.113.52; do
	visit $who "c$who" --data "csrf=$(cat "$tmp/csrf.$who")&action=code&code=$(cat "$tmp/code.$who")" "$base" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
for who in 203.0.113.51 203.0.113.52; do
	visit $who "r$who" "$base"
done
check "both racing sessions get their certificate" sh -c \
    "grep -q 'Your number is confirmed' '$tmp/r203.0.113.51.b' &&
    grep -q 'Your number is confirmed' '$tmp/r203.0.113.52.b'"
check "both keys and both chains are kept, each under its own name" sh -c \
    "[ \$(ls '$IDPROVER_VAR/relay/issued/' | grep -c '^$tn-.*\\.pem\$') -eq \
    $((before_pem + 2)) ] && [ \$(ls '$IDPROVER_VAR/relay/issued/' |
    grep -c '^$tn-.*\\.key\$') -eq $((before_pem + 2)) ]"
check "... and the two chains differ" sh -c "! cmp -s \
    \$(ls '$IDPROVER_VAR/relay/issued/'$tn-*.pem | head -n 1) \
    \$(ls '$IDPROVER_VAR/relay/issued/'$tn-*.pem | tail -n 1)"
finish
