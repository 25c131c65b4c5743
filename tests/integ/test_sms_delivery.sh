#!/bin/bash
# SMS delivery end to end (PROTOCOL 8.2.2, 8.2.5, 8.2.6, 8.3, 10, 11): every
# gateway kind against a local peer, the outbox across an outage, permanent
# refusals, the sending limits, the resend rule, and no code in anything
# the service writes. Each part runs its own server (tests/integ/lib.sh)
# with its own IDPROVER_CONF; the harness's server is not used.
#
#   smpp        1  SMPP to tests/smsc_sim.js: the code in submit_sm, the
#                  whole flow to a certificate
#               7  a second {} within 60 s sends nothing
#   reject      3  the SMSC refuses the destination: challenge invalid
#   outage      2  SMSC down at {}: 200 processing, queued; sms-flush
#                  delivers it once, a second flush nothing
#   http-get    4  HTTP gateway, GET template, to a local receiver
#   http-post   4  POST body template; a 503 leaves the message queued
#   exec-ok     5  exec gateway, the program exits 0
#   exec-fail   5  the program exits 2: challenge invalid
#   limits      6  each hourly limit trips on its own
#   day-burst   6  the daily limit; 20 orders send at most the hourly cap
#   (each)      8  no code in the logs nor in the Berkeley DB files
#
# The four groups (SMPP, HTTP, exec, limits) run side by side, each with
# its own servers and peers; their TAP lines are numbered at the end.
# Prints one TAP line per check; exits non-zero if any check fails. Needs
# node with tests/node_modules/smpp, lighttpd, curl, db5.3_dump and the
# build (IDP_BUILD). Loopback only; everything started here is stopped by
# pid; bounded to two minutes.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

FLOW=$here/sms_flow.py
ADMIN=$IDP_BUILD/tools/idprover-admin
LIMIT_S=110
PY_TIMEOUT=40

# ------------------------------------------------------------- reporting
# Inside a group, checks print "ok - NAME" / "not ok - NAME" and "#   "
# diagnostics; the main shell numbers them in the end.

failed=0
inst_failed=0

ok() {	# status name [diagnostics]
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		failed=$((failed + 1))
		inst_failed=$((inst_failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
	return 0
}

skip() {	# name reason...
	local name=$1
	shift
	echo "ok - $name # SKIP $*"
}

# Run an ACME command of sms_flow.py, passing its TAP lines on.
py() {
	local line rc=0 before=$failed
	while IFS= read -r line; do
		case $line in
		"not ok - "*)
			failed=$((failed + 1))
			inst_failed=$((inst_failed + 1))
			printf '%s\n' "$line" ;;
		"__rc "*) rc=${line#__rc } ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < <(cd "$here" && PYTHONPATH=$here timeout "$PY_TIMEOUT" \
	    "$IDP_PYTHON" -u "$FLOW" "$@" 2>&1; echo "__rc $?")
	if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
		ok 1 "sms_flow.py $1 exits 0" "exit status $rc"
	fi
}

# A data command of sms_flow.py (no TAP output).
pyq() { (cd "$here" && timeout 20 "$IDP_PYTHON" "$FLOW" "$@"); }

# A check printed by a data command ("ok - ..." or "not ok - ...").
pyq_check() {
	local out
	out=$(pyq "$@" 2>&1)
	case $out in
	"ok - "*) ok 0 "${out#ok - }" ;;
	"not ok - "*)
		ok 1 "$(printf '%s\n' "$out" | head -n 1 | sed 's/^not ok - //')" \
		    "$(printf '%s\n' "$out" | sed -n 's/^#   //p')" ;;
	*) ok 1 "sms_flow.py $1 $2" "$out" ;;
	esac
}

