# idprover tests: a private PostgreSQL (Debian's), for sourcing (bash).
#
#   pg_start DIR     initdb into DIR/data (owned by postgres when run as
#                    root: initdb refuses root), pg_ctl start listening only
#                    on a Unix socket in DIR; sets PG_DIR, PG_PID
#   pg_createdb NAME a fresh database; prints its postgresql:// URI
#   pg_uri NAME      the URI of database NAME
#   pg_stop          stops the server by its pid (fast shutdown)
#   pg_kill          SIGKILL of the postmaster (a crash), pg_restart after
#   psql_do NAME SQL one statement, tab-separated rows on stdout
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V |
    tail -n 1)}
PG_PORT=${PG_PORT:-5432}	# only names the socket file: no TCP

pg_as() {	# run a command as the cluster's owner
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	PG_DIR=$1
	[ -x "$PG_BIN/initdb" ] || {
		echo "# no PostgreSQL server: apt-get install -y postgresql" >&2
		return 1
	}
	mkdir -p "$PG_DIR" || return 1
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR"
	chmod 700 "$PG_DIR"
	if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
		pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres \
		    --auth=trust --no-sync -E UTF8 --locale=C \
		    > "$PG_DIR/initdb.log" 2>&1 || {
			echo "# initdb failed:" >&2
			sed 's/^/#   /' "$PG_DIR/initdb.log" >&2
			return 1
		}
	fi
	pg_restart
}

pg_restart() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -w -t 30 -o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -p $PG_PORT -c fsync=off -c max_connections=200 -c shared_buffers=32MB" \
	    start > "$PG_DIR/pg_ctl.log" 2>&1 || {
		echo "# pg_ctl start failed:" >&2
		tail -n 20 "$PG_DIR/server.log" "$PG_DIR/pg_ctl.log" |
		    sed 's/^/#   /' >&2
		return 1
	}
	PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	export PG_DIR PG_PID
}

pg_uri() {
	echo "postgresql:///$1?host=$PG_DIR&port=$PG_PORT&user=postgres"
}

psql_do() {	# database sql
	"$PG_BIN/psql" -X -q -A -t -F "	" -v ON_ERROR_STOP=1 \
	    -h "$PG_DIR" -p "$PG_PORT" -U postgres -d "$1" -c "$2"
}

pg_createdb() {
	psql_do postgres "CREATE DATABASE \"$1\"" >/dev/null || return 1
	pg_uri "$1"
}

pg_stop() {
	local i
	[ -n "${PG_PID:-}" ] || return 0
	kill -INT "$PG_PID" 2>/dev/null	# fast shutdown
	for i in $(seq 1 100); do
		kill -0 "$PG_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$PG_PID" 2>/dev/null && kill -KILL "$PG_PID" 2>/dev/null
	PG_PID=
}

pg_kill() {
	[ -n "${PG_PID:-}" ] && kill -KILL "$PG_PID" 2>/dev/null
	sleep 0.2
	PG_PID=
}

pg_stop_immediate() {	# pg_ctl stop -m immediate: no shutdown checkpoint
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
	    > /dev/null 2>&1
	PG_PID=
}
