#!/bin/bash
# `make install DESTDIR=... PREFIX=/usr/local` into a temp folder: the
# layout (programs, tools, templates, web server configs, man pages), and
# the installed programs work on their own: idprover-admin init makes a
# data folder, and the installed directory, new-nonce and new-account
# programs answer as plain CGI from outside the source tree.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"


root=${IDP_ROOT:-}
if [ -z "$root" ]; then
	mkdir -p "$IDP_TOP/tests/tmp"
	root=$(mktemp -d "$IDP_TOP/tests/tmp/install.XXXX")
fi
stage=$root/stage
prefix=/usr/local
dest=$stage$prefix
rm -rf "$stage"

make -s -C "$IDP_TOP" install DESTDIR="$stage" PREFIX="$prefix" \
    BUILD="$IDP_BUILD" > "$root/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=$prefix" "$(tail -n 20 "$root/install.log")"

# ---------------------------------------------------------------- layout
missing=""
for p in directory new-nonce new-account account key-change new-order \
    order finalize authz challenge cert revoke-cert crl; do
	[ -x "$IDP_BUILD/cgi-bin/$p" ] || continue
	[ -f "$dest/libexec/idprover/cgi-bin/$p" ] &&
	    [ -x "$dest/libexec/idprover/cgi-bin/$p" ] || missing="$missing $p"
done
ok "$([ -z "$missing" ]; echo $?)" \
    "programs in PREFIX/libexec/idprover/cgi-bin, executable" "missing:$missing"
ok "$([ -x "$dest/bin/idprover-admin" ]; echo $?)" \
    "idprover-admin in PREFIX/bin"
extra=$(find "$dest/bin" "$dest/libexec/idprover/cgi-bin" -type f \
    ! -perm 755 2>/dev/null)
ok "$([ -z "$extra" ]; echo $?)" "programs and tools are mode 0755" "$extra"
ok "$([ -d "$dest/share/idprover/templates" ] &&
    diff -r "$IDP_TOP/templates" "$dest/share/idprover/templates" \
    > /dev/null 2>&1; echo $?)" \
    "templates in PREFIX/share/idprover/templates" \
    "$(diff -r "$IDP_TOP/templates" "$dest/share/idprover/templates" 2>&1 | head)"
missing=""
for f in apache/idprover-fcgid.conf.in apache/idprover-cgi.conf.in \
    apache/idprover-proxy-fcgi.conf.in apache/htaccess.example \
    lighttpd/idprover.conf.in lighttpd/idprover-cgi.conf.in; do
	[ -f "$IDP_TOP/$f" ] || continue
	cmp -s "$IDP_TOP/$f" "$dest/share/idprover/$f" || missing="$missing $f"
done
ok "$([ -z "$missing" ]; echo $?)" \
    "web server configs in PREFIX/share/idprover/{apache,lighttpd}" \
    "missing or different:$missing"
missing=""
for f in "$IDP_TOP"/man/*.[1-9]; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	[ -f "$dest/share/man/man${b##*.}/$b" ] || missing="$missing $b"
done
ok "$([ -z "$missing" ] && [ -f "$dest/share/man/man8/idprover-admin.8" ] &&
    [ -f "$dest/share/man/man5/idprover.conf.5" ]; echo $?)" \
    "man pages in PREFIX/share/man/manN" "missing:$missing"
other=$(cd "$stage" && find . -type f | grep -v \
    -e '^\./usr/local/libexec/idprover/cgi-bin/' -e '^\./usr/local/bin/' \
    -e '^\./usr/local/share/idprover/' -e '^\./usr/local/share/man/man[1-9]/')
ok "$([ -z "$other" ]; echo $?)" "nothing installed elsewhere" "$other"

# ------------------------------------------------------- installed, used
# Run from / with nothing of the source tree in the environment.
var=$root/installed-var
clean_env=(env -i PATH=/usr/bin:/bin HOME=/nonexistent
    IDPROVER_VAR="$var" IDPROVER_BASE_URL=https://idp.example/acme)
(cd / && "${clean_env[@]}" "$dest/bin/idprover-admin" init) \
    > "$root/init.log" 2>&1
ok $? "installed idprover-admin init makes a data folder" \
    "$(cat "$root/init.log")"
(cd / && "${clean_env[@]}" "$dest/bin/idprover-admin" check-config) \
    > "$root/check.log" 2>&1
ok $? "installed idprover-admin check-config" "$(cat "$root/check.log")"

cgi() {	# program method uri [content-type] < body
	local prog=$1 method=$2 uri=$3 ctype=${4:-}
	(cd / && "${clean_env[@]}" GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 SERVER_NAME=idp.example SERVER_PORT=443 \
	    HTTPS=on REQUEST_METHOD="$method" REQUEST_URI="$uri" \
	    SCRIPT_NAME="$uri" ${ctype:+CONTENT_TYPE=$ctype} \
	    ${ctype:+CONTENT_LENGTH=2} \
	    "$dest/libexec/idprover/cgi-bin/$prog")
}

out=$(cgi directory GET /acme/directory < /dev/null 2> "$root/cgi.err")
rc=$?
body=$(printf '%s' "$out" | sed '1,/^\r\{0,1\}$/d')
ok "$([ $rc -eq 0 ] && printf '%s' "$out" | head -n 1 |
    grep -qi '^\(Status: 200\|Content-Type: application/json\)' &&
    printf '%s' "$body" | "$IDP_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert d["newNonce"] == "https://idp.example/acme/new-nonce", d
assert d["newAccount"] == "https://idp.example/acme/new-account", d
'; echo $?)" \
    "installed directory answers as CGI with the base URL's resources" \
    "$out
$(cat "$root/cgi.err")"
out=$(cgi new-nonce HEAD /acme/new-nonce < /dev/null 2>> "$root/cgi.err")
ok "$(printf '%s' "$out" | grep -qi '^Replay-Nonce: [A-Za-z0-9_-]\{16,\}'; echo $?)" \
    "installed new-nonce answers HEAD with a Replay-Nonce" \
    "$out
$(cat "$root/cgi.err")"
out=$(printf '{}' | cgi new-account POST /acme/new-account text/plain \
    2>> "$root/cgi.err")
ok "$(printf '%s' "$out" | grep -qi '^Status: 415' &&
    printf '%s' "$out" | grep -q 'application/problem+json'; echo $?)" \
    "installed new-account answers a wrong Content-Type with a 415 problem" \
    "$out
$(cat "$root/cgi.err")"

[ -n "${IDP_ROOT:-}" ] || rm -rf "$root"
echo "1..$n"
[ $failed -eq 0 ]
