#!/bin/sh
# idprover: run the ACME server locally behind Apache 2.4, in the
# foreground, as a private instance (its own ServerRoot, pid file, logs and
# mod_fcgid state under the run folder; the system's Apache is untouched).
#
# Usage:  scripts/run-apache.sh            start (IDPROVER_SERVER=apache make run)
#         scripts/run-apache.sh render [WHAT]
#                 print a template rendered for the environment below;
#                 WHAT is fcgid (default), cgi, proxy-fcgi, htaccess or
#                 lighttpd-cgi, or the path of a template
#
# Environment (as scripts/run.sh, plus the IDPROVER_APACHE_* ones):
#   IDPROVER_PORT        HTTPS port on 127.0.0.1 and [::1] (default 8443)
#   IDPROVER_VAR         data folder (default ./var, made absolute)
#   IDPROVER_BASE_URL    external base URL (default https://localhost:PORT/acme)
#   IDPROVER_SMS_GATEWAY where SMS go (default: the file $IDPROVER_VAR/sms.log)
#   IDPROVER_CONF        optional JSON configuration file
#   IDPROVER_TEMPLATES   templates of the relay page (default <source>/templates);
#                        IDPROVER_RELAY_URL, IDPROVER_RELAY_DIRECTORY and
#                        IDPROVER_RELAY_CAFILE are passed on when set
#   IDPROVER_MAX_PROCS   FastCGI processes per program at most (default 2)
#   IDPROVER_RUN_DIR     pid file, logs, sockets (default $IDPROVER_VAR/run-apache)
#   IDPROVER_BUILD       build output folder (default <source>/build)
#   IDPROVER_APACHE_MODE fcgid (default: mod_fcgid spawns the programs),
#                        cgi (mod_cgid, one process per request) or
#                        proxy-fcgi (mod_proxy_fcgi to spawn-fcgi sockets)
#   IDPROVER_APACHE_USER user (and group) Apache runs the programs as; as
#                        root the default is www-data, which then gets the
#                        data folder; otherwise the current user
#   IDPROVER_LOCATION_HEADER  private header the programs send Location as
#                        (default X-Idprover-Location; mod_headers renames it)
#
# On first start this creates the data folder (idprover-admin init) and a
# local TLS CA whose ca.pem the clients trust. Ctrl-C stops everything.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/tls.sh"
. "$top/scripts/common.sh"

find_apache() {
	for a in apache2 httpd /usr/sbin/apache2 /usr/sbin/httpd; do
		if command -v "$a" >/dev/null 2>&1; then
			command -v "$a"
			return 0
		fi
	done
	return 1
}

find_modules() {
	if [ -n "${IDPROVER_APACHE_MODULES:-}" ]; then
		echo "$IDPROVER_APACHE_MODULES"
		return 0
	fi
	for d in /usr/lib/apache2/modules /usr/lib64/httpd/modules \
	    /usr/lib/httpd/modules /usr/libexec/apache2 /usr/local/apache2/modules; do
		if [ -f "$d/mod_ssl.so" ]; then
			echo "$d"
			return 0
		fi
	done
	echo /usr/lib/apache2/modules
}

setup_env() {
	PORT=${IDPROVER_PORT:-8443}
	case $PORT in
	''|*[!0-9]*) die "IDPROVER_PORT must be a number: $PORT" ;;
	esac
	[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] ||
		die "IDPROVER_PORT out of range: $PORT"
	IDPROVER_VAR=$(abspath "${IDPROVER_VAR:-./var}")
	IDPROVER_BASE_URL=${IDPROVER_BASE_URL:-https://localhost:$PORT/acme}
	IDPROVER_TEMPLATES=${IDPROVER_TEMPLATES:-$top/templates}
	BUILD=${IDPROVER_BUILD:-$top/build}
	case $BUILD in
	/*) ;;
	*) BUILD=$(abspath "$BUILD") ;;
	esac
	RUN_DIR=$(abspath "${IDPROVER_RUN_DIR:-$IDPROVER_VAR/run-apache}")
	MAX_PROCS=${IDPROVER_MAX_PROCS:-2}
	case $MAX_PROCS in
	''|*[!0-9]*|0) die "IDPROVER_MAX_PROCS must be a positive number" ;;
	esac
	MODE=${IDPROVER_APACHE_MODE:-fcgid}
	LOCATION_HEADER=${IDPROVER_LOCATION_HEADER:-X-Idprover-Location}
	case $LOCATION_HEADER in
	''|*[!A-Za-z0-9-]*) die "IDPROVER_LOCATION_HEADER must be a header name" ;;
	esac
	if [ -n "${IDPROVER_APACHE_USER:-}" ]; then
		RUN_USER=$IDPROVER_APACHE_USER
	elif [ "$(id -u)" -eq 0 ]; then
		RUN_USER=www-data
	else
		RUN_USER=$(id -un)
	fi
	RUN_GROUP=$(id -gn "$RUN_USER" 2>/dev/null) ||
		die "no such user: $RUN_USER"
	MODULES_DIR=$(find_modules)
	export IDPROVER_VAR IDPROVER_BASE_URL IDPROVER_TEMPLATES
}

have_ipv6() {
	[ "${IDPROVER_IPV6:-1}" != 0 ] &&
		grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 \
		    2>/dev/null
}

# The template file of a mode (or a path given as is).
template_of() {
	case $1 in
	fcgid|cgi|proxy-fcgi) echo "$top/apache/idprover-$1.conf.in" ;;
	htaccess) echo "$top/apache/htaccess.example" ;;
	lighttpd-cgi) echo "$top/lighttpd/idprover-cgi.conf.in" ;;
	lighttpd|lighttpd-fcgi) echo "$top/lighttpd/idprover.conf.in" ;;
	*/*) echo "$1" ;;
	*) return 1 ;;
	esac
}

