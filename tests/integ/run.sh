#!/bin/bash
# idprover integration tests: every tests/integ/test_*.py and test_*.sh runs
# against its own fresh server (lighttpd + the built FastCGI programs, on a
# free loopback port, with a private data folder under tests/tmp/).
#
# Usage: tests/integ/run.sh [test_file ...]
# Environment: IDP_VERBOSE=1 streams each test's output;
#              IDP_KEEP=1 keeps every temp root (failed ones are always kept);
#              IDP_BUILD (default build/).
# Runs under bash; `sh tests/integ/run.sh` re-executes itself with bash.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
IDP_TOP=$(cd "$here/../.." && pwd)
export IDP_TOP
. "$here/lib.sh"

missing=""
for t in lighttpd curl openssl ss pgrep "$IDP_PYTHON"; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x "$IDP_BUILD/tools/idprover-admin" ] ||
	missing="$missing $IDP_BUILD/tools/idprover-admin"
[ -x "$IDP_BUILD/cgi-bin/directory" ] ||
	missing="$missing $IDP_BUILD/cgi-bin/directory"
if [ -n "$missing" ]; then
	echo "integration tests cannot run; missing:$missing" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

if [ $# -gt 0 ]; then
	files=()
	for f in "$@"; do
		case $f in
		*/*) files+=("$f") ;;
		*) files+=("$here/$f") ;;
		esac
	done
else
	shopt -s nullglob
	files=("$here"/test_*.py "$here"/test_*.sh)
fi

mkdir -p "$IDP_TOP/tests/tmp"
# IDP_STORE=pg: one PostgreSQL for the run, a database per test file.
if [ "${IDP_STORE:-bdb}" = pg ] && [ -z "${PG_DIR:-}" ]; then
	pgdir=$(mktemp -d "$IDP_TOP/tests/tmp/.pg.XXXXXX") || exit 2
	pg_start "$pgdir" || { echo "0 passed, 1 failed"; exit 1; }
	trap 'pg_stop; rm -rf "$pgdir"' EXIT
	echo "# store: PostgreSQL in $pgdir"
fi
pass=0
fail=0
failed_names=()

# One test file against a fresh server, in a subshell so that its server is
# stopped by the trap whatever happens.
run_one() {
	local f=$1 name log rc=0 st
	name=$(basename "$f")
	idp_setup "$name" || return 99
	log=$IDP_ROOT/test.log
	trap 'idp_stop' EXIT
	trap 'idp_stop; exit 130' INT TERM
	idp_start || { echo "(server did not start; see $IDP_ROOT)"; return 98; }
	case $f in
	*.py) cmd=("$IDP_PYTHON" -u "$f") ;;
	*) cmd=(bash "$f") ;;
	esac
	if [ "${IDP_VERBOSE:-0}" = 1 ]; then
		(cd "$here" && PYTHONPATH=$here timeout 900 "${cmd[@]}") 2>&1 |
		    tee "$log"
		rc=${PIPESTATUS[0]}
	else
		(cd "$here" && PYTHONPATH=$here timeout 900 "${cmd[@]}") \
		    > "$log" 2>&1
		rc=$?
	fi
	idp_stop
	trap - EXIT INT TERM
	st=$(grep -c '^ok ' "$log")
	echo "checks: $st ok, $(grep -c '^not ok ' "$log") not ok"
	if [ $rc -ne 0 ]; then
		[ "${IDP_VERBOSE:-0}" = 1 ] || grep -A12 '^not ok ' "$log" |
		    grep -E '^(not ok |#   |--$)' | head -n 200
		[ $rc -eq 124 ] && echo "(timed out)"
		echo "(kept: $IDP_ROOT)"
		return $rc
	fi
	if [ "${IDP_KEEP:-0}" != 1 ]; then
		# Short run folders of Apache's (apache.sh), linked from here.
		find "$IDP_ROOT" -maxdepth 2 -type l -name run \
		    -lname '/tmp/idpa.*' -exec readlink {} \; |
		    while read -r d; do rm -rf "$d"; done
		rm -rf "$IDP_ROOT"
	fi
	return 0
}

# Report one finished test file from its saved output and status.
report() {
	local name=$1 out=$2 rc=$3
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name ($(echo "$out" | sed -n 's/^checks: //p' |
		    tail -n 1))"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		echo "$out" | grep -v '^checks: ' | sed 's/^/    /'
		echo "    $(echo "$out" | sed -n 's/^checks: //p' | tail -n 1)"
		fail=$((fail + 1))
		failed_names+=("$name")
	fi
}

# Files that load the machine on their own (or time things) run alone,
# after the others.
serial=" test_crash_load.sh test_valgrind.sh test_resend.sh test_multinode.sh "
jobs=${IDP_JOBS:-3}
[ "${IDP_VERBOSE:-0}" = 1 ] && jobs=1
outdir=$(mktemp -d "$IDP_TOP/tests/tmp/.run.XXXXXX") || exit 2
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$outdir"; exit 130' INT TERM

# Start one file in the background, its output and status kept apart.
launch() {
	local f=$1 k=$2
	( (run_one "$f") >"$outdir/$k.out" 2>&1; echo $? >"$outdir/$k.rc" ) &
}

parallel=()
alone=()
for f in "${files[@]}"; do
	case $serial in
	*" $(basename "$f") "*) alone+=("$f") ;;
	*) parallel+=("$f") ;;
	esac
done
k=0
for f in "${parallel[@]}" "${alone[@]}"; do
	k=$((k + 1))
	if [ ! -f "$f" ]; then
		echo 1 >"$outdir/$k.rc"
		echo "no such file" >"$outdir/$k.out"
		continue
	fi
	if [ "${IDP_VERBOSE:-0}" = 1 ]; then
		echo "== $(basename "$f")"
		(run_one "$f") 2>&1 | tee "$outdir/$k.out"
		echo "${PIPESTATUS[0]}" >"$outdir/$k.rc"
		continue
	fi
	if [ $k -gt ${#parallel[@]} ]; then
		wait	# the lone ones: after everything else
		( (run_one "$f") >"$outdir/$k.out" 2>&1; echo $? >"$outdir/$k.rc" )
		continue
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	launch "$f" "$k"
done
wait
k=0
for f in "${parallel[@]}" "${alone[@]}"; do
	k=$((k + 1))
	report "$(basename "$f")" "$(cat "$outdir/$k.out")" \
	    "$(cat "$outdir/$k.rc" 2>/dev/null || echo 1)"
done
rm -rf "$outdir"

[ $fail -eq 0 ] || echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