stop_pid() {	# pid
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# Whether a process runs (a zombie does not).
running() {
	local st
	read -r _ _ st _ 2>/dev/null < "/proc/$1/stat" || return 1
	[ "$st" != Z ]
}

# ------------------------------------------------------------- instances

INST=
IDP_ROOT=
IDP_LIGHTTPD_PID=

# inst_start NAME KEY=VALUE...: a fresh server whose IDPROVER_CONF holds
# these keys; the gateway comes from that file, not from
# IDPROVER_SMS_GATEWAY. These flows use accounts without a platform: the
# binding a real gateway requires by default is turned off (test_eab.sh
# covers it).
inst_start() {
	INST=$1
	shift
	inst_failed=0
	if ! pyq conf external_account_required=no "$@" > "$W/$INST.conf"; then
		ok 1 "$INST: configuration written"
		return 1
	fi
	export IDPROVER_CONF=$W/$INST.conf
	echo "# --- $INST (at $SECONDS s)"
	if ! idp_setup "sms_delivery-$INST" >/dev/null; then
		ok 1 "$INST: server set up" "idp_setup failed"
		return 1
	fi
	unset IDPROVER_SMS_GATEWAY
	export SMS_FLOW_DIR=$IDP_ROOT/flow
	if ! idp_start; then
		ok 1 "$INST: server started" "$(tail -n 5 "$IDP_RUN/error.log" \
		    2>/dev/null)"
		return 1
	fi
	return 0
}

# Stop lighttpd and its FastCGI programs together, by pid.
inst_halt() {
	local kids k i alive
	[ -n "${IDP_LIGHTTPD_PID:-}" ] || return 0
	kids=$(pgrep -P "$IDP_LIGHTTPD_PID" | tr '\n' ' ')
	# shellcheck disable=SC2086
	kill -TERM "$IDP_LIGHTTPD_PID" $kids 2>/dev/null
	for i in $(seq 1 60); do
		alive=
		for k in "$IDP_LIGHTTPD_PID" $kids; do
			running "$k" && alive="$alive $k"
		done
		[ -z "$alive" ] && break
		sleep 0.05
	done
	for k in $alive; do kill -KILL "$k" 2>/dev/null; done
	wait "$IDP_LIGHTTPD_PID" 2>/dev/null
	IDP_LIGHTTPD_PID=
}

# inst_stop SRC...: stop the server, then look for every code the sources
# recorded in the logs and databases it wrote.
inst_stop() {
	local codes
	codes=$(pyq codes "$@" 2>&1) || {
		ok 1 "$INST: codes collected from $*" "$codes"
		codes=
	}
	inst_halt
	no_code_anywhere "$codes"
	if [ "$inst_failed" -eq 0 ] && [ "${IDP_KEEP:-0}" != 1 ]; then
		rm -rf "$IDP_ROOT"
	else
		echo "# kept: $IDP_ROOT"
	fi
	IDP_ROOT=
	return 0
}

# db5.3_dump -p of every database file into DIR; sets DUMPED, DUMP_BAD.
db_dump_all() {
	local f b dbdir=$IDPROVER_VAR/db
	DUMPED=0
	DUMP_BAD=
	mkdir -p "$1"
	if [ "${IDP_STORE:-bdb}" = pg ]; then	# every table; the outbox's
		# waiting rows as " row" lines, like db5.3_dump -p's data
		"$PG_BIN/pg_dump" -a -h "$PG_DIR" -p "$PG_PORT" -U postgres \
		    "$(idp_pg_db)" > "$1/all.db.txt" 2>&1 &&
		psql_do "$(idp_pg_db)" "SELECT * FROM sms_outbox WHERE \
		    state = 0" | sed 's/^/ /' > "$1/outbox.db.txt" &&
		DUMPED=1 || DUMP_BAD=" pg_dump"
		return
	fi
	for f in "$dbdir"/*.db; do
		[ -f "$f" ] || continue
		b=$(basename "$f")
		if db5.3_dump -p -h "$dbdir" "$b" > "$1/$b.txt" 2>&1; then
			DUMPED=$((DUMPED + 1))
		else
			DUMP_BAD="$DUMP_BAD $b"
		fi
	done
}

# Part 8: no code in the logs (lighttpd's, with the programs' stderr, and
# idprover-admin's output) nor in the Berkeley DB files (db5.3_dump -p;
# the transaction logs and regions byte for byte).
no_code_anywhere() {
	local codes=$1 re f name hits="" dbdir=$IDPROVER_VAR/db logs=()
	if [ -z "$codes" ]; then
		ok 1 "$INST: at least one SMS code was recorded to look for"
		return
	fi
	re="(?<![0-9])($(printf '%s\n' "$codes" | paste -sd'|'))(?![0-9])"
	for f in "$IDP_RUN"/*.log "$IDP_RUN"/lighttpd.out "$IDP_ROOT"/*.out; do
		[ -f "$f" ] && logs+=("$f")
	done
	[ "${#logs[@]}" -gt 0 ] &&
		hits=$(grep -aPHno "$re" "${logs[@]}" | head -n 5)
	name="$INST: no code sent ($(printf '%s\n' "$codes" | wc -l)) is in"
	name="$name $(basename -a "${logs[@]}" | paste -sd' ')"
	ok "$([ -z "$hits" ] && echo 0 || echo 1)" "$name" "$hits"

	db_dump_all "$IDP_ROOT/dump"
	ok "$([ "$DUMPED" -gt 0 ] && [ -z "$DUMP_BAD" ] && echo 0 || echo 1)" \
	    "$INST: db5.3_dump -p reads the $DUMPED database files" \
	    "failed:$DUMP_BAD"
	# dump-queued: taken while a message waited in the outbox.
	hits=$(grep -aPHno "$re" "$IDP_ROOT"/dump*/*.txt 2>/dev/null |
	    head -n 5)
	name="$INST: no code in clear in the database dumps"
	[ -d "$IDP_ROOT/dump-queued" ] &&
		name="$name, also those taken while the SMS was queued"
	ok "$([ -z "$hits" ] && echo 0 || echo 1)" "$name" "$hits"
	if [ "${IDP_STORE:-bdb}" = pg ]; then	# the write-ahead log
		hits=$(grep -aPlo "$re" "$PG_DIR"/data/pg_wal/0* 2>/dev/null |
		    head -n 5)
	else
		hits=$(grep -aPlo "$re" "$dbdir"/log.* "$dbdir"/__db.* \
		    2>/dev/null | head -n 5)
	fi
	ok "$([ -z "$hits" ] && echo 0 || echo 1)" \
	    "$INST: no code in the database logs and regions" "$hits"
}

