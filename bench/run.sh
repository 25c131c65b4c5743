#!/bin/bash
# make bench: idprover under lighttpd, Pebble, and a do-nothing FastCGI
# program under the same lighttpd, side by side on this machine; medians
# of RUNS runs of SECONDS each; memory of every process idle and loaded.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/integ/lib.sh"

RUNS=${BENCH_RUNS:-3}
SECONDS_RUN=${BENCH_SECONDS:-10}
# BENCH_PEBBLE=0: idprover and the ceiling only (a before/after pair).
# BENCH_SHORT=1 (make bench-smoke): one run of 2 s per workload, to see
# that the bench still runs; its figures mean little.
if [ "${BENCH_SHORT:-0}" = 1 ]; then
	RUNS=1
	SECONDS_RUN=2
fi
WORKERS=${BENCH_WORKERS:-8}
PROCS=${BENCH_PROCS:-2}
LOAD=$IDP_BUILD/bench/load
NOTHING=$IDP_BUILD/bench/nothing
VERIFY=$IDP_BUILD/bench/verify
OUT=${BENCH_OUT:-$top/bench/last$([ "${STORE:-bdb}" = pg ] && echo -pg).txt}
# STORE=pg: the store on a PostgreSQL cluster of the bench's own (initdb
# in a private folder, a Unix socket, stopped at the end), its CPU per
# request counted beside the programs'.
STORE=${STORE:-bdb}
# With STORE=pg, the enrolment workload again on 1, 2 and 3 web nodes of
# one service (each its own lighttpd, port and run folder; one database):
# BENCH_NODES lists the node counts ("" or 0: none).
NODES=
[ "$STORE" = pg ] && NODES=${BENCH_NODES-1 2 3}
[ "$NODES" = 0 ] && NODES=

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$LOAD" ] && [ -x "$NOTHING" ] && [ -x "$VERIFY" ] || die "build first: make bench"

# CPU seconds (user+system) of a process and its children now alive.
cpu_of() {
	local p total=0 t
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$(awk '{print $14 + $15}' "/proc/$p/stat")
		total=$((total + t))
	done
	echo "$total"
}

# Each server of a space-separated list and its children.
server_pids() {
	local p
	for p in $1; do
		echo "$p $(pgrep -P "$p" | tr '\n' ' ')"
	done | tr '\n' ' '
}

# RSS PSS USS (KiB) of one process.
mem_of() {
	awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Private_(Clean|Dirty):/ {u+=$2}
	    END {printf "%d %d %d", r, p, u}' "/proc/$1/smaps_rollup" 2>/dev/null
}

mem_table() {
	local label=$1 p name
	for p in $(server_pids "$2"); do
		name=$(basename "$(tr '\0' ' ' < "/proc/$p/cmdline" | cut -d' ' -f1)")
		echo "$label $name $(mem_of "$p")"
	done
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# One timed run: prints the load line plus server CPU ticks per 1k (and,
# on PostgreSQL, the database's).
run_once() {
	local spid=$1; shift
	local c0 c1 p0=0 p1=0 line n out
	c0=$(cpu_of $(server_pids "$spid"))
	[ "$STORE" = pg ] && [ "$spid" != "${PEBBLE_PID:-}" ] &&
	    p0=$(cpu_of $(server_pids "$PG_PID"))
	out=$("$LOAD" -c "$WORKERS" -d "$SECONDS_RUN" "$@" 2>&1)
	line=$(tail -n 1 <<< "$out")
	# What failed, when something did (the first few, as load tells them).
	grep '^load: ' <<< "$out" | head -n 5 | sed 's/^/    /' >&2
	c1=$(cpu_of $(server_pids "$spid"))
	[ "$STORE" = pg ] && [ "$spid" != "${PEBBLE_PID:-}" ] &&
	    p1=$(cpu_of $(server_pids "$PG_PID"))
	n=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<< "$line")
	[ -n "$n" ] && [ "$n" -gt 0 ] || n=1
	awk -v l="$line" -v d=$((c1 - c0)) -v pd=$((p1 - p0)) -v n="$n" \
	    -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%s server_cpu_s_per_1k=%.3f db_cpu_s_per_1k=%.3f\n",
	    l, d / hz / n * 1000, pd / hz / n * 1000}'
}

