#!/bin/sh
# Dose recording and the dosing window on SQLite (synchronous=FULL), driven by
# wrk on loopback. Prints one JSON line per measurement; bench/README.md
# records a run.
#   bench/doses.sh        ORDERS=20000 DURATION=5 CONNS=32 SERVER_THREADS=16 QUEUE_PATIENTS=500 QUEUE_DAYS=730
set -eu
cd "$(dirname "$0")/.."
ORDERS=${ORDERS:-20000}
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
SERVER_THREADS=${SERVER_THREADS:-16}
QUEUE_PATIENTS=${QUEUE_PATIENTS:-500}
QUEUE_DAYS=${QUEUE_DAYS:-730}
command -v wrk >/dev/null || { echo "bench/doses.sh needs wrk (apt-get install wrk)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "bench/doses.sh needs sqlite3" >&2; exit 1; }
make -s tandem >/dev/null
work=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$work"' EXIT
export TZ=UTC
today=$(date +%F)

# A fresh database: a nurse, then PATIENTS stable methadone patients with DAYS
# days of doses each, the last one yesterday.
setup_db() { # db patients days
	echo bench-nurse-password | ./tandem user add benchnurse --role nurse --db "$1" --password-stdin >/dev/null
	start=$(date -d "$today - $(($3 + 1)) days" +%F)
	sed -e "s/:N/$2/" -e "s/:DAYS/$3/" -e "s/:TODAY/$today/g" -e "s/:START/$start/" bench/seed-doses.sql |
		sqlite3 "$1"
}

start_server() { # db group-batch
	./tandem serve --db "$1" --listen 127.0.0.1:0 --tz UTC --threads "$SERVER_THREADS" \
		--group-batch "$2" >"$work/out" 2>"$work/log" &
	SERVER=$!
	for i in $(seq 100); do grep -q listening "$work/out" && break; sleep 0.1; done
	base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/out")
	token=$(curl -s -X POST "$base/api/v1/session" -H 'Content-Type: application/json' \
		-d '{"username":"benchnurse","password":"bench-nurse-password"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
}

stop_server() {
	kill "$SERVER"
	wait "$SERVER" 2>/dev/null || true
	SERVER=
}

# Checks that every 201 is exactly one dose row and the audit chain holds.
check_doses() { # db label
	rows=$(sqlite3 "$1" "SELECT COUNT(*) || ' ' || COUNT(DISTINCT order_id) FROM med_admin WHERE dose_on = '$today'")
	verify=$(./tandem audit verify --db "$1" 2>&1 | tail -n 1)
	printf '{"check":"%s","dose_rows_today_and_distinct_orders":"%s","audit":"%s"}\n' "$2" "$rows" "$verify"
}

doses() { # label group-batch
	db="$work/$1.db"
	setup_db "$db" "$ORDERS" 3
	start_server "$db" "$2"
	printf '{"kind":"%s",' "$1"
	TOKEN=$token ORDERS=$ORDERS THREADS=2 wrk -t2 -c"$CONNS" -d"${DURATION}s" -s bench/dose.lua \
		"$base" | grep '^{' | sed 's/^{//'
	stop_server
	check_doses "$db" "$1"
}

# The floor: GET /healthz through the same HTTP stack and load generator.
db="$work/floor.db"
setup_db "$db" 1 1
start_server "$db" 32
printf '{"kind":"health (floor)",'
wrk -t2 -c"$CONNS" -d"${DURATION}s" -s bench/floor.lua "$base/healthz" | grep '^{' | sed 's/^{//'
stop_server

doses "dose, group commit" 32
doses "dose, one commit each" 0

# The dosing window of a clinic with QUEUE_PATIENTS patients and QUEUE_DAYS days
# of daily doses each, one request at a time (each also appends its audit row).
db="$work/queue.db"
setup_db "$db" "$QUEUE_PATIENTS" "$QUEUE_DAYS"
start_server "$db" 32
items=$(curl -s "$base/api/v1/dosing" -H "Authorization: Bearer $token" | grep -o '"patients":[0-9]*')
printf '{"kind":"dosing window, %s patients x %s days (%s)",' "$QUEUE_PATIENTS" "$QUEUE_DAYS" "$items"
wrk -t1 -c1 -d"${DURATION}s" -H "Authorization: Bearer $token" -s bench/floor.lua "$base/api/v1/dosing" |
	grep '^{' | sed 's/^{//'
stop_server
