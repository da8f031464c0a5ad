#!/bin/sh
# Runs every test suite and ends with one summary line:
#   unit tests (cmocka), release build and ASan+UBSan build
#   black-box API tests (node:test) against ./tandem and build/asan/tandem
# Exit status 0 only when everything passed.
set -u
cd "$(dirname "$0")/.."

LOG=build/test-logs
rm -rf "$LOG" && mkdir -p "$LOG"
passed=0
failed=0
failed_suites=""

# ASan: fail on leaks too; UBSan: stop at the first report.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

count() { # file pattern -> number
	sed -n "s/$2/\1/p" "$1" | tail -n 1
}

run_unit() { # variant [label]
	for t in build/$1/tests/*_test; do
		[ -x "$t" ] || continue
		name="${2:-$1}/$(basename "$t")"
		out="$LOG/$(echo "$name" | tr / _).log"
		"$t" >"$out" 2>&1
		rc=$?
		p=$(count "$out" '^\[  PASSED  \] \([0-9]*\) test.*')
		f=$(count "$out" '^\[  FAILED  \] \([0-9]*\) test.*')
		p=${p:-0}; f=${f:-0}
		if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
		passed=$((passed + p)); failed=$((failed + f))
		if [ $rc -ne 0 ]; then
			failed_suites="$failed_suites $name"
			echo "FAIL $name (log: $out)"; tail -n 30 "$out"
		else
			echo "ok   $name: $p passed"
		fi
	done
}

run_node() { # label binary dir
	out="$LOG/$1.log"
	TANDEM_BIN="$2" node --test --test-reporter=spec "$3" >"$out" 2>&1
	rc=$?
	p=$(count "$out" '^ℹ pass \([0-9]*\)')
	f=$(count "$out" '^ℹ fail \([0-9]*\)')
	p=${p:-0}; f=${f:-0}
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ $rc -ne 0 ]; then
		failed_suites="$failed_suites $1"
		echo "FAIL $1: $f failed (log: $out)"; grep -E '^\s*(✖|not ok)' "$out" | head -40
	else
		echo "ok   $1: $p passed"
	fi
}

# A throw-away PostgreSQL server for the second backend, removed at exit.
eval "$(scripts/pg-temp.sh start)" || { echo "cannot start PostgreSQL for the tests"; exit 1; }
trap 'scripts/pg-temp.sh stop "$PGTEMP_DIR"' EXIT INT TERM
PG_BASE="postgresql://tandem@127.0.0.1:$PGTEMP_PORT/"

echo "== unit tests, SQLite (release)"; run_unit release
echo "== unit tests, SQLite (ASan+UBSan)"; run_unit asan
export TANDEM_TEST_PG="$PG_BASE"
echo "== unit tests, PostgreSQL (release)"; run_unit release release-pg
unset TANDEM_TEST_PG
echo "== API tests, SQLite (release)"; run_node api-sqlite ./tandem tests/api/
echo "== API tests, SQLite (ASan+UBSan)"; run_node api-sqlite-asan build/asan/tandem tests/api/
export TANDEM_TEST_PG="$PG_BASE"
echo "== API tests, PostgreSQL (release)"; run_node api-pg ./tandem tests/api/
echo "== operations: backup/restore, SQLite -> PostgreSQL, make install"; run_node ops ./tandem tests/ops/
unset TANDEM_TEST_PG
echo "== fail-over test, PostgreSQL primary + standby"; run_node ha ./tandem tests/ha/
if [ -d tests/browser ]; then
	echo "== browser tests (Chromium)"; run_node browser ./tandem tests/browser/
fi

echo
[ -n "$failed_suites" ] && echo "failed suites:$failed_suites"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$failed_suites" ]
