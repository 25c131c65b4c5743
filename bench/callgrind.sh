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

printf '%-8s %10s %10s %10s %10s %10s %10s\n' kind "Ir/req" signature \
    json+jwk store libc rest
for k in $KINDS; do
	valgrind --tool=callgrind --toggle-collect=hx_run \
	    --callgrind-out-file="$tmp/$k.out" "$PROF" "$k" ES256 "$N" \
	    >"$tmp/$k.log" 2>&1 || { echo "$k: failed:"; tail -3 "$tmp/$k.log"; continue; }
	callgrind_annotate --threshold=100 "$tmp/$k.out" 2>/dev/null |
	awk -v k="$k" -v n="$N" '
	/^ *[0-9,]+ +\([ 0-9.]+%\) +.*\[.*\]$/ {
		v = $1; gsub(/,/, "", v)
		obj = $NF; fn = $0
		if (obj ~ /libhogweed|libgmp|libnettle|libcrypto\.so/ || fn ~ /jwk\.c:jwk_verify|jwk_ecdsa_der|jwsverify\.c/)
			c = "sig"
		else if (obj ~ /libdb-|libpq/ || fn ~ /lib\/store\//)
			c = "store"
		else if (obj ~ /libjson-c|libgnutls|libtasn1/ || fn ~ /lib\/base\/(json|jwk|b64url)\.c|lib\/server\/jws\.c/)
			c = "json"
		else if (obj ~ /libc\.so/)
			c = "libc"
		else
			c = "rest"
		s[c] += v; t += v
	}
	END {
		printf "%-8s %10d %10d %10d %10d %10d %10d\n", k, t / n,
		    s["sig"] / n, s["json"] / n, s["store"] / n, s["libc"] / n,
		    s["rest"] / n
	}'
done