# Escape a value for the replacement side of a sed s|||.
sed_value() {
	printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'
}

# Print a template rendered for the current environment.
render() {
	tmpl=$(template_of "${1:-$MODE}") || die "unknown template: $1"
	[ -f "$tmpl" ] || die "missing $tmpl"
	ipv6='#'
	have_ipv6 && ipv6=''
	if_conf='#'
	conf_file=''
	if [ -n "${IDPROVER_CONF:-}" ]; then
		if_conf=''
		conf_file=$(abspath "$IDPROVER_CONF")
	fi
	if_sms='#'
	sms=${IDPROVER_SMS_GATEWAY:-}
	[ -n "$sms" ] && if_sms=''
	# Optional settings: "@IF_X@" is "" when the variable is set, else "#".
	opt=''
	for x in TEMPLATES RELAY_URL RELAY_DIRECTORY RELAY_CAFILE; do
		eval "v=\${IDPROVER_$x:-}"
		if [ -n "$v" ]; then
			opt="$opt -e s|@IF_$x@||g"
		else
			opt="$opt -e s|@IF_$x@|#|g"
		fi
		opt="$opt -e s|@IDPROVER_$x@|$(sed_value "$v")|g"
	done
	# URL path of the base URL, with a trailing slash (.htaccess).
	base_path=$(printf '%s' "$IDPROVER_BASE_URL" |
	    sed -e 's|^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*||' -e 's|/*$||')/
	handler=${IDPROVER_HTACCESS_HANDLER:-fcgid-script}
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
	mkdir -p "$RUN_DIR"
	out=$RUN_DIR/.render.$$
	# shellcheck disable=SC2086
	sed -e "s|@PORT@|$PORT|g" \
	    -e "s|@IPV6@|$ipv6|g" \
	    -e "s|@RUN_DIR@|$(sed_value "$RUN_DIR")|g" \
	    -e "s|@WWW_DIR@|$(sed_value "$RUN_DIR/www")|g" \
	    -e "s|@TLS_DIR@|$(sed_value "$IDPROVER_VAR/tls")|g" \
	    -e "s|@CGI_DIR@|$(sed_value "$BUILD/cgi-bin")|g" \
	    -e "s|@MAX_PROCS@|$MAX_PROCS|g" \
	    -e "s|@IDPROVER_VAR@|$(sed_value "$IDPROVER_VAR")|g" \
	    -e "s|@IDPROVER_BASE_URL@|$(sed_value "$IDPROVER_BASE_URL")|g" \
	    -e "s|@IF_CONF@|$if_conf|g" \
	    -e "s|@IDPROVER_CONF@|$(sed_value "$conf_file")|g" \
	    -e "s|@IF_SMS@|$if_sms|g" \
	    -e "s|@IDPROVER_SMS_GATEWAY@|$(sed_value "$sms")|g" \
	    -e "s|@LOCATION_HEADER@|$LOCATION_HEADER|g" \
	    -e "s|@MODULES_DIR@|$(sed_value "$MODULES_DIR")|g" \
	    -e "s|@USER@|$RUN_USER|g" \
	    -e "s|@GROUP@|$RUN_GROUP|g" \
	    -e "s|@HTACCESS_BASE@|$(sed_value "$base_path")|g" \
	    -e "s|@HANDLER@|$handler|g" \
	    $opt $progs "$tmpl" > "$out"
	if grep -n '@[A-Za-z_-]*@' "$out" >&2; then
		rm -f "$out"
		die "unrendered placeholders in $tmpl"
	fi
	cat "$out"
	rm -f "$out"
}

SPID=
KIDS=
stop() {
	trap - INT TERM EXIT
	stop_server 100
	stop_spawned
	echo "idprover: stopped"
}

