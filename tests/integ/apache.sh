# idprover integration tests: a private web server other than the harness's
# FastCGI lighttpd (bash; source it after lib.sh).
#
#   idp_apache_setup MODE   own temp root, free port, data folder (init),
#                           TLS certificate, rendered config. MODE:
#                             fcgid       Apache + mod_fcgid
#                             cgi         Apache + mod_cgid (plain CGI)
#                             proxy-fcgi  Apache + mod_proxy_fcgi, programs
#                                         under spawn-fcgi
#                             htaccess-cgi    shared hosting: Apache
#                                         configured for idprover only by
#                                         apache/htaccess.example, plain
#                                         CGI, programs copied as NAME.fcgi
#                             htaccess-fcgid  the same with mod_fcgid, each
#                                         NAME.fcgi a start script
#                             lighttpd-cgi  lighttpd + mod_cgi
#   idp_apache_start        starts it; waits for the directory
#   idp_apache_stop         stops it by pid (and what it spawned)
#   idp_apache_env          exports what the test programs read, so that
#                           they talk to this server: IDP_ROOT
#                           IDP_DIRECTORY_URL IDP_TLS_CA IDPROVER_VAR
#                           IDPROVER_BASE_URL IDP_SMS_LOG
#
# After idp_apache_setup: IDPA_MODE IDPA_ROOT IDPA_RUN IDPA_CONF IDPA_PORT
# IDPA_VAR IDPA_BASE_URL IDPA_DIRECTORY_URL IDPA_TLS_CA IDPA_SMS_LOG
# IDPA_USER IDPA_PID. The server's error log is $IDPA_RUN/error.log (as
# the harness's, so tests that read $IDP_ROOT/run/error.log find it).
# Apache runs the programs as www-data when started as root: the temp root
# is made reachable and the data folder is handed to that user.

IDPA_APACHE=${IDPA_APACHE:-}
IDPA_PID=
IDPA_SPAWNED=

idpa_find_apache() {
	local a
	[ -n "$IDPA_APACHE" ] && return 0
	for a in apache2 httpd /usr/sbin/apache2 /usr/sbin/httpd; do
		if command -v "$a" >/dev/null 2>&1; then
			IDPA_APACHE=$(command -v "$a")
			return 0
		fi
	done
	return 1
}

# Can the server's user reach (x) or write (w) a path?
idpa_can() {
	local how=$1 path=$2
	[ "$(id -u)" -ne 0 ] && { test "-$how" "$path"; return; }
	runuser -u "$IDPA_USER" -- test "-$how" "$path"
}

