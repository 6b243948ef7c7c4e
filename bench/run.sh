#!/usr/bin/env bash
# Runs zpd's speed and memory benchmarks one after another (never in
# parallel: they share the machine's cores) and prints the load average
# before each, so numbers can be judged. Results feed BENCHMARKS.md.
#
#   bash bench/run.sh [quick|all]   (default: all; quick skips the 10M runs)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
export ZPD_BENCH_DIR="${ZPD_BENCH_DIR:-$(mktemp -d)}"

run() {
	printf '\n== %s   (load %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)"
	"$@"
}

big() { [ "$mode" = all ]; }

run go test -run '^$' -bench 'ReadLog1M' -benchtime 20x ./datasets/
run go test -run '^$' -bench 'Write$|WriteLog' -benchtime 5x ./datasets/
big && run go test -run '^$' -bench 'ReadLog10M' -benchtime 5x ./datasets/
big && run go test -run '^$' -bench 'ReaderStream10M' -benchtime 2x ./datasets/
run go test -run '^$' -bench 'Import2009' -benchtime 5x ./datasets/assistments/
run go test -run '^$' -bench 'Simulate|WriteDir/attempts=1M' -benchtime 3x ./datasets/simulate/
big && run go test -run '^$' -bench 'WriteDir/attempts=10M' -benchtime 1x ./datasets/simulate/
run go test -run '^$' -bench 'Fit/|Score' -benchtime 5x ./models/elasticity/
big && run go test -run '^$' -bench 'Fit10M' -benchtime 1x ./models/elasticity/
run go test -run '^$' -bench 'Epoch' -benchtime 3x ./models/dkt/
run go test -run '^$' -bench '1M' -benchtime 3x ./features/
run go test -run '^$' -bench 'ScoreHandler|BatchHandler|ScoreLearner' ./serve/
big && run go test -run '^$' -bench 'Score' -benchtime 1x ./batch/
true