# Median of RUNS runs for one server and workload: "rate p50 p99 scpu
# ccpu errors dbcpu busy" (busy: the errors that were 503 answers).
# A server pid of "pebble" starts a fresh Pebble for each run (its order
# rate decays as orders pile up in its memory).
measure() {
	local name=$1 spid=$2; shift 2
	local i l lines="" fresh=0
	[ "$spid" = pebble ] && fresh=1
	for i in $(seq 1 "$RUNS"); do
		if [ "$fresh" = 1 ]; then
			pebble_start
			spid=$PEBBLE_PID
			set -- "${@/@DIR@/$PEBBLE_DIR}"
			set -- "${@/@CA@/$PEBBLE_CA}"
		fi
		l=$(run_once "$spid" "$@")
		[ "$fresh" = 1 ] && { pebble_stop; set -- "${@/$PEBBLE_DIR/@DIR@}"; set -- "${@/$PEBBLE_CA/@CA@}"; }
		echo "  $name run $i: $l" >&2
		lines="$lines$l"$'\n'
	done
	for k in rate p50_ms p99_ms server_cpu_s_per_1k client_cpu_s_per_1k errors db_cpu_s_per_1k busy; do
		printf '%s ' "$(grep -o "$k=[0-9.]*" <<< "$lines" | cut -d= -f2 | median)"
	done
	echo
}

