#!/bin/sh
# Install the Debian packages idprover needs to build, run and test.
# Does nothing when all are present; prints the apt-get line when not root.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev
libfcgi-dev libfcgi-bin spawn-fcgi libgnutls28-dev libssl-dev gnutls-bin libjson-c-dev
libdb5.3-dev db5.3-util libtasn1-6-dev libtasn1-bin libcmocka-dev
libsmpp34-dev libcurl4-gnutls-dev libpq-dev postgresql
lighttpd lighttpd-mod-openssl apache2 libapache2-mod-fcgid
python3 python3-acme python3-josepy python3-cryptography openssl curl
libnet-smpp-perl chromium valgrind pebble wrk apache2-utils mandoc"

missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "idprover: missing packages; run as root:" >&2
		echo "  apt-get install -y$missing" >&2
		exit 1
	fi
	# Keep packaged daemons (lighttpd, apache2) from starting on :80/:443.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || true
	apt-get install -y -q$missing
fi

# Node packages for the interop and browser tests (node and npm come with
# the machine or from NodeSource; Debian's npm conflicts with them).
if [ -f tests/package.json ] && [ ! -d tests/node_modules ]; then
	(cd tests && npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund)
fi
exit 0
