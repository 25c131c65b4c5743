# idprover integration tests: shared shell functions (bash; source it).
#
#   idp_setup NAME   private temp root tests/tmp/NAME.XXXX, free port,
#                    idprover-admin init, TLS certificate, rendered config
#   idp_start        lighttpd -D in the background; waits for the directory
#   idp_stop         stops lighttpd by its pid, then anything it left
#   idp_cleanup      idp_stop, and removes the temp root unless IDP_KEEP=1
#   idp_node_start NAME  one more web node beside idp_start's (see there)
#   idp_node_stop PID    stops such a node and its programs
#
# After idp_setup these are exported for the test programs:
#   IDP_ROOT IDP_PORT IDP_RUN IDP_CONF IDP_DIRECTORY_URL IDP_TLS_CA
#   IDP_SMS_LOG IDP_LIGHTTPD_PID IDP_BUILD
#   IDPROVER_VAR IDPROVER_BASE_URL IDPROVER_SMS_GATEWAY IDPROVER_CRASH_HOOK
#   IDPROVER_SEND_HOOK
#
# TAP for the shell test files: `ok STATUS NAME [DIAGNOSTICS]` records one
# check (status 0 passes), `pass NAME` and `not_ok NAME [DIAGNOSTICS]`
# likewise, `bail REASON` gives up, `finish` prints the plan and exits 1
# when a check failed.
# IDP_STORE=pg: the server runs on PostgreSQL, a fresh database per
# idp_setup in the cluster of $PG_DIR (run.sh starts one; tests/integ/pg.sh);
# IDPROVER_STORE is then exported with its URI.
# The crash hook file ($IDP_ROOT/crash-hook) does not exist unless a test
# creates it, so the hook is inert for every other test; so with the send
# hook ($IDP_ROOT/send-hook: the challenge program waits between the commit
# that queued an SMS and its send).