# proxy-fcgi: the programs run under spawn-fcgi, one pid file each
# (several pids in it with -F > 1).
SPAWNED=
start_spawned() {
	command -v spawn-fcgi >/dev/null 2>&1 || die "spawn-fcgi not installed"
	for prog in "$BUILD"/cgi-bin/*; do
		[ -f "$prog" ] && [ -x "$prog" ] || continue
		name=$(basename "$prog")
		sock=$RUN_DIR/$name.sock
		pidf=$RUN_DIR/$name.spawn.pid
		rm -f "$sock" "$pidf"
		if [ "$(id -u)" -eq 0 ]; then
			set -- -u "$RUN_USER" -g "$RUN_GROUP" -U "$RUN_USER" \
			    -G "$RUN_GROUP" -M 0660
		else
			set -- -M 0600
		fi
		IDPROVER_LOCATION_HEADER=$LOCATION_HEADER \
		    spawn-fcgi -s "$sock" "$@" -F "$MAX_PROCS" -P "$pidf" \
		    -- "$prog" > /dev/null || die "spawn-fcgi $name failed"
		SPAWNED="$SPAWNED $pidf"
	done
}

stop_spawned() {
	for pidf in $SPAWNED; do
		[ -f "$pidf" ] || continue
		for pid in $(cat "$pidf"); do
			kill -TERM "$pid" 2>/dev/null || true
		done
		rm -f "$pidf"
	done
	SPAWNED=
}

# As root, Apache runs the programs as $RUN_USER: hand it the data folder
# and check that it reaches the programs.
grant_access() {
	[ "$(id -u)" -eq 0 ] && [ "$RUN_USER" != root ] || return 0
	chown -R "$RUN_USER:$RUN_GROUP" "$IDPROVER_VAR" ||
		die "cannot hand $IDPROVER_VAR to $RUN_USER"
	chown "$RUN_USER:$RUN_GROUP" "$RUN_DIR/fcgid"
	case ${IDPROVER_SMS_GATEWAY:-} in
	file://*)
		f=${IDPROVER_SMS_GATEWAY#file://}
		mkdir -p "$(dirname "$f")"
		touch "$f"
		chown "$RUN_USER:$RUN_GROUP" "$f"
		;;
	esac
	if command -v runuser >/dev/null 2>&1; then
		runuser -u "$RUN_USER" -- test -x "$BUILD/cgi-bin/directory" ||
			die "$RUN_USER cannot reach $BUILD/cgi-bin (every folder" \
			    "above it needs o+x; set IDPROVER_BUILD)"
		runuser -u "$RUN_USER" -- test -w "$IDPROVER_VAR/db" ||
			die "$RUN_USER cannot reach $IDPROVER_VAR/db (every" \
			    "folder above it needs o+x; set IDPROVER_VAR)"
	fi
}

start() {
	apache=$(find_apache) || die "apache2 not installed"
	case $MODE in
	fcgid) need=mod_fcgid.so ;;
	cgi) need=mod_cgid.so ;;
	proxy-fcgi) need=mod_proxy_fcgi.so ;;
	*) die "IDPROVER_APACHE_MODE must be fcgid, cgi or proxy-fcgi" ;;
	esac
	for m in $need mod_headers.so mod_ssl.so; do
		[ -f "$MODULES_DIR/$m" ] ||
			die "$MODULES_DIR/$m missing (libapache2-mod-fcgid?)"
	done
	check_build
	first_start

	mkdir -p "$RUN_DIR/www" "$RUN_DIR/fcgid"
	chmod 755 "$RUN_DIR" "$RUN_DIR/www"
	if [ -s "$RUN_DIR/apache.pid" ] &&
	    kill -0 "$(cat "$RUN_DIR/apache.pid")" 2>/dev/null; then
		die "already running (pid $(cat "$RUN_DIR/apache.pid"))"
	fi
	rm -f "$RUN_DIR"/*.sock "$RUN_DIR/apache.pid"
	grant_access
	conf=$RUN_DIR/apache-$MODE.conf
	render "$MODE" > "$conf"
	"$apache" -t -f "$conf" > "$RUN_DIR/config-test.log" 2>&1 || {
		cat "$RUN_DIR/config-test.log" >&2
		die "apache rejects $conf"
	}

	trap 'stop; exit 130' INT
	trap 'stop; exit 143' TERM
	trap 'stop' EXIT
	[ "$MODE" = proxy-fcgi ] && start_spawned
	"$apache" -f "$conf" -DFOREGROUND &
	SPID=$!

	wait_ready apache
	serve_until_stopped "apache pid $SPID, $MODE, programs as $RUN_USER"
}

setup_env
case ${1:-start} in
render)
	render "${2:-$MODE}"
	;;
start|run)
	start
	;;
*)
	echo "usage: $0 [start|render [fcgid|cgi|proxy-fcgi|htaccess|lighttpd-cgi]]" >&2
	exit 2
	;;
esac