# ------------------------------------------------------- idprover-admin

# Sets STATS_OUT, STATS_RC and QUEUED (queued messages; empty when the
# output shows no such count).
admin_stats() {
	STATS_OUT=$(timeout 20 "$ADMIN" stats 2>&1)
	STATS_RC=$?
	printf '%s\n' "$STATS_OUT" >> "$IDP_ROOT/admin-stats.out"
	QUEUED=$(printf '%s\n' "$STATS_OUT" |
	    grep -oiE '[0-9]+[[:space:]]+queued|queued[^0-9]{0,20}[0-9]+' |
	    head -n 1 | grep -oE '[0-9]+')
}

# The message waits: stats counts it, and the outbox database holds it
# (dumped now, searched for the code once it is known).
queued_check() {	# label
	admin_stats
	ok "$([ "$STATS_RC" -eq 0 ] && [ "${QUEUED:-0}" -ge 1 ] && echo 0 ||
	    echo 1)" "$1: idprover-admin stats shows the message queued" \
	    "command:  idprover-admin stats
expected: exit 0 and a queued count >= 1
got:      exit $STATS_RC: $STATS_OUT"
	db_dump_all "$IDP_ROOT/dump-queued"
	ok "$([ -z "$DUMP_BAD" ] && grep -q '^ ' \
	    "$IDP_ROOT/dump-queued/outbox.db.txt" 2>/dev/null && echo 0 ||
	    echo 1)" "$1: the outbox database holds the waiting message" \
	    "db5.3_dump -p outbox.db (failed:$DUMP_BAD):
$(head -c 600 "$IDP_ROOT/dump-queued/outbox.db.txt" 2>/dev/null)"
}

# Sets FLUSH_OUT, FLUSH_RC and DELIVERED.
admin_flush() {
	FLUSH_OUT=$(timeout 20 "$ADMIN" sms-flush 2>&1)
	FLUSH_RC=$?
	printf '%s\n' "$FLUSH_OUT" >> "$IDP_ROOT/admin-flush.out"
	DELIVERED=$(printf '%s\n' "$FLUSH_OUT" |
	    sed -n 's/.*sms-flush: \([0-9][0-9]*\) delivered.*/\1/p' | head -n 1)
}

# Flush until something is delivered, for at most $1 seconds: a failed
# send backs off a few seconds before it is due again.
flush_until_delivered() {
	local end=$((SECONDS + $1))
	FLUSH_LOG=
	while :; do
		admin_flush
		FLUSH_LOG="$FLUSH_LOG$FLUSH_OUT (exit $FLUSH_RC)"$'\n'
		[ "${DELIVERED:-0}" -gt 0 ] && break
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.5
	done
}

