#!/bin/bash
# idprover under Apache 2.4 with mod_fcgid, as on shared hosting: its own
# private Apache (not the harness's lighttpd, which this test leaves
# alone) runs the whole python3-acme enrollment (test_enroll.py), and
# "200 + Location" (newAccount for a known key, finalize) reaches the
# client as such, not as Apache's 302. Then the same Location checks for
# the .htaccess-only deployment (apache/htaccess.example) and for
# mod_proxy_fcgi in front of spawn-fcgi.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/apache.sh"

trap 'idp_apache_stop' EXIT
trap 'idp_apache_stop; exit 130' INT TERM

# One server of a mode: set up, start, checks, stop.
with_server() {	# mode label checks...
	local mode=$1 label=$2 c
	shift 2
	if ! idp_apache_setup "$mode" || ! idp_apache_start; then
		idpa_ok 1 "$label: the server starts and serves the directory" \
		    "$(tail -n 20 "${IDPA_RUN:-/nonexistent}/error.log" 2>/dev/null)"
		idp_apache_stop
		return
	fi
	idpa_ok 0 "$label: the server starts and serves the directory"
	for c in "$@"; do
		"$c" "$label"
	done
	idpa_programs_user "$label"
	idp_apache_stop
}

# spawn-fcgi pid files end without a newline: read each on its own.
idpa_spawned_pids() {
	local f
	for f in "$IDPA_RUN"/*.spawn.pid; do
		[ -f "$f" ] && { cat "$f"; echo; }
	done
}

# The programs run as the Apache user (www-data when started as root).
idpa_programs_user() {	# label
	local users
	users=$(for p in $(idpa_descendants "$IDPA_PID") $(idpa_spawned_pids); do
		tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null |
		    grep -q 'cgi-bin/\|\.fcgi' && ps -o user= -p "$p"
	done | sort -u | tr '\n' ' ')
	[ "$users" = "$IDPA_USER " ]
	idpa_ok $? "$1: the programs run as $IDPA_USER" "users: $users"
}

# A URL with %00: Apache refuses it (404) before any program; its error
# document, the directory program, answers with a problem document and a
# Replay-Nonce, whatever the method.
idpa_nul_path_check() {	# label
	local p m out
	for p in /acme/order/%00abc /acme/acct/%00 /acme/directory%00; do
		for m in GET POST; do
			out=$(curl -sS -D - -o - --noproxy '*' --max-time 10 \
			    --cacert "$IDPA_TLS_CA" -X "$m" \
			    -H 'Content-Type: application/jose+json' \
			    $([ "$m" = POST ] && echo "--data {}") \
			    "https://localhost:$IDPA_PORT$p" 2>&1 | tr -d '\r')
			printf '%s\n' "$out" | grep -q '^HTTP/[0-9.]* 404' &&
			    printf '%s\n' "$out" |
			    grep -qi '^content-type: application/problem+json' &&
			    printf '%s\n' "$out" | grep -qi '^replay-nonce: ' &&
			    printf '%s\n' "$out" | grep -q '"status":404'
			idpa_ok $? "$1: $m $p: a 404 problem document with a nonce" \
			    "$(printf '%s\n' "$out" | head -12)"
		done
	done
}

with_server fcgid "mod_fcgid" idpa_location_checks idpa_nul_path_check idpa_relay_check idpa_enroll
with_server htaccess-fcgid ".htaccess, mod_fcgid" idpa_location_checks
command -v spawn-fcgi >/dev/null 2>&1 &&
	with_server proxy-fcgi "mod_proxy_fcgi" idpa_location_checks idpa_nul_path_check idpa_relay_check

idpa_done
