#!/bin/sh
# idprover: run the ACME server locally behind lighttpd, in the foreground.
#
# Usage:  scripts/run.sh           start (what `make run` calls after building)
#         scripts/run.sh render    print lighttpd/idprover.conf.in rendered
#                                  for the environment below (the tests use it)
#
# Environment:
#   IDPROVER_PORT        HTTPS port on 127.0.0.1 and [::1] (default 8443)
#   IDPROVER_VAR         data folder (default ./var, made absolute)
#   IDPROVER_BASE_URL    external base URL (default https://localhost:PORT/acme)
#   IDPROVER_SMS_GATEWAY where SMS go (default: the file $IDPROVER_VAR/sms.log)
#   IDPROVER_CONF        optional JSON configuration file
#   IDPROVER_MAX_PROCS   FastCGI processes per program (default 1)
#   IDPROVER_COMMIT_PROCS  the same for new-account, new-order, challenge
#                        and finalize, whose answers wait for a durable
#                        commit (default 2, or IDPROVER_MAX_PROCS if more)
#   IDPROVER_RUN_DIR     pid file, sockets, logs (default $IDPROVER_VAR/run)
#   IDPROVER_BUILD       build output folder (default <source>/build)
#
# On first start this creates the data folder (idprover-admin init) and a
# local TLS CA whose ca.pem the clients trust. Ctrl-C stops the server.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

# IDPROVER_SERVER=apache runs the same service under Apache (mod_fcgid).
case ${1:-start} in
start|run)
	case ${IDPROVER_SERVER:-lighttpd} in
	apache) exec sh "$top/scripts/run-apache.sh" "$@" ;;
	lighttpd) ;;
	*) echo "idprover: IDPROVER_SERVER must be lighttpd or apache" >&2
	   exit 2 ;;
	esac ;;
esac
. "$top/scripts/tls.sh"
. "$top/scripts/common.sh"

setup_env() {
	PORT=${IDPROVER_PORT:-8443}
	case $PORT in
	''|*[!0-9]*) die "IDPROVER_PORT must be a number: $PORT" ;;
	esac
	[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] ||
		die "IDPROVER_PORT out of range: $PORT"
	IDPROVER_VAR=$(abspath "${IDPROVER_VAR:-./var}")
	IDPROVER_BASE_URL=${IDPROVER_BASE_URL:-https://localhost:$PORT/acme}
	BUILD=${IDPROVER_BUILD:-$top/build}
	RUN_DIR=$(abspath "${IDPROVER_RUN_DIR:-$IDPROVER_VAR/run}")
	MAX_PROCS=${IDPROVER_MAX_PROCS:-1}
	case $MAX_PROCS in
	''|*[!0-9]*|0) die "IDPROVER_MAX_PROCS must be a positive number" ;;
	esac
	COMMIT_PROCS=${IDPROVER_COMMIT_PROCS:-$((MAX_PROCS > 2 ? MAX_PROCS : 2))}
	case $COMMIT_PROCS in
	''|*[!0-9]*|0) die "IDPROVER_COMMIT_PROCS must be a positive number" ;;
	esac
	IDPROVER_TEMPLATES=${IDPROVER_TEMPLATES:-$top/templates}
	export IDPROVER_VAR IDPROVER_BASE_URL IDPROVER_TEMPLATES
}

have_ipv6() {
	[ "${IDPROVER_IPV6:-1}" != 0 ] &&
		grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 \
		    2>/dev/null
}

# Print the lighttpd configuration for the current environment.
render() {
	tmpl=$top/lighttpd/idprover.conf.in
	[ -f "$tmpl" ] || die "missing $tmpl"
	ipv6='#'
	have_ipv6 && ipv6=''
	progs=''
	for p in $(grep -o '@P_[a-z0-9-]*@' "$tmpl" | sort -u); do
		name=${p#@P_}
		name=${name%@}
		if [ -x "$BUILD/cgi-bin/$name" ]; then
			progs="$progs -e s|@P_$name@||"
		else
			progs="$progs -e s|@P_$name@|#|"
		fi
	done
	# shellcheck disable=SC2086
	sed -e "s|@PORT@|$PORT|g" \
	    -e "s|@IPV6@|$ipv6|g" \
	    -e "s|@RUN_DIR@|$RUN_DIR|g" \
	    -e "s|@WWW_DIR@|$RUN_DIR/www|g" \
	    -e "s|@TLS_DIR@|$IDPROVER_VAR/tls|g" \
	    -e "s|@CGI_DIR@|$BUILD/cgi-bin|g" \
	    -e "s|@MAX_PROCS@|$MAX_PROCS|g" \
	    -e "s|@COMMIT_PROCS@|$COMMIT_PROCS|g" \
	    -e "s|@IDPROVER_VAR@|$IDPROVER_VAR|g" \
	    -e "s|@IDPROVER_BASE_URL@|$IDPROVER_BASE_URL|g" \
	    $progs "$tmpl" > "$RUN_DIR/.render.$$"
	if grep -n '@[A-Za-z_-]*@' "$RUN_DIR/.render.$$" >&2; then
		rm -f "$RUN_DIR/.render.$$"
		die "unrendered placeholders in $tmpl"
	fi
	cat "$RUN_DIR/.render.$$"
	rm -f "$RUN_DIR/.render.$$"
}

SPID=
KIDS=
stop() {
	trap - INT TERM EXIT
	stop_server 50
	echo "idprover: stopped"
}

start() {
	command -v lighttpd >/dev/null 2>&1 || die "lighttpd not installed"
	check_build
	first_start

	mkdir -p "$RUN_DIR/www"
	if [ -s "$RUN_DIR/lighttpd.pid" ] &&
	    kill -0 "$(cat "$RUN_DIR/lighttpd.pid")" 2>/dev/null; then
		die "already running (pid $(cat "$RUN_DIR/lighttpd.pid"))"
	fi
	rm -f "$RUN_DIR"/*.sock "$RUN_DIR"/*.sock-*
	conf=$RUN_DIR/lighttpd.conf
	render > "$conf"
	lighttpd -tt -f "$conf" || die "lighttpd rejects $conf"

	trap 'stop; exit 130' INT
	trap 'stop; exit 143' TERM
	trap 'stop' EXIT
	lighttpd -D -f "$conf" &
	SPID=$!
	wait_ready lighttpd
	serve_until_stopped "lighttpd pid $SPID"
}

setup_env
case ${1:-start} in
render)
	mkdir -p "$RUN_DIR"
	render
	;;
start|run)
	start
	;;
*)
	echo "usage: $0 [start|render]" >&2
	exit 2
	;;
esac
