#!/bin/sh
# idprover: `make fresh-check` proves that a bare Debian 12 machine needs
# nothing but this repository: in a fresh bookworm root (mmdebstrap, with
# only ca-certificates, git and make added), as root,
#   1. `make run` in the background installs, builds and serves; the ACME
#      directory answers; examples/enroll.py --log enrols one number; the
#      certificate verifies with certtool against var/ca/ca.pem; the service
#      stops by its pid;
#   2. `make test` passes (skipped with FRESH=run).
# Every step prints how long it took; a failing step prints its last 40
# log lines and the script exits 1. When the package mirror cannot be
# reached at all it says so in one line and exits 0.
#
# Environment:
#   FRESH=run                  only step 1
#   IDPROVER_FRESH_CACHE       cache folder (default /var/cache/idprover-fresh):
#                              the bootstrapped base tarball (remade when the
#                              host's apt sources change) and downloaded .debs
#   IDPROVER_FRESH_KEEP=1      keep the root afterwards (mounts are undone)
#
# The root gets what makes the host reach its registries: the host's apt
# sources and Acquire settings, /usr/local/share/ca-certificates (then
# update-ca-certificates inside), npm's configuration, /etc/resolv.conf and
# proxy and NODE_EXTRA_CA_CERTS variables. It runs in the host's network
# namespace on a free port. Everything it mounts and every process it
# starts (found by pid, and by /proc/PID/root pointing into the root) is
# undone on exit, also on INT and TERM.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
FRESH=${FRESH:-}
CACHE=${IDPROVER_FRESH_CACHE:-/var/cache/idprover-fresh}
SUITE=bookworm
INCLUDE=ca-certificates,git,make
# Where the clone lives inside the root: short, because Apache's
# mod_proxy_fcgi takes socket paths of at most 95 bytes and the tests make
# theirs under tests/tmp.
SRC=/srv/idprover
TN=12025550123
READY_TIMEOUT=2400		# seconds for `make run` to serve (installs)

say() { echo "fresh-check: $*"; }

SELF=$top/scripts/fresh-check.sh
WORK=${WORK-}	# these three come from the parent in the __fn mode
ROOT=${ROOT-}
HEAD=${HEAD-}
MOUNTS=		# mounted targets, newest first
CUR=		# process group of the running step
SVC=		# process group of the backgrounded `make run`
FAILED=

# --- Cleanup: processes in the root, then mounts, then files ---------------

# State and process group of a pid: "S 1234"; nothing when it is gone.
pstate() {
	sed -n 's/^.*) \(.\) [0-9-]* \([0-9-]*\) .*/\1 \2/p' "/proc/$1/stat" \
	    2>/dev/null
}

# A zombie counts as gone: PID 1 here may be slow to reap what it inherits.
alive() {
	case $(pstate "$1") in
	''|Z*) return 1 ;;
	esac
}

# Is any live process left in process group $1?
group_alive() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 }
	    END { exit !f }'
}

# Live pids whose root directory is $ROOT (started inside it by us).
root_pids() {
	[ -n "$ROOT" ] || return 0
	for d in /proc/[0-9]*; do
		r=$(readlink "$d/root" 2>/dev/null) || continue
		[ "$r" = "$ROOT" ] && alive "${d#/proc/}" && echo "${d#/proc/}"
	done
}

# TERM a process group, wait up to $2 seconds, then KILL it.
stop_group() {
	[ -n "$1" ] || return 0
	kill -s TERM -- "-$1" 2>/dev/null || return 0
	i=0
	while group_alive "$1" && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -s KILL -- "-$1" 2>/dev/null || true
}

