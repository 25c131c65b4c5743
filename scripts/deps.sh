#!/bin/sh
# Install the Debian 12 packages idprover needs, one set at a time:
#
#   sh scripts/deps.sh run     build and serve (`make run`, `make install`),
#                              and the README's example (python3-acme for
#                              examples/enroll.py, certtool from gnutls-bin)
#   sh scripts/deps.sh test    run, plus what `make test` drives: clang,
#                              cmocka, Apache, SMPP and ACME peers, Chromium,
#                              valgrind, Node (Debian's, when none is on
#                              PATH) and the npm packages of tests/
#   sh scripts/deps.sh bench   test, plus Pebble and the load tools
#
# Does nothing when all are present. As a user other than root it prints
# the apt-get line and exits 1.
set -eu

cd "$(dirname "$0")/.."

RUN_PKGS="build-essential pkg-config
libfcgi-dev libgnutls28-dev libjson-c-dev libdb5.3-dev db5.3-util
libtasn1-6-dev libsmpp34-dev libcurl4-gnutls-dev libpq-dev libssl-dev
lighttpd lighttpd-mod-openssl openssl curl procps iproute2
python3 python3-acme python3-josepy python3-cryptography python3-requests
gnutls-bin"
TEST_PKGS="clang libclang-rt-14-dev libcmocka-dev
apache2 libapache2-mod-fcgid spawn-fcgi libfcgi-bin libtasn1-bin
libnet-smpp-perl chromium valgrind mandoc postgresql"
BENCH_PKGS="pebble wrk apache2-utils"

set_=${1:-run}
case $set_ in
run)	want=$RUN_PKGS ;;
test)	want="$RUN_PKGS $TEST_PKGS" ;;
bench)	want="$RUN_PKGS $TEST_PKGS $BENCH_PKGS" ;;
*)	echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

# Node for the interop and browser tests: whatever node is on PATH (these
# machines may bring their own, with its npm), else Debian's nodejs and
# npm. Debian's npm is never installed over a Node from elsewhere: they
# conflict.
if [ "$set_" != run ] && ! command -v node >/dev/null 2>&1; then
	want="$want nodejs npm"
fi

missing=""
for p in $want; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "idprover: missing packages; run as root:" >&2
		echo "  apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	echo "idprover: installing$missing"
	# Keep packaged daemons (lighttpd, apache2, postgresql) from starting
	# and taking :80, :443 or :5432.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q ||
		echo "idprover: apt-get update failed; trying the lists at hand" >&2
	# shellcheck disable=SC2086
	apt-get install -y -q$missing
fi

[ "$set_" = run ] && exit 0

# The npm packages, exactly as tests/package-lock.json pins them; again
# whenever the lock file changes. A tests/node_modules that is a symbolic
# link belongs to another checkout: left alone.
[ -L tests/node_modules ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
	echo "idprover: node is on PATH but npm is not; install the npm that" \
	    "came with $(command -v node)" >&2
	exit 1
fi
stamp=tests/node_modules/.idprover-lock
if ! cmp -s tests/package-lock.json "$stamp" 2>/dev/null; then
	echo "idprover: npm ci in tests/ (node $(node --version))"
	(cd tests && npm ci --no-audit --no-fund)
	cp tests/package-lock.json "$stamp"
fi
exit 0
