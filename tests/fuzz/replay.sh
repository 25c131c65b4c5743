#!/bin/sh
# Replay the fuzz corpora without libFuzzer: for each <bindir>/fuzz_NAME
# (built with tests/fuzz/replay.c), run tests/fuzz/corpus/NAME/ and, when
# present, the crash reproducers in tests/fuzz/crashes/NAME/ (and
# tests/fuzz/repro/NAME/). One line per target, then "N passed, M failed"
# over targets. Exits non-zero when a target failed or had no corpus.

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 bindir" >&2
	exit 2
fi
bindir=$1
fuzzdir=$(dirname "$0")

log=$(mktemp "${TMPDIR:-/tmp}/fuzz-replay.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT
trap 'rm -f "$log"; exit 130' INT TERM

pass=0
fail=0
found=0

for bin in "$bindir"/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	found=1
	target=$(basename "$bin")
	name=${target#fuzz_}
	dirs=""
	for d in corpus crashes repro; do
		if [ -d "$fuzzdir/$d/$name" ]; then
			dirs="$dirs $fuzzdir/$d/$name"
		fi
	done
	if [ ! -d "$fuzzdir/corpus/$name" ]; then
		echo "$target: FAILED (no corpus in $fuzzdir/corpus/$name)"
		fail=$((fail + 1))
		continue
	fi
	# shellcheck disable=SC2086
	"$bin" $dirs >"$log" 2>&1
	rc=$?
	n=$(sed -n 's/^replay: \([0-9][0-9]*\) inputs$/\1/p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$n" ]; then
		echo "$target: $n inputs ok"
		pass=$((pass + 1))
	else
		last=$(grep '^Running: ' "$log" | tail -n 1 | sed 's/^Running: //')
		echo "$target: FAILED (exit status $rc${last:+, on $last})"
		sed 's/^/    /' "$log" | grep -v '^    Running: ' | tail -n 40
		fail=$((fail + 1))
	fi
done

if [ "$found" -eq 0 ]; then
	echo "no fuzz_* binaries in $bindir" >&2
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
if [ "$fail" -ne 0 ]; then
	exit 1
fi
exit 0