IDP_TOP=${IDP_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
IDP_BUILD=${IDP_BUILD:-$IDP_TOP/build}
IDP_PYTHON=${IDP_PYTHON:-/usr/bin/python3}
export IDP_TOP IDP_BUILD IDP_PYTHON
# No __pycache__ next to the test sources.
export PYTHONDONTWRITEBYTECODE=1

# shellcheck source=../../scripts/tls.sh
. "$IDP_TOP/scripts/tls.sh"
# shellcheck source=pg.sh
. "$IDP_TOP/tests/integ/pg.sh"

idp_log() { echo "# $*" >&2; }

idp_port_busy() {
	[ -n "$(ss -ltnH "( sport = :$1 )" 2>/dev/null)" ]
}

# A free TCP port on loopback: let the kernel pick one (bind port 0), then
# make sure nothing listens on it on any address.
# The SMSC simulator (tests/smsc_sim.js) on two free ports, its output in
# $1: sets SMPP_PORT, SMSC_HTTP and SIM_PID (the caller stops it by pid);
# 0 once its HTTP API answers, 1 otherwise.
idp_smsc_start() {
	SMPP_PORT=$(idp_free_port) || return 1
	SMSC_HTTP=$(idp_free_port) || return 1
	[ "$SMPP_PORT" != "$SMSC_HTTP" ] || return 1
	SMSC_PORT=$SMPP_PORT SMSC_HTTP_PORT=$SMSC_HTTP \
	    node "$IDP_TOP/tests/smsc_sim.js" > "$1" 2>&1 &
	SIM_PID=$!
	for _ in $(seq 1 50); do
		curl -fsS --noproxy '*' --max-time 2 \
		    "http://127.0.0.1:$SMSC_HTTP/stats" >/dev/null 2>&1 &&
		    return 0
		sleep 0.1
	done
	return 1
}

idp_free_port() {
	local i port
	for i in $(seq 1 50); do
		port=$("$IDP_PYTHON" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()') || return 1
		if ! idp_port_busy "$port"; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

idp_render() {
	IDPROVER_PORT=$IDP_PORT IDPROVER_RUN_DIR=$IDP_RUN \
	    IDPROVER_BUILD=$IDP_BUILD \
	    IDPROVER_MAX_PROCS=${IDPROVER_MAX_PROCS:-1} \
	    IDPROVER_COMMIT_PROCS=${IDPROVER_COMMIT_PROCS:-${IDPROVER_MAX_PROCS:-1}} \
	    "$IDP_TOP/scripts/run.sh" render > "$IDP_CONF"
}

idp_setup() {
	local name=${1:-integ}
	mkdir -p "$IDP_TOP/tests/tmp" || return 1
	IDP_ROOT=$(mktemp -d "$IDP_TOP/tests/tmp/$name.XXXX") || return 1
	IDP_RUN=$IDP_ROOT/run
	IDP_CONF=$IDP_RUN/lighttpd.conf
	mkdir -p "$IDP_RUN/www"
	IDP_PORT=$(idp_free_port) || { idp_log "no free port"; return 1; }
	IDPROVER_VAR=$IDP_ROOT/var
	IDPROVER_BASE_URL=https://localhost:$IDP_PORT/acme
	IDP_DIRECTORY_URL=$IDPROVER_BASE_URL/directory
	IDP_TLS_CA=$IDPROVER_VAR/tls/ca.pem
	IDP_SMS_LOG=$IDPROVER_VAR/sms.log
	IDPROVER_SMS_GATEWAY=file://$IDP_SMS_LOG
	IDPROVER_CRASH_HOOK=$IDP_ROOT/crash-hook
	IDPROVER_SEND_HOOK=$IDP_ROOT/send-hook
	IDP_LIGHTTPD_PID=
	IDPROVER_TEMPLATES=${IDPROVER_TEMPLATES:-$IDP_TOP/templates}
	export IDPROVER_TEMPLATES
	export IDP_ROOT IDP_RUN IDP_CONF IDP_PORT IDP_DIRECTORY_URL IDP_TLS_CA \
	    IDP_SMS_LOG IDP_LIGHTTPD_PID IDPROVER_VAR IDPROVER_BASE_URL \
	    IDPROVER_SMS_GATEWAY IDPROVER_CRASH_HOOK IDPROVER_SEND_HOOK
	# Every client of a test server is 127.0.0.1, and the load tests
	# make hundreds of accounts: the limits on new accounts would bind
	# tests about other things. The default config file says so; a test
	# that writes its own (or names one in IDPROVER_CONF) decides itself
	# (test_crowd.sh checks those limits).
	if [ -z "${IDPROVER_CONF:-}" ]; then
		mkdir -p "$IDPROVER_VAR" &&
		cat > "$IDPROVER_VAR/idprover.conf" <<-'JSON'
		{ "limit_new_accounts_addr_hour": 1000000,
		  "limit_new_accounts_addr_day": 1000000,
		  "limit_new_accounts_hour": 100000000 }
		JSON
	else
		export IDPROVER_CONF
	fi
	if [ "${IDP_STORE:-bdb}" = pg ]; then
		[ -n "${PG_DIR:-}" ] || { idp_log "IDP_STORE=pg: no PG_DIR"; return 1; }
		IDPROVER_STORE=$(pg_createdb "$(basename "$IDP_ROOT" |
		    tr -c 'a-zA-Z0-9\n' _ | tr A-Z a-z)") ||
		    { idp_log "cannot create a database"; return 1; }
		export IDPROVER_STORE
	fi

	if ! "$IDP_BUILD/tools/idprover-admin" init \
	    > "$IDP_ROOT/init.log" 2>&1; then
		idp_log "idprover-admin init failed:"
		sed 's/^/#   /' "$IDP_ROOT/init.log" >&2
		return 1
	fi
	tls_make "$IDPROVER_VAR/tls" || { idp_log "TLS setup failed"; return 1; }
	idp_render || { idp_log "cannot render the lighttpd config"; return 1; }
}

# The name of the test's PostgreSQL database (IDP_STORE=pg).
idp_pg_db() {
	printf '%s\n' "$IDPROVER_STORE" | sed -n 's|^postgresql:///\([^?]*\).*|\1|p'
}

# Does the directory answer 200?
idp_ping() {
	curl -fsS -o /dev/null --noproxy "*" --max-time 2 --cacert "$IDP_TLS_CA" \
	    "$IDP_DIRECTORY_URL" 2>/dev/null
}

# Start a server and wait for its directory, three times at most when the
# port was lost to someone else between picking and binding:
#   idp_launch START PING STOP REPICK LOG...
# START runs it in the background and sets IDP_SERVER_PID; PING says
# whether the directory answers; STOP stops it; REPICK takes a new port;
# the LOG files are searched for the bind error and shown on failure.
idp_launch() {
	local start=$1 ping=$2 stop=$3 repick=$4 try i
	shift 4
	for try in 1 2 3; do
		"$start" || return 1
		for i in $(seq 1 200); do
			"$ping" && return 0
			kill -0 "$IDP_SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$IDP_SERVER_PID" 2>/dev/null; then
			idp_log "the directory does not answer after 20 s"
			"$stop"
			return 1
		fi
		wait "$IDP_SERVER_PID" 2>/dev/null
		grep -qi 'Address already in use' "$@" 2>/dev/null || break
		"$repick" || return 1
	done
	idp_log "the server did not start:"
	tail -n 20 "$@" 2>/dev/null | sed 's/^/#   /' >&2
	return 1
}

idp_lighttpd_run() {
	lighttpd -D -f "$IDP_CONF" >> "$IDP_RUN/lighttpd.out" 2>&1 &
	IDP_LIGHTTPD_PID=$!
	IDP_SERVER_PID=$!
	export IDP_LIGHTTPD_PID
}

idp_repick() {
	IDP_PORT=$(idp_free_port) || return 1
	IDPROVER_BASE_URL=https://localhost:$IDP_PORT/acme
	IDP_DIRECTORY_URL=$IDPROVER_BASE_URL/directory
	export IDP_PORT IDPROVER_BASE_URL IDP_DIRECTORY_URL
	IDP_LIGHTTPD_PID=
	: > "$IDP_RUN/error.log"
	idp_render
}

idp_start() {
	lighttpd -tt -f "$IDP_CONF" > "$IDP_RUN/config-test.log" 2>&1 || {
		idp_log "lighttpd rejects $IDP_CONF:"
		sed 's/^/#   /' "$IDP_RUN/config-test.log" >&2
		return 1
	}
	idp_launch idp_lighttpd_run idp_ping idp_stop idp_repick \
	    "$IDP_RUN/error.log" "$IDP_RUN/lighttpd.out"
}

# One more web node of the same service (several nodes on one machine):
# its own lighttpd on its own free port with its own run folder
# ($IDP_ROOT/run-NAME), the same data folder (secret, CA key, TLS
# certificate), base URL and store as the node of idp_start. Waits for its
# directory; sets IDP_NODE_PORT and IDP_NODE_PID (stop it by that pid with
# idp_node_stop). Run it in the shell that stops it (not in $(...)).
idp_node_start() {
	IDP_NODE_RUN=$IDP_ROOT/run-$1
	mkdir -p "$IDP_NODE_RUN/www" || return 1
	IDP_NODE_PORT=$(idp_free_port) || return 1
	idp_node_render || return 1
	idp_launch idp_node_run idp_node_ping idp_node_kill idp_node_repick \
	    "$IDP_NODE_RUN/error.log" "$IDP_NODE_RUN/lighttpd.out"
}

idp_node_render() {
	IDP_PORT=$IDP_NODE_PORT IDP_RUN=$IDP_NODE_RUN \
	    IDP_CONF=$IDP_NODE_RUN/lighttpd.conf idp_render
}

idp_node_run() {
	lighttpd -D -f "$IDP_NODE_RUN/lighttpd.conf" \
	    >> "$IDP_NODE_RUN/lighttpd.out" 2>&1 &
	IDP_NODE_PID=$!
	IDP_SERVER_PID=$!
}

idp_node_ping() {
	curl -fsS -o /dev/null --noproxy "*" --max-time 2 \
	    --cacert "$IDP_TLS_CA" \
	    "https://localhost:$IDP_NODE_PORT/${IDP_DIRECTORY_URL#https://*/}" \
	    2>/dev/null
}

idp_node_kill() { idp_node_stop "$IDP_NODE_PID"; }

idp_node_repick() {
	IDP_NODE_PORT=$(idp_free_port) || return 1
	: > "$IDP_NODE_RUN/error.log"
	idp_node_render
}

# Stop the node of lighttpd pid $1 and the programs it spawned.
idp_node_stop() {
	local keep=${IDP_LIGHTTPD_PID:-}
	IDP_LIGHTTPD_PID=$1
	idp_stop
	IDP_LIGHTTPD_PID=$keep
}

# The FastCGI processes lighttpd spawned for one program.
idp_worker_pids() {
	local prog=$1 p
	[ -n "$IDP_LIGHTTPD_PID" ] || return 0
	for p in $(pgrep -P "$IDP_LIGHTTPD_PID"); do
		if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null |
		    grep -q "/cgi-bin/$prog\( \|$\)"; then
			echo "$p"
		fi
	done
}

idp_stop() {
	local kids="" i k
	[ -n "${IDP_LIGHTTPD_PID:-}" ] || return 0
	if kill -0 "$IDP_LIGHTTPD_PID" 2>/dev/null; then
		kids=$(pgrep -P "$IDP_LIGHTTPD_PID" | tr '\n' ' ')
		kill -TERM "$IDP_LIGHTTPD_PID" 2>/dev/null
		for i in $(seq 1 100); do
			kill -0 "$IDP_LIGHTTPD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$IDP_LIGHTTPD_PID" 2>/dev/null &&
			kill -KILL "$IDP_LIGHTTPD_PID" 2>/dev/null
	fi
	wait "$IDP_LIGHTTPD_PID" 2>/dev/null
	# lighttpd stops the FastCGI programs it spawned; make sure.
	for i in $(seq 1 20); do
		local alive=""
		for k in $kids; do
			kill -0 "$k" 2>/dev/null && alive="$alive $k"
		done
		[ -z "$alive" ] && break
		[ "$i" -eq 10 ] && for k in $alive; do kill -TERM "$k"; done
		sleep 0.1
	done
	for k in $kids; do kill -0 "$k" 2>/dev/null && kill -KILL "$k"; done
	IDP_LIGHTTPD_PID=
	return 0
}

idp_cleanup() {
	idp_stop
	if [ -n "${IDP_ROOT:-}" ] && [ "${IDP_KEEP:-0}" != 1 ]; then
		rm -rf "$IDP_ROOT"
	fi
}

n=0
failed=0

ok() {	# status name [diagnostics]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | head -n 60 |
		    sed 's/^/#   /'
	fi
	return 0
}

pass() { ok 0 "$1"; }
not_ok() { ok 1 "$1" "${2:-}"; }

bail() {
	echo "Bail out! $*"
	exit 1
}

finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ] || { echo "# $failed of $n checks failed"; exit 1; }
	exit 0
}
