#!/bin/bash
# Crash safety: a FastCGI worker killed with SIGKILL in the middle of a write
# transaction leaves nothing for an operator to repair. The next request
# succeeds, every database file verifies, committed accounts still answer,
# and the killed transaction left no trace. Three rounds.
#
# Runs under tests/integ/run.sh, which starts the server with
# IDPROVER_CRASH_HOOK=$IDP_ROOT/crash-hook: while that file exists, a
# durable write transaction waits just before commit.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for v in IDP_ROOT IDP_LIGHTTPD_PID IDPROVER_VAR IDPROVER_CRASH_HOOK; do
	if [ -z "${!v:-}" ]; then
		echo "run through tests/integ/run.sh ($v is not set)" >&2
		exit 2
	fi
done


py() { "$IDP_PYTHON" "$here/acmetest.py" "$@"; }

work=$IDP_ROOT/crash
mkdir -p "$work"
hook=$IDPROVER_CRASH_HOOK
rm -f "$hook"
dbdir=$IDPROVER_VAR/db

# The database files of the environment (not its regions or logs).
db_files() {
	local f b
	for f in "$dbdir"/*; do
		[ -f "$f" ] || continue
		b=$(basename "$f")
		case $b in
		__db.*|log.*|DB_CONFIG|*.lck) continue ;;
		esac
		echo "$b"
	done
}

verify_dbs() {	# label
	local f out all=0 msg="" count=0
	if [ "${IDP_STORE:-bdb}" = pg ]; then	# B-tree and heap checks
		out=$("$PG_BIN/pg_amcheck" -h "$PG_DIR" -p "$PG_PORT" \
		    -U postgres --install-missing --heapallindexed \
		    "$(idp_pg_db)" 2>&1)
		ok $? "$1: pg_amcheck passes on the database" "$out"
		return
	fi
	for f in $(db_files); do
		count=$((count + 1))
		if ! out=$(db5.3_verify -h "$dbdir" "$f" 2>&1); then
			all=1
			msg="$msg$f: $out"$'\n'
		fi
	done
	[ $count -gt 0 ] || { all=1; msg="no database files in $dbdir"; }
	ok $all "$1: db5.3_verify passes on all $count database files" "$msg"
}

# Sleeping in the crash hook (nanosleep), not waiting in accept().
is_paused() {
	local sc wc
	sc=$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)
	wc=$(cat "/proc/$1/wchan" 2>/dev/null)
	case $sc in
	35|230) return 0 ;;	# x86_64 nanosleep, clock_nanosleep
	esac
	case $wc in
	*nanosleep*) return 0 ;;
	esac
	return 1
}

# Committed accounts: "keyfile account-url" lines.
committed=$work/committed
: > "$committed"

new_account() {	# keyfile label
	local out rc
	out=$(py account-new "$1" 2>&1)
	rc=$?
	ok $rc "$2: newAccount 201" "$out"
	[ $rc -eq 0 ] && echo "$1 ${out#* }" >> "$committed"
	return $rc
}

check_committed() {	# label
	local key url out bad=0 msg="" count=0
	while read -r key url; do
		count=$((count + 1))
		out=$(py account-lookup "$key" 2>&1)
		if [ "$out" != "200 $url" ]; then
			bad=1
			msg="$msg$(basename "$key"): $out (expected 200 $url)"$'\n'
		fi
	done < "$committed"
	ok $bad "$1: all $count committed accounts found by key (200)" "$msg"
	bad=0
	msg=""
	while read -r key url; do
		out=$(py account-get "$key" "$url" 2>&1)
		if [ "$out" != "200 valid" ]; then
			bad=1
			msg="$msg$url: $out"$'\n'
		fi
	done < "$committed"
	ok $bad "$1: all committed accounts answer kid-signed requests" "$msg"
}

for i in 1 2 3; do
	new_account "$work/before-$i.pem" "setup account $i"
done
verify_dbs "before any crash"

for round in 1 2 3; do
	killed_key=$work/killed-$round.pem
	before=$(idp_worker_pids new-account | tr '\n' ' ')
	py account-new "$killed_key" --hook "$hook" > "$work/killed-$round.out" \
	    2>&1 &
	client=$!

	# Wait for the new-account worker to sit in the hook.
	target=""
	for t in $(seq 1 150); do
		for w in $(idp_worker_pids new-account); do
			if is_paused "$w"; then
				sleep 0.2
				is_paused "$w" && target=$w
			fi
		done
		[ -n "$target" ] && break
		kill -0 "$client" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$target" ]; then
		rm -f "$hook"
		wait "$client"
		ok 1 "round $round: a new-account worker paused in the hook" \
		    "workers: $(idp_worker_pids new-account | tr '\n' ' ')
client: $(cat "$work/killed-$round.out")"
		continue
	fi
	ok 0 "round $round: new-account worker $target paused before commit"
	kill -KILL "$target"
	rm -f "$hook"
	wait "$client"
	out=$(cat "$work/killed-$round.out")
	case $out in
	201\ *) ok 1 "round $round: the killed request was not acknowledged" \
	    "$out" ;;
	*) ok 0 "round $round: the killed request was not acknowledged ($out)" ;;
	esac
	gone=1
	for t in $(seq 1 30); do
		if ! kill -0 "$target" 2>/dev/null ||
		    grep -q '^[0-9]* ([^)]*) Z' "/proc/$target/stat" 2>/dev/null
		then
			gone=0
			break
		fi
		sleep 0.1
	done
	ok $gone "round $round: worker $target is gone"

	# No manual recovery: the very next requests must succeed.
	code=$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' \
	    --cacert "$IDP_TLS_CA" "$IDP_DIRECTORY_URL")
	[ "$code" = 200 ]
	ok $? "round $round: the directory answers 200 (got $code)"
	new_account "$work/after-$round.pem" "round $round: next request"
	after=$(idp_worker_pids new-account | tr '\n' ' ')
	echo "# new-account workers before: $before after: $after"

	out=$(py account-lookup "$killed_key" 2>&1)
	case $out in
	"400 accountDoesNotExist") ok 0 "round $round: the killed" \
	    "transaction left no account" ;;
	*) ok 1 "round $round: the killed transaction left no account" \
	    "onlyReturnExisting with its key: $out" ;;
	esac
	verify_dbs "round $round"
	check_committed "round $round"
done

out=$(py account-new "$work/final.pem" 2>&1)
ok $? "after three crashes: newAccount 201" "$out"

if grep -qi 'panic\|DB_RUNRECOVERY\|run database recovery' \
    "$IDP_RUN/error.log" 2>/dev/null; then
	echo "# error.log mentions recovery:"
	grep -i 'panic\|DB_RUNRECOVERY\|run database recovery' \
	    "$IDP_RUN/error.log" | tail -n 5 | sed 's/^/#   /'
fi

echo "1..$n"
[ $failed -eq 0 ] || { echo "# $failed of $n checks failed"; exit 1; }
exit 0
