#!/bin/bash
# idprover as plain CGI, for hosts without FastCGI: a private Apache with
# mod_cgid (not the harness's lighttpd, which this test leaves alone) runs
# the whole python3-acme enrollment (test_enroll.py), and "200 + Location"
# reaches the client as such, not as Apache's 302. Then lighttpd's CGI
# configuration (lighttpd/idprover-cgi.conf.in) passes the same Location
# checks.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/apache.sh"

trap 'idp_apache_stop' EXIT
trap 'idp_apache_stop; exit 130' INT TERM

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
	idp_apache_stop
}

with_server cgi "Apache CGI" idpa_location_checks idpa_relay_check idpa_enroll
with_server htaccess-cgi ".htaccess, CGI" idpa_location_checks
with_server lighttpd-cgi "lighttpd CGI" idpa_location_checks idpa_relay_check

idpa_done