# The "delivered once, then nothing" checks after an outage.
# flush_checks LABEL NUMBER COUNT-COMMAND...
flush_checks() {
	local label=$1 num=$2 c
	shift 2
	flush_until_delivered 10
	c=$("$@")
	ok "$([ "${DELIVERED:-0}" -eq 1 ] && [ "$c" = 1 ] && echo 0 || echo 1)" \
	    "$label: sms-flush delivers the queued SMS, once" \
	    "command:  idprover-admin sms-flush (until it delivers, 10 s)
expected: 1 delivered; the peer has 1 message to $num
got:      the peer has $c; flush output:
$FLUSH_LOG"
	admin_flush
	sleep 0.3
	c=$("$@")
	ok "$([ "$FLUSH_RC" -eq 0 ] && [ "${DELIVERED:-x}" = 0 ] &&
	    [ "$c" = 1 ] && echo 0 || echo 1)" \
	    "$label: a second sms-flush delivers nothing" \
	    "command:  idprover-admin sms-flush
expected: exit 0, 0 delivered; the peer still has 1 message to $num
got:      exit $FLUSH_RC: $FLUSH_OUT; the peer has $c"
	admin_stats
	ok "$([ "$STATS_RC" -eq 0 ] && [ "${QUEUED:-x}" = 0 ] && echo 0 ||
	    echo 1)" "$label: idprover-admin stats shows nothing queued after" \
	    "command:  idprover-admin stats
expected: exit 0 and 0 queued
got:      exit $STATS_RC: $STATS_OUT"
}

# ------------------------------------------------------------ the groups

GROUP_PIDS=()

# Run a group in the background, its output in $W/group-NAME.
group() {	# name function
	(
		SIM_PID=
		RECV_PID=
		trap 'inst_halt; stop_pid "$SIM_PID"; stop_pid "$RECV_PID"' EXIT
		trap 'exit 1' TERM INT
		"$2"
		[ "$failed" -eq 0 ]
	) > "$W/group-$1" 2>&1 &
	GROUP_PIDS+=("$!")
}

# 1, 2, 3, 7: SMPP against tests/smsc_sim.js.
smsc() {	# METHOD PATH [BODY]
	curl -fsS --noproxy '*' --max-time 3 -X "$1" \
	    ${3:+--data-binary "$3"} "http://127.0.0.1:$SMSC_HTTP$2"
}

