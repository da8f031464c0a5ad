#!/bin/bash
# A throw-away PostgreSQL server for tests, on loopback in a temporary directory.
#   eval "$(scripts/pg-temp.sh start)"   sets PGTEMP_DIR and PGTEMP_URL (a superuser URL)
#   scripts/pg-temp.sh stop DIR          stops it and removes DIR
# initdb refuses to run as root, so as root the server runs as the 'postgres'
# user (created by Debian's postgresql package).
set -eu
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
	for p in $(seq 25432 25531); do
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return; fi
	done
	echo "no free port" >&2; exit 1
}

case "${1:-}" in
start)
	dir=$(mktemp -d /tmp/tandem-pg.XXXXXX)
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	chmod 700 "$dir"
	as_owner "$PGBIN/initdb" -D "$dir/data" -U tandem --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	port=$(free_port)
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "PGTEMP_DIR=$dir; PGTEMP_PORT=$port; PGTEMP_URL=postgresql://tandem@127.0.0.1:$port/postgres; export PGTEMP_DIR PGTEMP_PORT PGTEMP_URL"
	;;
stop)
	dir=${2:?directory}
	[ -d "$dir/data" ] && as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start | stop DIR" >&2; exit 2
	;;
esac
