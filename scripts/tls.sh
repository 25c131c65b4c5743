#!/bin/sh
# idprover: local TLS material for the web server in front of the ACME
# programs (development and tests only; production uses a real certificate).
#
# Usage:  scripts/tls.sh DIR        (or source it and call tls_make DIR)
#
# Creates, when missing:
#   DIR/ca.key  DIR/ca.pem        a small local TLS CA (clients trust ca.pem)
#   DIR/server.key DIR/server.pem a server certificate signed by that CA,
#                                 SAN DNS:localhost, IP:127.0.0.1, IP:::1
# Existing files are kept, so clients that already trust ca.pem go on
# working across restarts. A server certificate that expires within a day is
# renewed.

tls_make() {
	_tls_dir=$1
	[ -n "$_tls_dir" ] || { echo "tls_make: no directory" >&2; return 1; }
	command -v openssl >/dev/null 2>&1 ||
		{ echo "tls_make: openssl not found" >&2; return 1; }
	(
		umask 077
		set -e
		mkdir -p "$_tls_dir"
		cd "$_tls_dir"
		if [ ! -s ca.key ] || [ ! -s ca.pem ]; then
			rm -f ca.key ca.pem server.key server.pem
			openssl req -x509 -new -newkey ec \
			    -pkeyopt ec_paramgen_curve:P-256 -nodes \
			    -keyout ca.key -out ca.pem -days 3650 -sha256 \
			    -subj "/CN=idprover local TLS CA" \
			    -addext "basicConstraints=critical,CA:TRUE" \
			    -addext "keyUsage=critical,keyCertSign,cRLSign" \
			    -addext "subjectKeyIdentifier=hash" \
			    2>/dev/null
		fi
		if [ -s server.key ] && [ -s server.pem ] &&
		    openssl x509 -in server.pem -noout -checkend 86400 \
		    >/dev/null 2>&1; then
			exit 0
		fi
		cat > server.ext <<-EOF
		basicConstraints=critical,CA:FALSE
		keyUsage=critical,digitalSignature
		extendedKeyUsage=serverAuth
		subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
		subjectKeyIdentifier=hash
		authorityKeyIdentifier=keyid
		EOF
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout server.key -out server.csr \
		    -subj "/CN=localhost" 2>/dev/null
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		    -set_serial "0x$(openssl rand -hex 12)" -days 397 \
		    -sha256 -extfile server.ext -out server.pem 2>/dev/null
		rm -f server.csr server.ext
		chmod 600 ca.key server.key
		chmod 644 ca.pem server.pem
	)
}

# Run directly: make the material in the given directory.
case ${0##*/} in
tls.sh)
	[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
	tls_make "$1"
	;;
esac