sim_start() {
	local i
	SMSC_PORT=$SMPP_PORT SMSC_HTTP_PORT=$SMSC_HTTP \
	    node "$IDP_TOP/tests/smsc_sim.js" >> "$W/smsc.log" 2>&1 &
	SIM_PID=$!
	for i in $(seq 1 50); do
		smsc GET /stats >/dev/null 2>&1 && return 0
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

smsc_count() { pyq count "smsc:$SMSC_HTTP" "$1"; }

group_smpp() {
	local num c src="smsc:$SMSC_HTTP" conf
	if ! sim_start; then
		ok 1 "smpp: the SMSC simulator starts" "$(tail -n 3 "$W/smsc.log")"
		return
	fi
	conf=("sms_gateway=smpp://idprover:s3cret@127.0.0.1:$SMPP_PORT?source_addr=IdpTest"
	    "sms_platform=IdpTest" "sms_timeout_ms=2000")

	# 1 and 7: the whole flow; a second {} within 60 s sends nothing.
	if inst_start smpp "${conf[@]}"; then
		py flow smpp 12025550111 --sms "$src" --resend
		skip "smpp: a resend after 60 s draws a new code" "too slow" \
		    "for CI; the resend interval is fixed at 60 s and no" \
		    "configuration key changes it"
		inst_stop "$src"
	fi

	# 3: the SMSC refuses the destination for good (ESME_RINVDSTADR).
	if inst_start reject "${conf[@]}"; then
		smsc POST /mode reject-dest >/dev/null ||
			ok 1 "reject: the SMSC takes mode reject-dest"
		py start reject 12025550333 --expect invalid-connection
		smsc POST /mode ok >/dev/null
		inst_stop "$src"
	fi

	# 2: the SMSC is down at {}; the outbox keeps the message.
	if inst_start outage "${conf[@]}"; then
		num=12025550222
		stop_pid "$SIM_PID"
		SIM_PID=
		py start outage $num --expect processing
		queued_check outage
		if sim_start; then
			c=$(smsc_count $num)
			ok "$([ "$c" = 0 ] && echo 0 || echo 1)" \
			    "outage: nothing reached the SMSC before sms-flush" \
			    "expected: 0 messages to $num
got:      $c"
			flush_checks outage $num smsc_count $num
			py finish outage --sms "$src"
		else
			ok 1 "outage: the SMSC starts again" \
			    "$(tail -n 3 "$W/smsc.log")"
		fi
		inst_stop "$src"
	fi
	stop_pid "$SIM_PID"
	SIM_PID=
}

# 4: HTTP gateway against the receiver of sms_flow.py.
recv_count() { pyq count "jsonl:$RECV_LOG" "$@"; }

group_http() {
	local i num tries c src="jsonl:$RECV_LOG" recv
	echo 202 > "$W/http.status"
	(cd "$here" && exec "$IDP_PYTHON" "$FLOW" receiver "$RECV_PORT" \
	    "$RECV_LOG" "$W/http.status") >> "$W/receiver.err" 2>&1 &
	RECV_PID=$!
	recv=http://127.0.0.1:$RECV_PORT
	for i in $(seq 1 50); do
		curl -fsS --noproxy '*' --max-time 2 -o /dev/null \
		    "$recv/ping" 2>/dev/null && break
		sleep 0.1
	done

	# GET with {to} and {text} in the URL.
	if inst_start http-get \
	    "sms_gateway=$recv/send?user=idp&to={to}&text={text}" \
	    "sms_platform=IdpTest" "sms_timeout_ms=2000"; then
		py flow http-get 12025550444 --sms "$src"
		pyq_check http-check 12025550444 "$RECV_LOG" GET
		inst_stop "$src"
	fi

	# POST with a body template; then a 503 leaves the message queued.
	if inst_start http-post \
	    "sms_gateway=$recv/post" \
	    "sms_http_body=user=idp&to={to}&text={text}" \
	    "sms_platform=IdpTest" "sms_timeout_ms=2000"; then
		py flow http-post 12025550555 --sms "$src"
		pyq_check http-check 12025550555 "$RECV_LOG" POST

		num=12025550556
		echo 503 > "$W/http.status"
		py start http-503 $num --expect processing
		tries=$(recv_count $num --all)
		c=$(recv_count $num)
		ok "$([ "$tries" = 1 ] && [ "$c" = 0 ] && echo 0 || echo 1)" \
		    "http-503: one attempt, answered 503: nothing delivered" \
		    "expected: 1 request to the receiver, 0 accepted
got:      $tries requests, $c accepted"
		queued_check http-503
		echo 202 > "$W/http.status"
		flush_checks http-503 $num recv_count $num
		py finish http-503 --sms "$src"
		inst_stop "$src"
	fi
	stop_pid "$RECV_PID"
	RECV_PID=
}

# 5: exec gateway; the scripts append "NUMBER<TAB>TEXT" to a file.
group_exec() {
	local kind got
	for kind in ok fail; do
		cat > "$W/exec-$kind.sh" <<-EOF
		#!/bin/sh
		# Test SMS gateway: appends "NUMBER<TAB>TEXT" to a file, exits $([ $kind = ok ] && echo 0 || echo 2).
		{ printf '%s\t' "\$1"; tr '\n' ' '; printf '\n'; } >> "$W/exec-$kind.out"
		echo "exec-\$\$"
		exit $([ $kind = ok ] && echo 0 || echo 2)
		EOF
		chmod 700 "$W/exec-$kind.sh"
	done

	if inst_start exec-ok \
	    "sms_gateway=exec://$W/exec-ok.sh" \
	    "sms_platform=IdpTest" "sms_timeout_ms=2000"; then
		py flow exec-ok 12025550666 --sms "tsv:$W/exec-ok.out"
		inst_stop "tsv:$W/exec-ok.out"
	fi

	if inst_start exec-fail \
	    "sms_gateway=exec://$W/exec-fail.sh" \
	    "sms_platform=IdpTest" "sms_timeout_ms=2000"; then
		py start exec-fail 12025550777 --expect invalid-connection
		got=$(cut -f1 "$W/exec-fail.out" 2>/dev/null | paste -sd' ')
		ok "$([ "$got" = 12025550777 ] && echo 0 || echo 1)" \
		    "exec-fail: the program ran once, the number as argv[1]" \
		    "expected: 12025550777
got:      '$got'"
		inst_stop "tsv:$W/exec-fail.out"
	fi
}

# 6: the limits, with the file gateway.
group_limits() {
	# Each hourly limit trips while the others are still open.
	if inst_start limits \
	    "sms_gateway=file://$W/limits-sms.log" \
	    "sms_platform=IdpTest" \
	    "limit_number_hour=2" \
	    "limit_number_day=3" \
	    "limit_account_hour=4" \
	    "limit_prefix_hour=3" \
	    "limit_global_hour=6"; then
		py limits --sms "jsonl:$W/limits-sms.log" --number-hour 2 \
		    --account-hour 4 --prefix-hour 3 --global-hour 6
		inst_stop "jsonl:$W/limits-sms.log"
	fi

	# Per number per day (set below the hourly one, or it could not trip
	# within one hour), then 20 orders to sequential numbers.
	if inst_start day-burst \
	    "sms_gateway=file://$W/burst-sms.log" \
	    "sms_platform=IdpTest" \
	    "limit_number_hour=5" \
	    "limit_number_day=2" \
	    "limit_global_hour=5"; then
		py day-burst --sms "jsonl:$W/burst-sms.log" --number-day 2 \
		    --global-hour 5 --first 1202555000 --burst 20
		inst_stop "jsonl:$W/burst-sms.log"
	fi
}

# ------------------------------------------------------------------ main

for c in node curl lighttpd db5.3_dump ss pgrep; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "Bail out! $c not found"
		exit 1
	}