stop_root_pids() {
	pids=$(root_pids)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null
	i=0
	while [ -n "$(root_pids)" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pids=$(root_pids)
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
	sleep 0.2
}

cleanup() {
	trap - INT TERM HUP EXIT
	stop_group "$SVC" 10
	stop_group "$CUR" 5
	stop_root_pids
	for m in $MOUNTS; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
			say "cannot unmount $m"
	done
	MOUNTS=
	[ -n "$WORK" ] || return 0
	if [ -n "$ROOT" ] && grep -q " ${ROOT}[/ ]" /proc/self/mountinfo; then
		say "mounts left under $ROOT: not removing it"
	elif [ -n "$FAILED" ] || [ "${IDPROVER_FRESH_KEEP:-0}" = 1 ]; then
		[ "${IDPROVER_FRESH_KEEP:-0}" = 1 ] ||
			rm -rf --one-file-system "$ROOT"
		say "logs kept in $WORK/logs"
	else
		rm -rf --one-file-system "$WORK"
	fi
}

# --- Steps -----------------------------------------------------------------

T0=$(date +%s)
fail() {	# step, message
	FAILED=1
	say "FAILED: $1: $2"
	if [ -s "$WORK/logs/$1.log" ]; then
		echo "---- last 40 lines of $WORK/logs/$1.log ----"
		tail -n 40 "$WORK/logs/$1.log"
		echo "----"
	fi
	exit 1
}

# Run a step (an outside command: `sh $SELF __fn NAME` for a function of
# this file) in its own process group with its output in logs/NAME.log;
# `wait` lets INT and TERM through to the traps at once.
step() {	# name, command...
	name=$1
	shift
	s=$(date +%s)
	setsid "$@" > "$WORK/logs/$name.log" 2>&1 < /dev/null &
	CUR=$!
	wait "$CUR"
	rc=$?
	CUR=
	[ $rc -eq 0 ] || fail "$name" "exit status $rc after $(($(date +%s) - s)) s"
	say "$(printf '%-10s' "$name") $(($(date +%s) - s)) s"
}

# The command inside the root, as a fresh login of root would have it
# (an outside command, so that step and setsid can run it).
in_root() {
	sh "$SELF" __in_root "$ROOT" "$@"
}
passenv() {
	for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY \
	    NO_PROXY NODE_EXTRA_CA_CERTS CI IDPROVER_PORT; do
		eval "x=\${$v-}"
		# shellcheck disable=SC2154
		[ -n "$x" ] && printf '%s=%s\n' "$v" "$x"
	done
}

# --- The host's package sources --------------------------------------------

# The sources files and the Acquire settings apt on the host uses.
host_sources() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -qE '^[[:space:]]*(deb[[:space:]]|URIs:)' "$f" &&
			echo "$f"
	done
}
host_aptconf() {
	for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
		[ -f "$f" ] && grep -q '^[[:space:]]*Acquire' "$f" && echo "$f"
	done
}
mirror_uris() {
	# shellcheck disable=SC2046
	sed -n -e 's/^[[:space:]]*URIs:[[:space:]]*//p' \
	    -e 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
	    $(host_sources) | tr ' ' '\n' | grep -E '^https?://' | sort -u
}

# Exit 0 with one line when no Debian mirror answers.
probe_mirror() {
	uris=$(mirror_uris)
	[ -n "$uris" ] || { say "no apt sources on this host"; exit 1; }
	for u in $uris; do
		if command -v curl >/dev/null 2>&1; then
			curl -fsS -o /dev/null --max-time 20 \
			    "${u%/}/dists/$SUITE/InRelease" 2>/dev/null && return 0
		elif timeout 60 apt-get -q update >/dev/null 2>&1; then
			return 0
		fi
	done
	say "package mirror unreachable ($(echo $uris)): skipped, nothing checked"
	exit 0
}

# --- Building the root -----------------------------------------------------

base_tar() {
	# shellcheck disable=SC2046 # apt's file names: no blanks
	key=$( { echo "$SUITE $INCLUDE"; cat $(host_sources) $(host_aptconf); } |
	    cksum | cut -d' ' -f1)
	echo "$CACHE/base-$SUITE-$key.tar"
}

bootstrap() {	# tarball
	# shellcheck disable=SC2046 # apt's file names: no blanks
	set -- "$1" $(for f in $(host_aptconf); do echo "--aptopt=$f"; done)
	tar=$1
	shift
	# shellcheck disable=SC2046
	mmdebstrap --variant=apt --include="$INCLUDE" --format=tar "$@" \
	    "$SUITE" "$tar.tmp" $(host_sources) &&
	    mv "$tar.tmp" "$tar"
}