PEBBLE_PID=
pebble_start() {
	local d=$IDP_ROOT/pebble port i
	mkdir -p "$d"
	if [ ! -f "$d/cert.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$d/ca.key" -out "$d/ca.pem" -days 30 \
		    -subj "/CN=bench pebble CA" 2>/dev/null
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$d/key.pem" -out "$d/leaf.csr" -subj /CN=localhost 2>/dev/null
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$d/leaf.ext"
		openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		    -CAcreateserial -out "$d/cert.pem" -days 30 \
		    -extfile "$d/leaf.ext" 2>/dev/null
	fi
	port=$(idp_free_port)
	mport=$(idp_free_port)
	cat > "$d/pebble.json" <<-JSON
	{ "pebble": { "listenAddress": "127.0.0.1:$port",
	  "managementListenAddress": "127.0.0.1:$mport",
	  "certificate": "$d/cert.pem", "privateKey": "$d/key.pem",
	  "httpPort": 5002, "tlsPort": 5001, "ocspResponderURL": "",
	  "externalAccountBindingRequired": false } }
	JSON
	PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config "$d/pebble.json" \
	    > "$d/pebble.log" 2>&1 &
	PEBBLE_PID=$!
	PEBBLE_DIR=https://127.0.0.1:$port/dir
	PEBBLE_CA=$d/ca.pem
	for i in $(seq 1 100); do
		curl -fsS -o /dev/null --cacert "$PEBBLE_CA" "$PEBBLE_DIR" 2>/dev/null && return 0
		sleep 0.1
	done
	die "pebble did not start"
}

pebble_stop() {
	[ -n "$PEBBLE_PID" ] && kill "$PEBBLE_PID" 2>/dev/null
	wait "$PEBBLE_PID" 2>/dev/null
	PEBBLE_PID=
}

pg_own=
node_pids=
cleanup() {
	local p
	pebble_stop
	for p in $node_pids; do idp_node_stop "$p"; done
	idp_cleanup
	[ -n "$pg_own" ] && { pg_stop; rm -rf "$pg_own"; }
}
trap cleanup EXIT
trap "exit 1" INT TERM

# The service, with limits out of the way, and the ceiling beside it.
conf=$(mktemp)
cat > "$conf" <<'JSON'
{ "limit_number_hour": 1000000, "limit_number_day": 1000000,
  "limit_account_hour": 100000000, "limit_prefix_hour": 100000000,
  "limit_global_hour": 100000000, "limit_orders_hour": 100000000,
  "limit_account_day": 100000000, "limit_new_accounts_addr_hour": 1000000,
  "limit_new_accounts_addr_day": 1000000, "limit_new_accounts_hour": 100000000 }
JSON
export IDPROVER_CONF=$conf IDPROVER_MAX_PROCS=$PROCS
if [ "$STORE" = pg ]; then
	. "$top/tests/integ/pg.sh"
	pg_own=$(mktemp -d "$top/tests/tmp/.pgbench.XXXXXX") || die "mktemp"
	pg_start "$pg_own" || die "cannot start PostgreSQL"
	export IDP_STORE=pg
fi
idp_setup bench || die "setup failed"
# The ceiling goes before the catch-all "/" entry (the first match wins).
nothing="	\"/nothing\" => (( \"socket\" => \"$IDP_RUN/nothing.sock\", \"bin-path\" => \"$NOTHING\", \"max-procs\" => $PROCS, \"check-local\" => \"disable\" )),"
awk -v line="$nothing" '/^[ \t]*"\/" *=>/ && !done {print line; done=1} {print}' \
    "$IDP_CONF" > "$IDP_CONF.new" && mv "$IDP_CONF.new" "$IDP_CONF"
grep -q '"/nothing"' "$IDP_CONF" || die "cannot add the ceiling program"
idp_start || die "idprover did not start"
CEIL_URL=https://localhost:$IDP_PORT/nothing
sleep 1
{
echo "## machine"
echo "cores: $(nproc); cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "disk: $(df -h "$IDP_ROOT" | awk 'NR==2 {print $1, $2}')"
echo "runs: median of $RUNS x ${SECONDS_RUN}s, $WORKERS client workers, $PROCS FastCGI processes per program; store: $STORE"
echo
echo "## the signature check alone (bench/verify; CPU us per operation)"
"$VERIFY" "$([ "${BENCH_SHORT:-0}" = 1 ] && echo 200 || echo 2000)" | tee "$IDP_ROOT/verify.txt"
echo
echo "## memory idle (KiB: rss pss uss)"
mem_table idle "$IDP_LIGHTTPD_PID" | tee "$IDP_ROOT/mem-idle.txt"
# The whole idle service as deployed by default: lighttpd and one
# process per program (the bench itself runs more, and the ceiling).
awk '$2 == "nothing" || seen[$2]++ {next} {pss += $4; if ($2 != "lighttpd" && $5 > m) m = $5}
    END {printf "idle service, lighttpd + one process per program: %.1f MiB PSS; largest worker USS %.2f MiB\n", pss / 1024, m / 1024}' \
    "$IDP_ROOT/mem-idle.txt"
# As make run starts it: a second process for the four programs whose
# answers wait for a durable commit (IDPROVER_COMMIT_PROCS).
awk '$2 == "nothing" {next} {n[$2]++}
    n[$2] == 1 || (n[$2] == 2 && $2 ~ /^(new-account|new-order|challenge|finalize)$/) {pss += $4}
    END {printf "idle service as make run starts it (2 processes for new-account, new-order, challenge, finalize): %.1f MiB PSS\n", pss / 1024}' \
    "$IDP_ROOT/mem-idle.txt"
awk -v p="$PROCS" '$2 == "nothing" {next} {pss += $4}
    END {printf "idle service as run here, lighttpd + %d processes per program: %.1f MiB PSS\n", p, pss / 1024}' \
    "$IDP_ROOT/mem-idle.txt"
} | tee "$OUT"

declare -A R
R[ceiling]=$(measure ceiling "$IDP_LIGHTTPD_PID" -w nonce -n 400000 -u "$CEIL_URL" -C "$IDP_TLS_CA" -D "$IDP_DIRECTORY_URL")
R[nonce]=$(measure nonce "$IDP_LIGHTTPD_PID" -w nonce -n 400000 -C "$IDP_TLS_CA" -D "$IDP_DIRECTORY_URL")
R[account]=$(measure account "$IDP_LIGHTTPD_PID" -w account -n 8000 -C "$IDP_TLS_CA" -D "$IDP_DIRECTORY_URL")
R[order]=$(measure order "$IDP_LIGHTTPD_PID" -w order -C "$IDP_TLS_CA" -D "$IDP_DIRECTORY_URL")
( sleep $((SECONDS_RUN / 2)); mem_table load "$IDP_LIGHTTPD_PID" > "$IDP_ROOT/mem-load.txt" ) &
sampler=$!
R[enroll]=$(measure enroll "$IDP_LIGHTTPD_PID" -w enroll -n 4000 -C "$IDP_TLS_CA" -D "$IDP_DIRECTORY_URL" -s "$IDP_SMS_LOG")
wait "$sampler"

# Enrolments on 1, 2 and 3 nodes: the client sends each request of an
# enrolment to the next node; server CPU counts every node's lighttpd and
# programs, PostgreSQL's beside it.
origin=${IDP_DIRECTORY_URL%/"${IDP_DIRECTORY_URL#https://*/}"}
origins=$origin
servers=$IDP_LIGHTTPD_PID
have=1
for k in $NODES; do
	while [ "$have" -lt "$k" ]; do
		have=$((have + 1))
		idp_node_start "n$have" || die "node $have did not start"
		node_pids="$node_pids $IDP_NODE_PID"
		servers="$servers $IDP_NODE_PID"
		origins="$origins,https://localhost:$IDP_NODE_PORT"
	done
	sleep 1
	R[nodes_$k]=$(measure "enroll, $k node(s)" "$servers" -w enroll -n 4000 \
	    -C "$IDP_TLS_CA" -D "$IDP_DIRECTORY_URL" -s "$IDP_SMS_LOG" \
	    -N "$(echo "$origins" | cut -d, -f1-"$k")")
done
for p in $node_pids; do idp_node_stop "$p"; done
node_pids=
idp_stop

for w in nonce account order; do
	[ "${BENCH_PEBBLE:-1}" = 0 ] && continue
	args="-w $w -C @CA@ -D @DIR@ -i dns"
	[ "$w" = account ] && args="$args -n 8000"
	[ "$w" = nonce ] && args="$args -n 400000"
	R[pebble_$w]=$(measure "pebble $w" pebble $args)
done

# Server CPU per request (ms), split: the hop (TLS in lighttpd, FastCGI,
# a reply: the ceiling's CPU per request), the signature check (ES256 as
# jwsverify.c does it, openssl_ec, timed alone by bench/verify in this
# sitting; for new-account with the key's import, openssl_params, an
# upper bound; 6 signed requests per enrolment)
# and the rest (JSON, JWK, store, commit, the handler), by subtraction.
split_table() {
	local v imp hop w sigs n cpu
	v=$(awk '$1 == "ES256" {print $8}' "$IDP_ROOT/verify.txt")
	imp=$(awk '$1 == "ES256" {print $7}' "$IDP_ROOT/verify.txt")
	hop=$(echo ${R[ceiling]} | cut -d' ' -f4)
	echo "## server CPU per request, split (ms; enroll: per request of an enrolment)"
	printf '%-16s %10s %10s %10s %10s\n' workload srv_cpu hop signature rest
	for w in nonce account order enroll; do
		set -- ${R[$w]}
		cpu=$4
		case $w in
		nonce) sigs=0; n=1 ;;
		account) sigs=1; n=1 ;;
		order) sigs=1; n=1 ;;
		enroll) sigs=6; n=7 ;;
		esac
		awk -v w="$w" -v c="$cpu" -v h="$hop" -v v="$v" -v i="$imp" \
		    -v s="$sigs" -v n="$n" 'BEGIN {
			c /= n; sig = s / n * v / 1000
			if (w == "account") sig += i / 1000
			printf "%-16s %10.3f %10.3f %10.3f %10.3f\n", w, c, h,
			    sig, c - h - sig }'
	done
}

