#!/bin/sh
# Fuzz every target for <seconds> each with libFuzzer. Builds lib/*.c and
# each tests/fuzz/fuzz_NAME.c with clang -fsanitize=fuzzer,address,undefined
# into build-fuzz/ (a lib file a target #includes is left out of its link),
# runs it on a copy of tests/fuzz/corpus/NAME/ with -max_len=65536, saves
# crashes into tests/fuzz/crashes/NAME/, and prints the executions of each
# target (libFuzzer's final stats), then "N passed, M failed" over targets.
# Run from the repository root. CC defaults to clang.

if [ $# -ne 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
	echo "usage: $0 seconds" >&2
	exit 2
fi
secs=$1
cc=${FUZZ_CC:-clang}
out=build-fuzz
pkgs="fcgi gnutls json-c libtasn1 libcurl libsmpp34"

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "$0: $cc not found" >&2
	exit 2
fi
pkgcflags=$(pkg-config --cflags $pkgs) || exit 2
pkglibs=$(pkg-config --libs $pkgs) || exit 2
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra $(for d in lib/*/; do printf -- "-I%s " "${d%/}"; done) $pkgcflags
    -DTEMPLATE_DIR=\"/usr/local/share/idprover/templates\"
    -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
san="address,undefined"

mkdir -p "$out/lib" "$out/corpus" || exit 2
# Build output and working corpora are never part of the tree.
[ -f "$out/.gitignore" ] || echo '*' >"$out/.gitignore"

# The library, instrumented for coverage but without libFuzzer's main.
echo "building lib/*/*.c"
for src in lib/*/*.c; do
	obj="$out/lib/$(basename "$src" .c).o"
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
	    [ -n "$(find lib -name '*.h' -newer "$obj" 2>/dev/null)" ]; then
		# shellcheck disable=SC2086
		"$cc" $cflags -fsanitize=fuzzer-no-link,$san -c -o "$obj" \
		    "$src" || exit 1
	fi
done

pass=0
fail=0
total=0

for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	target=$(basename "$src" .c)
	name=${target#fuzz_}
	bin="$out/$target"
	log="$out/$target.log"

	# Objects of lib files the target includes itself are left out.
	incl=$(sed -n 's|^#include[ 	]*"\.\./\.\./lib/[a-z]*/\([A-Za-z0-9_]*\)\.c".*|\1|p' \
	    "$src")
	objs=""
	for o in "$out"/lib/*.o; do
		b=$(basename "$o" .o)
		skip=0
		for i in $incl; do
			[ "$b" = "$i" ] && skip=1
		done
		[ "$skip" -eq 0 ] && objs="$objs $o"
	done
	# shellcheck disable=SC2086
	if ! "$cc" $cflags -fsanitize=fuzzer,$san -o "$bin" "$src" $objs \
	    $pkglibs -ldb-5.3 >"$log" 2>&1; then
		echo "$target: FAILED (does not build, see $log)"
		sed 's/^/    /' "$log" | tail -n 20
		fail=$((fail + 1))
		continue
	fi

	work="$out/corpus/$name"
	rm -rf "$work"
	mkdir -p "$work" "tests/fuzz/crashes/$name" || exit 2
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -p "tests/fuzz/corpus/$name"/* "$work"/ 2>/dev/null
	fi
	"$bin" -max_total_time="$secs" -max_len=65536 -timeout=25 \
	    -print_final_stats=1 -artifact_prefix="tests/fuzz/crashes/$name/" \
	    "$work" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' \
	    "$log" | tail -n 1)
	execs=${execs:-0}
	total=$((total + execs))
	if [ "$rc" -eq 0 ]; then
		echo "$target: $execs executions, ok"
		pass=$((pass + 1))
	else
		saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
		    tail -n 1)
		echo "$target: $execs executions, FAILED (exit status $rc${saved:+, saved $saved}; log $log)"
		grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$log" |
		    head -n 5 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done

# Do not leave empty crash directories behind.
rmdir tests/fuzz/crashes/* 2>/dev/null
rmdir tests/fuzz/crashes 2>/dev/null

echo "$total executions in all"
echo "$pass passed, $fail failed"
if [ "$fail" -ne 0 ]; then
	exit 1
fi
exit 0