idpa_render() {
	local what=$IDPA_MODE handler=cgi-script
	case $IDPA_MODE in
	htaccess-*) what=fcgid ;;
	esac
	IDPROVER_PORT=$IDPA_PORT IDPROVER_VAR=$IDPA_VAR \
	    IDPROVER_BASE_URL=$IDPA_BASE_URL IDPROVER_RUN_DIR=$IDPA_RUN \
	    IDPROVER_BUILD=$IDP_BUILD IDPROVER_APACHE_USER=$IDPA_USER \
	    IDPROVER_SMS_GATEWAY=file://$IDPA_SMS_LOG \
	    IDPROVER_MAX_PROCS=${IDPROVER_MAX_PROCS:-2} \
	    "$IDP_TOP/scripts/run-apache.sh" render "$what" > "$IDPA_CONF" ||
		return 1
	case $IDPA_MODE in
	htaccess-*) ;;
	*) return 0 ;;
	esac

	# The shared host: its Apache (part 1 of the fcgid config, nothing of
	# idprover) lets .htaccess files configure a folder of the document
	# root; the folder /acme holds the programs as NAME.fcgi and the
	# rendered htaccess.example.
	local host=$IDPA_CONF.tmp p f
	sed '/^# Part 2/,$d' "$IDPA_CONF" > "$host"
	cat >> "$host" <<-EOF
	LoadModule rewrite_module @M@/mod_rewrite.so
	LoadModule mime_module @M@/mod_mime.so
	LoadModule cgid_module @M@/mod_cgid.so
	ScriptSock "$IDPA_RUN/cgid.sock"
	TypesConfig /etc/mime.types
	<Directory "$IDPA_RUN/www">
		AllowOverride All
		Options FollowSymLinks
		Require all granted
	</Directory>
	EOF
	sed -i "s|@M@|$(sed -n 's|^LoadModule alias_module *\(.*\)/mod_alias.so$|\1|p' \
	    "$IDPA_CONF")|" "$host"
	mv "$host" "$IDPA_CONF"
	mkdir -p "$IDPA_RUN/www/acme"
	for p in "$IDP_BUILD"/cgi-bin/*; do
		[ -f "$p" ] && [ -x "$p" ] || continue
		f=$IDPA_RUN/www/acme/$(basename "$p").fcgi
		if [ "$IDPA_MODE" = htaccess-cgi ]; then
			cp "$p" "$f"
			continue
		fi
		# mod_fcgid: a start script per program (htaccess.example).
		handler=fcgid-script
		cat > "$f" <<-EOF
		#!/bin/sh
		IDPROVER_VAR='$IDPA_VAR'
		IDPROVER_BASE_URL='$IDPA_BASE_URL'
		IDPROVER_LOCATION_HEADER=X-Idprover-Location
		IDPROVER_SMS_GATEWAY='file://$IDPA_SMS_LOG'
		export IDPROVER_VAR IDPROVER_BASE_URL IDPROVER_LOCATION_HEADER
		export IDPROVER_SMS_GATEWAY
		exec '$p'
		EOF
		chmod 755 "$f"
	done
	IDPROVER_VAR=$IDPA_VAR IDPROVER_BASE_URL=$IDPA_BASE_URL \
	    IDPROVER_RUN_DIR=$IDPA_RUN IDPROVER_BUILD=$IDP_BUILD \
	    IDPROVER_SMS_GATEWAY=file://$IDPA_SMS_LOG \
	    IDPROVER_HTACCESS_HANDLER=$handler \
	    "$IDP_TOP/scripts/run-apache.sh" render htaccess \
	    > "$IDPA_RUN/www/acme/.htaccess" || return 1
	chmod -R a+rX "$IDPA_RUN/www"
}

idp_apache_setup() {
	local mode=${1:-fcgid} d
	IDPA_MODE=$mode
	case $mode in
	fcgid|cgi|proxy-fcgi|htaccess-cgi|htaccess-fcgid)
		idpa_find_apache || { idp_log "apache2 is not installed"; return 1; }
		if [ "$(id -u)" -eq 0 ]; then
			IDPA_USER=${IDPROVER_APACHE_USER:-www-data}
		else
			IDPA_USER=$(id -un)
		fi
		;;
	lighttpd-cgi)
		IDPA_USER=$(id -un)
		;;
	*)
		idp_log "idp_apache_setup: unknown mode $mode"
		return 1
		;;
	esac
	if [ -n "${IDP_ROOT:-}" ] && [ -d "$IDP_ROOT" ]; then
		IDPA_ROOT=$(mktemp -d "$IDP_ROOT/$mode.XXXX") || return 1
	else
		mkdir -p "$IDP_TOP/tests/tmp" || return 1
		IDPA_ROOT=$(mktemp -d "$IDP_TOP/tests/tmp/$mode.XXXX") || return 1
	fi
	# The server's user must reach the root (mktemp makes it 0700).
	d=$IDPA_ROOT
	while [ "$d" != / ] && [ "$d" != "$IDP_TOP" ]; do
		[ -O "$d" ] && chmod o+x "$d"
		d=$(dirname "$d")
	done
	IDPA_RUN=$IDPA_ROOT/run
	# Apache's mod_proxy_fcgi takes socket paths of at most 95 octets:
	# from a checkout deep in the tree, the run folder (sockets, logs)
	# is a short one under /tmp, linked from the root (run.sh removes it
	# with the root).
	if [ ${#IDPA_RUN} -gt 60 ]; then
		d=$(mktemp -d /tmp/idpa.XXXXXX) || return 1
		chmod 755 "$d"
		ln -s "$d" "$IDPA_RUN" || return 1
		IDPA_RUN=$d
	fi
	IDPA_CONF=$IDPA_RUN/server.conf
	IDPA_VAR=$IDPA_ROOT/var
	IDPA_SMS_LOG=$IDPA_VAR/sms.log
	IDPA_TLS_CA=$IDPA_VAR/tls/ca.pem
	mkdir -p "$IDPA_RUN/www" "$IDPA_RUN/fcgid"
	chmod 755 "$IDPA_RUN" "$IDPA_RUN/www"
	IDPA_PORT=$(idp_free_port) || { idp_log "no free port"; return 1; }
	IDPA_BASE_URL=https://localhost:$IDPA_PORT/acme
	IDPA_DIRECTORY_URL=$IDPA_BASE_URL/directory
	export IDPA_MODE IDPA_ROOT IDPA_RUN IDPA_CONF IDPA_PORT IDPA_VAR \
	    IDPA_BASE_URL IDPA_DIRECTORY_URL IDPA_TLS_CA IDPA_SMS_LOG IDPA_USER

	if ! IDPROVER_VAR=$IDPA_VAR IDPROVER_BASE_URL=$IDPA_BASE_URL \
	    "$IDP_BUILD/tools/idprover-admin" init > "$IDPA_ROOT/init.log" 2>&1; then
		idp_log "idprover-admin init failed:"
		sed 's/^/#   /' "$IDPA_ROOT/init.log" >&2
		return 1
	fi
	tls_make "$IDPA_VAR/tls" || { idp_log "TLS setup failed"; return 1; }
	touch "$IDPA_SMS_LOG"
	if [ "$(id -u)" -eq 0 ] && [ "$IDPA_USER" != root ]; then
		chown -R "$IDPA_USER:$(id -gn "$IDPA_USER")" "$IDPA_VAR" \
		    "$IDPA_RUN/fcgid" || return 1
	fi
	idpa_can x "$IDP_BUILD/cgi-bin/directory" || {
		idp_log "$IDPA_USER cannot reach $IDP_BUILD/cgi-bin"
		return 1
	}
	idpa_can w "$IDPA_VAR/db" || {
		idp_log "$IDPA_USER cannot write $IDPA_VAR/db"
		return 1
	}
	idpa_render || { idp_log "cannot render the $mode config"; return 1; }
}

idpa_ping() {
	curl -fsS -o /dev/null --noproxy "*" --max-time 2 --cacert "$IDPA_TLS_CA" \
	    "$IDPA_DIRECTORY_URL" 2>/dev/null
}

# proxy-fcgi: every built program under spawn-fcgi on its socket.
idpa_spawn() {
	local p name pidf grp
	grp=$(id -gn "$IDPA_USER")
	for p in "$IDP_BUILD"/cgi-bin/*; do
		[ -f "$p" ] && [ -x "$p" ] || continue
		name=$(basename "$p")
		pidf=$IDPA_RUN/$name.spawn.pid
		rm -f "$IDPA_RUN/$name.sock" "$pidf"
		if [ "$(id -u)" -eq 0 ]; then
			set -- -u "$IDPA_USER" -g "$grp" -U "$IDPA_USER" -G "$grp" \
			    -M 0660
		else
			set -- -M 0600
		fi
		IDPROVER_VAR=$IDPA_VAR IDPROVER_BASE_URL=$IDPA_BASE_URL \
		    IDPROVER_SMS_GATEWAY=file://$IDPA_SMS_LOG \
		    IDPROVER_LOCATION_HEADER=X-Idprover-Location \
		    spawn-fcgi -s "$IDPA_RUN/$name.sock" "$@" -F 1 -P "$pidf" \
		    -- "$p" >> "$IDPA_RUN/spawn.log" 2>&1 || return 1
		IDPA_SPAWNED="$IDPA_SPAWNED $pidf"
	done
}

idp_apache_start() {
	if [ "$IDPA_MODE" = lighttpd-cgi ]; then
		lighttpd -tt -f "$IDPA_CONF" > "$IDPA_RUN/config-test.log" 2>&1
	else
		"$IDPA_APACHE" -t -f "$IDPA_CONF" > "$IDPA_RUN/config-test.log" 2>&1
	fi || {
		idp_log "the server rejects $IDPA_CONF:"
		sed 's/^/#   /' "$IDPA_RUN/config-test.log" >&2
		return 1
	}
	if [ "$IDPA_MODE" = proxy-fcgi ]; then
		idpa_spawn || { idp_log "spawn-fcgi failed"; return 1; }
	fi
	idp_launch idpa_run idpa_ping idp_apache_stop idpa_repick \
	    "$IDPA_RUN/error.log" "$IDPA_RUN/server.out"
}

idpa_run() {
	if [ "$IDPA_MODE" = lighttpd-cgi ]; then
		lighttpd -D -f "$IDPA_CONF" >> "$IDPA_RUN/server.out" 2>&1 &
	else
		"$IDPA_APACHE" -f "$IDPA_CONF" -DFOREGROUND \
		    >> "$IDPA_RUN/server.out" 2>&1 &
	fi
	IDPA_PID=$!
	IDP_SERVER_PID=$!
	export IDPA_PID
}

idpa_repick() {
	IDPA_PORT=$(idp_free_port) || return 1
	IDPA_BASE_URL=https://localhost:$IDPA_PORT/acme
	IDPA_DIRECTORY_URL=$IDPA_BASE_URL/directory
	export IDPA_PORT IDPA_BASE_URL IDPA_DIRECTORY_URL
	IDPA_PID=
	: > "$IDPA_RUN/error.log"
	: > "$IDPA_RUN/server.out"
	idpa_render
}

# Every descendant of a process.
idpa_descendants() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		echo "$c"
		idpa_descendants "$c"
	done
}

idp_apache_stop() {
	local kids="" i k pidf alive
	if [ -n "${IDPA_PID:-}" ]; then
		if kill -0 "$IDPA_PID" 2>/dev/null; then
			kids=$(idpa_descendants "$IDPA_PID" | tr '\n' ' ')
			kill -TERM "$IDPA_PID" 2>/dev/null
			for i in $(seq 1 100); do
				kill -0 "$IDPA_PID" 2>/dev/null || break
				sleep 0.1
			done
			kill -0 "$IDPA_PID" 2>/dev/null &&
				kill -KILL "$IDPA_PID" 2>/dev/null
		fi
		wait "$IDPA_PID" 2>/dev/null
		IDPA_PID=
	fi
	for pidf in $IDPA_SPAWNED; do
		[ -f "$pidf" ] || continue
		for k in $(cat "$pidf"); do
			kids="$kids $k"
			kill -TERM "$k" 2>/dev/null
		done
	done
	IDPA_SPAWNED=
	# What the server spawned normally ends with it; make sure.
	for i in $(seq 1 20); do
		alive=""
		for k in $kids; do
			kill -0 "$k" 2>/dev/null && alive="$alive $k"
		done
		[ -z "$alive" ] && break
		[ "$i" -eq 10 ] && for k in $alive; do kill -TERM "$k"; done
		sleep 0.1
	done
	for k in $kids; do kill -0 "$k" 2>/dev/null && kill -KILL "$k"; done
	return 0
}

idp_apache_env() {
	IDP_ROOT=$IDPA_ROOT
	IDP_DIRECTORY_URL=$IDPA_DIRECTORY_URL
	IDP_TLS_CA=$IDPA_TLS_CA
	IDPROVER_VAR=$IDPA_VAR
	IDPROVER_BASE_URL=$IDPA_BASE_URL
	IDP_SMS_LOG=$IDPA_SMS_LOG
	IDPROVER_SMS_GATEWAY=file://$IDPA_SMS_LOG
	export IDP_ROOT IDP_DIRECTORY_URL IDP_TLS_CA IDPROVER_VAR \
	    IDPROVER_BASE_URL IDP_SMS_LOG IDPROVER_SMS_GATEWAY
}

# ------------------------------------------------------------ checks
# TAP-style lines for shell tests: idpa_ok STATUS NAME [DIAGNOSTICS].
IDPA_N=0
IDPA_FAILED=0
# A NAME ending in "# TODO reason" is a known gap: reported, not failed.
idpa_ok() {
	IDPA_N=$((IDPA_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $IDPA_N - $2"
	else
		echo "not ok $IDPA_N - $2"
		case $2 in
		*"# TODO"*) ;;
		*) IDPA_FAILED=$((IDPA_FAILED + 1)) ;;
		esac
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
	return 0
}

idpa_done() {
	echo "1..$IDPA_N"
	[ "$IDPA_FAILED" -eq 0 ] && [ "$IDPA_N" -gt 0 ]
}

# Run a program that prints "ok N - name" / "not ok N - name" lines and
# report each of them as one of ours, named "LABEL: name".
idpa_relay_tap() {	# label command...
	local label=$1 line out rc name diag="" pending="" pst=0
	shift
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*)
			[ -n "$pending" ] && idpa_ok "$pst" "$pending" "$diag"
			diag=""
			name=${line#*- }
			case $line in
			"ok "*) pst=0 ;;
			*) pst=1 ;;
			esac
			pending="$label: $name"
			;;
		"#   "*)
			diag="$diag${diag:+
}${line#\#   }"
			;;
		esac
	done <<< "$out"
	[ -n "$pending" ] && idpa_ok "$pst" "$pending" "$diag"
	idpa_ok "$rc" "$label: exits 0" "$(printf '%s\n' "$out" | tail -n 15)"
}

# newAccount for a known key must answer exactly 200 + Location (no 302,
# no private header left), like every other Location-bearing answer; a
# resource below a prefix (PATH_INFO) answers; a body over the programs'
# 64 KiB cap gets their own 413 problem, not the web server's page.
idpa_location_checks() {	# label
	local label=$1 cgi=0
	case $IDPA_MODE in
	cgi|htaccess-cgi|lighttpd-cgi) cgi=1 ;;
	esac
	idpa_relay_tap "$label" env IDPA_CGI=$cgi \
	    IDP_DIRECTORY_URL="$IDPA_DIRECTORY_URL" \
	    IDP_TLS_CA="$IDPA_TLS_CA" IDPROVER_VAR="$IDPA_VAR" \
	    IDP_SMS_LOG="$IDPA_SMS_LOG" PYTHONPATH="$IDP_TOP/tests/integ" \
	    "$IDP_PYTHON" - <<'PY'
import os

import requests

from acmetest import DIRECTORY_URL, Key, Raw, Tests, require_env

require_env()
T = Tests()
T.index_url = DIRECTORY_URL
base = DIRECTORY_URL.rsplit("/", 1)[0]
raw = Raw()
key = Key("ES256")
r = raw.new_account(key, {"termsOfServiceAgreed": True}, )
loc = r.headers.get("Location", "")
T.headers(r, "newAccount, new key: 201", 201)
T.ok(loc.startswith(base + "/acct/"), "newAccount, new key: Location is "
     "the account URL", loc)
for what, payload in (("newAccount again", {"termsOfServiceAgreed": True}),
                      ("onlyReturnExisting", {"onlyReturnExisting": True})):
    r = raw.send(raw["newAccount"], raw.jws(raw["newAccount"], payload, key))
    T.ok(not r.history, "%s: answered directly, not redirected" % what,
         [h.status_code for h in r.history])
    T.headers(r, "%s, known key: 200 + Location" % what, 200, location=loc)
    T.ok(not any(h.lower() == "x-idprover-location" for h in r.headers),
         "%s: no private Location header left" % what, dict(r.headers))
    try:
        body = r.json()
    except ValueError:
        body = {}
    T.eq(body.get("status"), "valid", "%s: the account object" % what)
r = raw.post_as_get(loc, key, loc)
T.headers(r, "account POST-as-GET below the /acct prefix: 200", 200)
big = raw.jws(raw["newAccount"], {"termsOfServiceAgreed": True,
                                  "pad": "x" * 70000}, Key("ES256"))
name = "a 70 KB body: the program's own 413"
try:
    r = raw.send(raw["newAccount"], big)
    T.problem(r, 413, "malformed", name)
except requests.RequestException as e:
    T.ok(False, name, repr(e))
T.done()
PY
}

# The relay page (when built) answers with its HTML page.
idpa_relay_check() {	# label
	local out
	[ -x "$IDP_BUILD/cgi-bin/relay" ] || return 0
	out=$(curl -sS -o /dev/null -w '%{http_code} %{content_type}' \
	    --noproxy "*" --max-time 10 --cacert "$IDPA_TLS_CA" \
	    "https://localhost:$IDPA_PORT/relay" 2>&1)
	case $out in
	"200 text/html"*) idpa_ok 0 "$1: the relay page answers" ;;
	*) idpa_ok 1 "$1: the relay page answers" "$out" ;;
	esac
}

# tests/integ/test_enroll.py against this server.
idpa_enroll() {	# label
	local label=$1
	(
		idp_apache_env
		cd "$IDP_TOP/tests/integ" &&
		    PYTHONPATH=$IDP_TOP/tests/integ timeout 600 \
		    "$IDP_PYTHON" -u "$IDP_TOP/tests/integ/test_enroll.py"
	) > "$IDPA_ROOT/enroll.log" 2>&1
	idpa_relay_tap "$label" idpa_cat_rc "$IDPA_ROOT/enroll.log" $?
}

idpa_cat_rc() { cat "$1"; return "$2"; }
