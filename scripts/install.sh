#!/bin/sh
# idprover: install the built programs and their data (what
# `make install [DESTDIR=...] [PREFIX=...]` runs after building).
#
# Usage:  scripts/install.sh DEST BUILD
#   DEST   $(DESTDIR)$(PREFIX), e.g. /usr/local or /tmp/stage/usr/local
#   BUILD  the build output folder (build/)
#
# Layout under DEST:
#   libexec/idprover/cgi-bin/   the FastCGI/CGI programs (what the web
#                               server runs; not on PATH)
#   bin/                        idprover-admin and the other tools
#   share/idprover/templates/   the HTML and SMS templates the programs
#                               read (compiled in as PREFIX/share/...)
#   share/idprover/apache/      Apache configuration templates
#   share/idprover/lighttpd/    lighttpd configuration templates
#   share/man/man{1,5,7,8}/     manual pages
# Nothing from the source tree is needed at run time. Files are copied
# with fixed modes; an existing installation is overwritten.
set -eu

die() { echo "install: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 DEST BUILD"
dest=$1
build=$2
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in
/*) ;;
*) build=$top/$build ;;
esac
[ -n "$dest" ] || die "empty destination"
[ -x "$build/cgi-bin/directory" ] || die "$build/cgi-bin/directory missing: run make first"

# install(1) is not everywhere the same; cp + chmod is.
put() {	# mode file dir
	mkdir -p "$3"
	rm -f "$3/$(basename "$2")"
	cp "$2" "$3/"
	chmod "$1" "$3/$(basename "$2")"
}

libexec=$dest/libexec/idprover/cgi-bin
share=$dest/share/idprover
n=0

for f in "$build"/cgi-bin/*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	put 755 "$f" "$libexec"
	n=$((n + 1))
done
for f in "$build"/tools/*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	put 755 "$f" "$dest/bin"
	n=$((n + 1))
done

mkdir -p "$share/templates"
if [ -d "$top/templates" ]; then
	for f in "$top"/templates/*; do
		[ -f "$f" ] || continue
		put 644 "$f" "$share/templates"
		n=$((n + 1))
	done
fi
for f in "$top"/apache/*.conf.in "$top"/apache/htaccess.example; do
	[ -f "$f" ] || continue
	put 644 "$f" "$share/apache"
	n=$((n + 1))
done
for f in "$top"/lighttpd/*.conf.in; do
	[ -f "$f" ] || continue
	put 644 "$f" "$share/lighttpd"
	n=$((n + 1))
done
for f in "$top"/man/*.[1-9]; do
	[ -f "$f" ] || continue
	sec=${f##*.}
	put 644 "$f" "$dest/share/man/man$sec"
	n=$((n + 1))
done

echo "installed $n files under $dest"