done
[ -d "$IDP_TOP/tests/node_modules/smpp" ] || {
	echo "Bail out! npm package smpp missing: cd tests && npm install"
	exit 1
}
[ -x "$ADMIN" ] || { echo "Bail out! $ADMIN is not built"; exit 1; }

W=$(mktemp -d "$IDP_TOP/tests/tmp/sms_delivery.XXXX") || {
	echo "Bail out! cannot make a temp folder"
	exit 1
}
WATCHDOG=
timed_out=0

cleanup() {
	local p
	trap - EXIT INT TERM USR1
	for p in "${GROUP_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${GROUP_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	stop_pid "$WATCHDOG"
	if [ "$failed" -eq 0 ] && [ "${IDP_KEEP:-0}" != 1 ]; then
		rm -rf "$W"
	else
		echo "# kept: $W"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
trap 'timed_out=1; for p in "${GROUP_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done' USR1

# The watchdog: signals this shell after LIMIT_S seconds.
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "$LIMIT_S" &
	sp=$!
	wait "$sp" && kill -USR1 $$
) &
WATCHDOG=$!

# Loopback ports for the peers, picked before the groups start.
if ! SMPP_PORT=$(idp_free_port) || ! SMSC_HTTP=$(idp_free_port) ||
    ! RECV_PORT=$(idp_free_port); then
	echo "Bail out! no free port"
	exit 1
fi
if [ "$SMPP_PORT" = "$SMSC_HTTP" ] || [ "$SMPP_PORT" = "$RECV_PORT" ] ||
    [ "$SMSC_HTTP" = "$RECV_PORT" ]; then
	echo "Bail out! the same port twice"
	exit 1
fi
RECV_LOG=$W/http-receiver.jsonl

group smpp group_smpp
group http group_http
group exec group_exec
group limits group_limits

names=(smpp http exec limits)
rcs=()
for i in "${!GROUP_PIDS[@]}"; do
	# A signal (the watchdog) interrupts wait: wait again.
	while :; do
		wait "${GROUP_PIDS[$i]}"
		rc=$?
		running "${GROUP_PIDS[$i]}" || break
	done
	rcs[i]=$rc
done
GROUP_PIDS=()

# Number the checks, group by group.
n=0
for i in "${!names[@]}"; do
	bad=0
	while IFS= read -r line; do
		case $line in
		"ok - "*)
			n=$((n + 1))
			echo "ok $n - ${line#ok - }" ;;
		"not ok - "*)
			n=$((n + 1))
			bad=$((bad + 1))
			echo "not ok $n - ${line#not ok - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < "$W/group-${names[$i]}"
	failed=$((failed + bad))
	if [ "${rcs[$i]}" -ne 0 ] && [ "$bad" -eq 0 ]; then
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n - group ${names[$i]} ends cleanly (status ${rcs[$i]})"
	fi
done
if [ "$timed_out" -eq 1 ]; then
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - everything finished within $LIMIT_S s"
fi
echo "# done in $SECONDS s"
echo "1..$n"
[ "$failed" -eq 0 ]
