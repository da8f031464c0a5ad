#!/bin/sh
# Benchmarks the server on both backends, on loopback, with bounded load.
# Prints one JSON line per measurement; bench/README.md records a run.
#   bench/run.sh [PATIENTS]      (default 2000 demo patients)
set -eu
cd "$(dirname "$0")/.."
PATIENTS=${1:-2000}
N=${N:-3000}
C=${C:-8}
make -s tandem >/dev/null
work=$(mktemp -d)
eval "$(scripts/pg-temp.sh start)"
trap 'kill $SERVER 2>/dev/null || true; scripts/pg-temp.sh stop "$PGTEMP_DIR"; rm -rf "$work"' EXIT

bench_backend() { # label db
	./tandem demo --db "$2" --patients "$PATIENTS" >"$work/demo.log"
	./tandem user add bench --role admin --db "$2" --password-stdin >/dev/null <<PW
bench-password-1
PW
	./tandem serve --db "$2" --listen 127.0.0.1:0 >"$work/out" 2>/dev/null &
	SERVER=$!
	for i in $(seq 50); do grep -q listening "$work/out" && break; sleep 0.1; done
	base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/out")
	token=$(curl -s -X POST "$base/api/v1/session" -H 'Content-Type: application/json' \
		-d '{"username":"bench","password":"bench-password-1"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
	for kind in health read search write; do
		printf '{"backend":"%s",' "$1"
		MAX_ID=$PATIENTS node bench/load.mjs "$base" "$token" $kind $N $C | sed 's/^{//'
	done
	kill $SERVER; wait $SERVER 2>/dev/null || true
}

bench_backend sqlite "$work/bench.db"
psql -q "${PGTEMP_URL}" -c "CREATE DATABASE bench"
bench_backend postgresql "postgresql://tandem@127.0.0.1:$PGTEMP_PORT/bench"