# A run that served nothing, or failed otherwise than by a 503 with
# Retry-After, fails the bench (make bench-smoke checks that it still
# runs, never its speed). A 503 is the service's answer to a request that
# lost its race for a hot row after all its retries (a client waits and
# sends it again): counted and shown, not a failure of the bench.
check_ran() {
	local w bad=0
	for w in ceiling nonce account order enroll pebble_nonce pebble_account pebble_order \
	    $(for k in $NODES; do echo "nodes_$k"; done); do
		[ "${BENCH_PEBBLE:-1}" = 0 ] && [ "${w#pebble_}" != "$w" ] && continue
		set -- ${R[$w]}
		if [ -z "${1:-}" ] || ! awk -v r="$1" 'BEGIN {exit !(r > 0)}' ||
		    [ "${6:-1}" != "${8:-0}" ]; then
			echo "bench: workload $w: rate ${1:-none}, errors ${6:-?} (503: ${8:-?})" >&2
			bad=1
		fi
	done
	return $bad
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
{
echo
echo "## memory under load (enrolment; KiB: rss pss uss)"
cat "$IDP_ROOT/mem-load.txt"
echo
echo "## throughput (median of $RUNS)"
printf '%-16s %10s %8s %8s %12s %12s %8s %10s %10s\n' workload "req/s" p50_ms p99_ms srv_cpu/1k cli_cpu/1k errors vs_pebble vs_ceiling
for w in ceiling nonce account order enroll pebble_nonce pebble_account pebble_order; do
	[ -n "${R[$w]:-}" ] || continue
	set -- ${R[$w]}
	base=${w#pebble_}
	pr=-
	cr=-
	case $w in
	nonce|account|order) pr=$(ratio "$1" "$(echo ${R[pebble_$w]:-} | cut -d' ' -f1)") ;;
	esac
	case $w in
	ceiling|pebble_*) ;;
	*) cr=$(ratio "$1" "$(echo ${R[ceiling]} | cut -d' ' -f1)") ;;
	esac
	printf '%-16s %10s %8s %8s %12s %12s %8s %10s %10s\n' "$w" "$1" "$2" "$3" "$4" "$5" "$6" "$pr" "$cr"
