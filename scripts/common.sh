# Shell functions shared by scripts/run.sh (lighttpd) and
# scripts/run-apache.sh (Apache): sourced, not run. Both keep the web
# server's pid in SPID and its logs in RUN_DIR.

die() { echo "idprover: $*" >&2; exit 1; }

# Absolute form of a path that may not exist yet.
abspath() {
	case $1 in
	/*) p=$1 ;;
	*) p=$(pwd)/$1 ;;
	esac
	d=$(dirname "$p")
	b=$(basename "$p")
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	case $b in
	.) echo "$d" ;;
	..) dirname "$d" ;;
	*) echo "$d/$b" ;;
	esac
}

port_busy() {
	[ -n "$(ss -ltnH "( sport = :$1 )" 2>/dev/null)" ]
}

check_build() {
	[ -x "$BUILD/tools/idprover-admin" ] ||
		die "$BUILD/tools/idprover-admin missing: run make first"
	[ -x "$BUILD/cgi-bin/directory" ] ||
		die "$BUILD/cgi-bin/directory missing: run make first"
	if port_busy "$PORT"; then
		die "port $PORT is in use (set IDPROVER_PORT to another port)"
	fi
}

# Where codes land (sms_where), the data folder's first start, TLS.
first_start() {
	if [ -n "${IDPROVER_SMS_GATEWAY:-}" ]; then
		export IDPROVER_SMS_GATEWAY
		case $IDPROVER_SMS_GATEWAY in
		file://*) sms_where=${IDPROVER_SMS_GATEWAY#file://} ;;
		*) sms_where=$IDPROVER_SMS_GATEWAY ;;
		esac
	else
		sms_where=$IDPROVER_VAR/sms.log
	fi
	if [ -n "${IDPROVER_CONF:-}" ]; then
		IDPROVER_CONF=$(abspath "$IDPROVER_CONF")
		export IDPROVER_CONF
	fi
	if [ ! -d "$IDPROVER_VAR/db" ] || [ ! -f "$IDPROVER_VAR/ca/ca.pem" ]; then
		echo "idprover: first start: initialising $IDPROVER_VAR"
		"$BUILD/tools/idprover-admin" init ||
			die "idprover-admin init failed"
	fi
	tls_make "$IDPROVER_VAR/tls" || die "cannot make the TLS certificate"
}

# Wait until the directory answers; $1 names the server in messages.
wait_ready() {
	i=0
	until curl -fsS -o /dev/null --noproxy "*" \
	    --cacert "$IDPROVER_VAR/tls/ca.pem" --max-time 2 \
	    "https://localhost:$PORT/acme/directory" 2>/dev/null; do
		if ! kill -0 "$SPID" 2>/dev/null; then
			tail -n 20 "$RUN_DIR/error.log" >&2 2>/dev/null || true
			SPID=
			die "$1 exited (log: $RUN_DIR/error.log)"
		fi
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			echo "idprover: the directory does not answer yet;" \
			    "see $RUN_DIR/error.log" >&2
			break
		fi
		sleep 0.1
	done
}

# Say where everything is, then wait for the server; $1 describes it.
serve_until_stopped() {
	dir_url=$IDPROVER_BASE_URL/directory
	cat <<-EOF
	idprover is running ($1)
	  ACME directory:  $dir_url
	  TLS trust (CA):  $IDPROVER_VAR/tls/ca.pem
	  issuing CA:      $IDPROVER_VAR/ca/ca.pem
	  relay page:      https://localhost:$PORT/relay
	  SMS codes land:  $sms_where
	  logs:            $RUN_DIR/error.log, $RUN_DIR/access.log
	  try:  curl --cacert $IDPROVER_VAR/tls/ca.pem $dir_url
	Press Ctrl-C to stop.
	EOF
	# wait returns early when a trapped signal arrives; the trap stops.
	while [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; do
		wait "$SPID" 2>/dev/null || true
	done
	if [ -n "$SPID" ]; then
		SPID=
		echo "idprover: the server exited; see $RUN_DIR/error.log" >&2
		exit 1
	fi
}

# Every descendant of a process, deepest last.
descendants() {
	for c in $(pgrep -P "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

# Stop the server (TERM, then KILL after $1 tenths of a second) and any
# program it leaves behind; callers clear traps and say "stopped".
stop_server() {
	if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
		KIDS="$KIDS $(descendants "$SPID" | tr '\n' ' ')"
		kill -TERM "$SPID" 2>/dev/null || true
		i=0
		while kill -0 "$SPID" 2>/dev/null && [ $i -lt "$1" ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -0 "$SPID" 2>/dev/null && kill -KILL "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null || true
	fi
	# The server stops the programs it spawned; make sure.
	for k in $KIDS; do
		kill -0 "$k" 2>/dev/null && kill -TERM "$k" 2>/dev/null
	done
	SPID=
}
