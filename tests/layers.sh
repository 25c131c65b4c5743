#!/bin/sh
# The house rules of lib/, checked on the built archives and programs:
#  1. layers: every symbol a layer's archive takes from another layer's
#     archive comes from a layer it may see (below it; SEE_* in the
#     Makefile, passed here as layer=below,below,...), and the "may see"
#     relation itself has no cycle;
#  2. links: every shared library a program or tool records as NEEDED
#     provides at least one symbol the program uses, and none records
#     libpq (the PostgreSQL engine opens it when it is used: pq.c).
# Usage: tests/layers.sh BUILD layer=seen,... ...
# Prints one line per failure, then "N passed, M failed".
set -u
build=$1
shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layers.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# The relation, one "layer seen" pair a line.
for arg in "$@"; do
	l=${arg%%=*}
	for s in $(echo "${arg#*=}" | tr ',' ' '); do
		[ "$s" = "$l" ] || echo "$l $s"
	done
done >"$tmp/see"
if tsort "$tmp/see" >/dev/null 2>"$tmp/tsort"; then
	ok
else
	bad "the layers' may-see relation has a cycle: $(cat "$tmp/tsort")"
fi

# Who defines what.
for arg in "$@"; do
	l=${arg%%=*}
	a="$build/lib/lib$l.a"
	[ -f "$a" ] || { bad "no archive $a"; continue; }
	nm -g --defined-only "$a" 2>/dev/null |
	    awk -v l="$l" 'NF == 3 { print $3, l }' >>"$tmp/defs"
	nm -g --undefined-only "$a" 2>/dev/null |
	    awk -v l="$l" 'NF == 2 { print $2, l }' >>"$tmp/uses"
done
sort -u "$tmp/defs" >"$tmp/defs.s"
sort -u "$tmp/uses" >"$tmp/uses.s"
# symbol user-layer definer-layer, for symbols defined in another layer
join "$tmp/uses.s" "$tmp/defs.s" | awk '$2 != $3' >"$tmp/edges"
while read -r sym user def; do
	if grep -qx "$user $def" "$tmp/see"; then
		ok
	else
		bad "layer $user uses $sym of layer $def, which it may not see"
	fi
done <"$tmp/edges"

# Programs need only the libraries they use.
for prog in "$build"/cgi-bin/* "$build"/tools/*; do
	[ -x "$prog" ] || continue
	nm -D --undefined-only "$prog" 2>/dev/null |
	    awk '{ sub(/@.*/, "", $NF); print $NF }' | sort -u >"$tmp/want"
	ldd "$prog" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' \
	    >"$tmp/ldd"
	for lib in $(readelf -d "$prog" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		case "$lib" in
		libc.so.*|ld-linux*|libasan.so.*|libubsan.so.*) continue ;;
		libpq.so.*)
			bad "$(basename "$prog") links $lib, which only a \
PostgreSQL store needs (lib/store/pq.c opens it)"
			continue ;;
		esac
		path=$(awk -v n="$lib" '$1 == n { print $2 }' "$tmp/ldd")
		if [ -z "$path" ]; then
			bad "$(basename "$prog"): $lib not found"
			continue
		fi
		nm -D --defined-only "$path" 2>/dev/null |
		    awk '{ sub(/@.*/, "", $NF); print $NF }' | sort -u >"$tmp/has"
		if [ -n "$(comm -12 "$tmp/want" "$tmp/has" | head -n 1)" ]; then
			ok
		else
			bad "$(basename "$prog") needs $lib but uses nothing of it"
		fi
	done
done

echo "layers and links: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
