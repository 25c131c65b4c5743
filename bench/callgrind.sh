#!/bin/sh
# The request path's instruction counts, per request kind, split by who
# does the work: bench/prof under valgrind --tool=callgrind, counting
# only inside hx_run (what serve() does around a handler: JWS parse,
# signature check, store, handler, commit; no FastCGI, no TLS: the
# ceiling of `make bench` measures those). Instruction counts do not
# depend on the load of the machine.
# Usage: bench/callgrind.sh [N [kind ...]]   (make bench-profile)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${IDP_BUILD:-$top/build}
PROF=$BUILD/bench/prof
N=${1:-30}
[ $# -gt 0 ] && shift
KINDS=${*:-account order poll acctget}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/callgrind.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
command -v valgrind >/dev/null || { echo "callgrind: valgrind is not installed" >&2; exit 1; }
[ -x "$PROF" ] || { echo "callgrind: build first: make $BUILD/bench/prof" >&2; exit 1; }

# Instruction counts by who executes them: "sig" (libcrypto, nettle,
# GMP), "json" (json-c, GnuTLS, libtasn1, our JSON, JWK, base64url and
# JWS code), "store" (Berkeley DB, PostgreSQL, lib/store), "libc", "rest".
split() {
	callgrind_annotate --threshold=100 "$1" 2>/dev/null |
	awk '
	/^ *[0-9,]+ +\([ 0-9.]+%\) +.*\[.*\]$/ {
		v = $1; gsub(/,/, "", v)
		obj = $NF; fn = $0
		if (obj ~ /libhogweed|libgmp|libnettle|libcrypto\.so/)
			c = "sig"
		else if (obj ~ /libdb-|libpq/ || fn ~ /lib\/store\//)
			c = "store"
		else if (obj ~ /libjson-c|libgnutls|libtasn1/ || fn ~ /lib\/base\/(json|jwk|b64url)\.c|lib\/server\/jws(verify)?\.c/)
			c = "json"
		else if (obj ~ /libc\.so/)
			c = "libc"
		else
			c = "rest"
		s[c] += v
	}
	END { printf "%d %d %d %d %d\n", s["sig"], s["json"], s["store"], s["libc"], s["rest"] }'
}

# Two runs per kind: everything inside hx_run, then only the signature
# check (jws_verify_account: with the account's key, kept per process;
# jws_verify: with a key sent along), its input and its allocations.
# (Another tree's functions: CALLGRIND_SIG="jws_verify jwk_load" for the
# code before jws_verify_account, which loaded the key every request.)
toggles=
for f in ${CALLGRIND_SIG:-jws_verify_account jws_verify}; do
	toggles="$toggles --toggle-collect=$f"
done
printf '%-8s %10s %10s | %10s %10s %10s %10s\n' kind "Ir/req" signature \
    json+jwk store libc rest
for k in $KINDS; do
	valgrind --tool=callgrind --toggle-collect=hx_run \
	    --callgrind-out-file="$tmp/$k.out" "$PROF" "$k" ES256 "$N" \
	    >"$tmp/$k.log" 2>&1 || { echo "$k: failed:"; tail -3 "$tmp/$k.log"; continue; }
	valgrind --tool=callgrind $toggles \
	    --callgrind-out-file="$tmp/$k.sig" "$PROF" "$k" ES256 "$N" \
	    >"$tmp/$k.log" 2>&1 || { echo "$k: failed:"; tail -3 "$tmp/$k.log"; continue; }
	echo "$(split "$tmp/$k.out") $(split "$tmp/$k.sig")" |
	awk -v k="$k" -v n="$N" '{
		all = $1 + $2 + $3 + $4 + $5
		sig = $6 + $7 + $8 + $9 + $10
		printf "%-8s %10d %10d | %10d %10d %10d %10d\n", k, all / n,
		    sig / n, ($2 - $7) / n, ($3 - $8) / n, ($4 - $9) / n,
		    ($1 + $5 - $6 - $10) / n
	}'
done
echo "(Ir per request; right of |: the rest, by who runs it; ES256)"