mount_root() {
	mount -t proc proc "$ROOT/proc" || return 1
	MOUNTS="$ROOT/proc $MOUNTS"
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$ROOT/sys" || return 1
	MOUNTS="$ROOT/sys $MOUNTS"
	mount --bind /dev "$ROOT/dev" || return 1
	MOUNTS="$ROOT/dev $MOUNTS"
	mount --make-rslave "$ROOT/dev" || return 1
	mount --bind /dev/pts "$ROOT/dev/pts" || return 1
	MOUNTS="$ROOT/dev/pts $MOUNTS"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$ROOT/dev/shm" ||
		return 1
	MOUNTS="$ROOT/dev/shm $MOUNTS"
	# Downloaded .debs survive the root, so that a rerun downloads less.
	mkdir -p "$CACHE/apt-archives/partial" "$ROOT/var/cache/apt/archives"
	mount --bind "$CACHE/apt-archives" "$ROOT/var/cache/apt/archives" ||
		return 1
	MOUNTS="$ROOT/var/cache/apt/archives $MOUNTS"
}

# What lets package clients in the root reach their registries as the
# host's do, and the repository at HEAD.
furnish() {
	cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" || return 1
	[ -s "$ROOT/etc/hosts" ] || printf '%s\n' \
	    '127.0.0.1	localhost' '::1		localhost ip6-localhost ip6-loopback' \
	    > "$ROOT/etc/hosts"
	for f in $(host_aptconf); do
		cp "$f" "$ROOT/etc/apt/apt.conf.d/${f##*/}" || return 1
	done
	for f in /usr/local/share/ca-certificates/*; do
		[ -e "$f" ] && { cp -r "$f" "$ROOT/usr/local/share/ca-certificates/" ||
			return 1; }
	done
	[ -f /root/.npmrc ] && { cp /root/.npmrc "$ROOT/root/.npmrc" || return 1; }
	[ -f /etc/npmrc ] && { cp /etc/npmrc "$ROOT/etc/npmrc" || return 1; }
	in_root update-ca-certificates || return 1
	git clone -q --no-hardlinks "$top" "$ROOT$SRC" || return 1
	git -C "$ROOT$SRC" checkout -q "$HEAD" || return 1
	echo "clone at $(git -C "$ROOT$SRC" rev-parse HEAD)"
	write_enrol
}

# --- Step 1: make run, enrol, verify, stop ----------------------------------

free_port() {
	p=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 30000 ))
	while [ -n "$(ss -ltnH "( sport = :$p )" 2>/dev/null)" ]; do
		p=$((p + 1))
	done
	echo "$p"
}

serve() {
	PORT=$(free_port)
	s=$(date +%s)
	IDPROVER_PORT=$PORT setsid sh "$SELF" __in_root "$ROOT" \
	    sh -c "cd $SRC && exec make run" \
	    > "$WORK/logs/make-run.log" 2>&1 < /dev/null &
	SVC=$!
	i=0
	until in_root sh -c "command -v curl >/dev/null &&
	    curl -fsS -o /dev/null --noproxy '*' --max-time 5 \
	    --cacert $SRC/var/tls/ca.pem \
	    https://localhost:$PORT/acme/directory" 2>/dev/null; do
		alive "$SVC" ||
			fail make-run "make run exited before serving"
		i=$((i + 2))
		[ $i -lt $READY_TIMEOUT ] ||
			fail make-run "the directory did not answer in $i s"
		sleep 2
	done
	say "$(printf '%-10s' make-run) $(($(date +%s) - s)) s" \
	    "(directory answers on port $PORT)"
}

# Written into the root's /tmp and run there: enrol $2 on port $1 as the
# README shows, then check the certificate.
write_enrol() {
	cat > "$ROOT/tmp/fresh-enrol.sh" <<-EOF
	set -eu
	cd $SRC
	rm -f /tmp/fresh-cert.pem
	IDPROVER_PORT=\$1 python3 examples/enroll.py --tn "\$2" \\
	    --log var/sms.log --out /tmp/fresh-cert.pem
	certtool --verify --load-ca-certificate var/ca/ca.pem \\
	    --infile /tmp/fresh-cert.pem
	certtool -i --infile /tmp/fresh-cert.pem > /tmp/fresh-cert.txt
	grep -q '1\\.3\\.6\\.1\\.5\\.5\\.7\\.1\\.26' /tmp/fresh-cert.txt || {
		echo "no TNAuthList extension in the certificate"; exit 1; }
	echo "certificate for \$2 verifies against var/ca/ca.pem"
	EOF
}

stop_service() {
	s=$(date +%s)
	pidf=$ROOT$SRC/var/run/lighttpd.pid
	lpid=$(cat "$pidf" 2>/dev/null)
	[ -n "$lpid" ] || fail make-run "no lighttpd pid file $pidf"
	# make, scripts/run.sh, lighttpd and its FastCGI programs form the
	# group; run.sh's trap stops lighttpd and what it spawned.
	stop_group "$SVC" 15
	SVC=
	if alive "$lpid"; then
		fail make-run "lighttpd (pid $lpid) still running after stop"
	fi
	left=$(root_pids)
	[ -z "$left" ] || fail make-run "processes left in the root: $left"
	[ -z "$(ss -ltnH "( sport = :$PORT )" 2>/dev/null)" ] ||
		fail make-run "port $PORT still listening after stop"
	say "$(printf '%-10s' stop) $(($(date +%s) - s)) s (lighttpd pid $lpid and its programs gone)"
}

# --- Main ------------------------------------------------------------------

# Inner modes, for step and setsid: a command in the root, or a function of
# this file (no traps, no cleanup: the parent owns those).
case ${1:-} in
__in_root)
	ROOT=$2
	shift 2
	# shellcheck disable=SC2046
	exec env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    $(passenv) chroot "$ROOT" "$@"
	;;
__fn)
	shift
	"$@"
	exit $?
	;;
esac

case $FRESH in
''|all|test) FRESH=all ;;
run) ;;
*) say "FRESH must be run or empty, not '$FRESH'"; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { say "must run as root (mmdebstrap, chroot, mount)"; exit 2; }
trap 'say "interrupted"; FAILED=1; cleanup; exit 130' INT
trap 'say "terminated"; FAILED=1; cleanup; exit 143' TERM HUP
trap 'cleanup' EXIT

HEAD=$(git -C "$top" rev-parse HEAD) || { say "$top is not a git checkout"; exit 2; }
[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes are not checked (the clone is of HEAD ${HEAD%"${HEAD#???????????}"})"

probe_mirror
if ! command -v mmdebstrap >/dev/null 2>&1; then
	say "installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap \
	    > /dev/null || { apt-get update -q > /dev/null &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap \
	    > /dev/null; } || { say "cannot install mmdebstrap"; exit 1; }
fi

mkdir -p "$CACHE" /var/tmp || exit 1
WORK=$(mktemp -d /var/tmp/idprover-fresh.XXXXXX) || exit 1
ROOT=$WORK/root
mkdir -p "$WORK/logs" "$ROOT"
export ROOT WORK HEAD

TAR=$(base_tar)
if [ -s "$TAR" ]; then
	say "$(printf '%-10s' bootstrap) cached: $TAR"
else
	step bootstrap sh "$SELF" __fn bootstrap "$TAR"
	for t in "$CACHE"/base-"$SUITE"-*.tar; do
		[ "$t" = "$TAR" ] || rm -f "$t"
	done
fi
step unpack tar -C "$ROOT" --numeric-owner -xpf "$TAR"
mount_root || fail setup "mounting /proc, /sys, /dev, /dev/pts, /dev/shm"
step setup sh "$SELF" __fn furnish
serve
step enrol sh "$SELF" __in_root "$ROOT" sh /tmp/fresh-enrol.sh "$PORT" "$TN"
stop_service
if [ "$FRESH" = all ]; then
	step make-test sh "$SELF" __in_root "$ROOT" \
	    sh -c "cd $SRC && exec make test"
fi
say "passed in $(($(date +%s) - T0)) s ($([ "$FRESH" = run ] &&
    echo 'make run only' || echo 'make run and make test'))"
exit 0
