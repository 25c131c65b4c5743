#!/bin/sh
# Run the cmocka unit test binaries named as arguments, from the repository
# root, with VECTORS pointing at the test vectors. Prints one summary line
# per binary (and its whole output when it failed), then "N passed, M
# failed" over all test cases. Exits non-zero when anything failed.

: "${VECTORS:=tests/vectors}"
export VECTORS
CMOCKA_MESSAGE_OUTPUT=STDOUT
export CMOCKA_MESSAGE_OUTPUT

tmp=$(mktemp "${TMPDIR:-/tmp}/unit-run.XXXXXX") || exit 2
trap 'rm -f "$tmp"' EXIT
trap 'rm -f "$tmp"; exit 130' INT TERM

total_pass=0
total_fail=0
bad=0

if [ $# -eq 0 ]; then
	echo "usage: $0 test-binary ..." >&2
	exit 2
fi

for bin in "$@"; do
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "$name: not found or not executable"
		total_fail=$((total_fail + 1))
		bad=1
		continue
	fi
	"$bin" >"$tmp" 2>&1
	rc=$?
	pass=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' \
	    "$tmp" | tail -n 1)
	fail=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' \
	    "$tmp" | tail -n 1)
	pass=${pass:-0}
	fail=${fail:-0}
	note=""
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		# Died before cmocka could count (a crash or a sanitizer).
		fail=1
		note=" (exit status $rc, no cmocka summary)"
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	echo "$name: $pass passed, $fail failed$note"
	if [ "$fail" -ne 0 ]; then
		bad=1
		sed 's/^/    /' "$tmp"
	fi
done

echo "$total_pass passed, $total_fail failed"
if [ "$bad" -ne 0 ] || [ "$total_fail" -ne 0 ]; then
	exit 1
fi
exit 0