done
echo "(enroll counts whole enrolments: 7 requests each)"
busy=
for w in ceiling nonce account order enroll pebble_nonce pebble_account pebble_order \
    $(for k in $NODES; do echo "nodes_$k"; done); do
	[ -n "${R[$w]:-}" ] || continue
	set -- ${R[$w]}
	[ "${8:-0}" != 0 ] && busy="$busy $w ${8}"
done
[ -n "$busy" ] && echo "(errors that were 503 with Retry-After, a lost race after all retries:$busy)"
if [ "$STORE" = pg ]; then
	echo
	echo "## PostgreSQL's CPU per 1k requests (s), beside the programs' (srv_cpu/1k)"
	for w in nonce account order enroll; do
		set -- ${R[$w]}
		printf '%-16s %12s\n' "$w" "${7:--}"
	done
fi
if [ -n "$NODES" ]; then
	echo
	echo "## enrolments on several web nodes (one PostgreSQL; each request of an enrolment to the next node; median of $RUNS)"
	echo "(server CPU per enrolment in ms: programs = every node's lighttpd and FastCGI programs; postgres = its backends)"
	printf '%-6s %12s %8s %8s %14s %14s %8s %8s\n' nodes "enrol/s" p50_ms p99_ms programs_ms postgres_ms errors "of_which_503"
	for k in $NODES; do
		set -- ${R[nodes_$k]}
		printf '%-6s %12s %8s %8s %14s %14s %8s %8s\n' "$k" "$1" "$2" "$3" "$4" "${7:--}" "$6" "${8:-0}"
	done
fi
echo
split_table
} | tee -a "$OUT"
rm -f "$conf"
check_ran
