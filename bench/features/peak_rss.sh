#!/usr/bin/env bash
# Peak RSS, wall and CPU time of `zpd features` on a simulated log of 10M
# attempts (200,000 learners × 50, made on first use with `zpd simulate`),
# measured on the built binary with /usr/bin/time -v (GNU time).
#
#   bench/features/peak_rss.sh [RUNS]          default: 1 run
#
# Environment: ZPD_BENCH_DIR (default $TMPDIR/zpd-bench-features) keeps
# the log between runs; ZPD_BIN runs that binary instead of building this
# tree's (to measure an older commit's build); EXTRA_ARGS are passed to
# zpd features (e.g. "--part-attempts 2097152"). Prints, per run, the peak
# RSS, wall and CPU seconds, attempts/s and the load average before it.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-1}"
bench="${ZPD_BENCH_DIR:-${TMPDIR:-/tmp}/zpd-bench-features}"
log="$bench/sim-200000x50"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
zpd="${ZPD_BIN:-}"
if [[ -z "$zpd" ]]; then
  go build -o "$bin/zpd" ./cmd/zpd
  zpd="$bin/zpd"
fi
if [[ ! -f "$log/attempts.parquet" ]]; then
  mkdir -p "$bench"
  "$zpd" simulate --learners 200000 --attempts 50 --seed 1 --out "$log" >/dev/null
fi
for _ in $(seq "$runs"); do
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  # shellcheck disable=SC2086
  /usr/bin/time -v "$zpd" features --data "$log" --out "$bin/out" --json ${EXTRA_ARGS:-} >"$bin/summary.json" 2>"$bin/time.txt"
  rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$bin/time.txt")"
  user="$(awk -F': ' '/User time/ {print $2}' "$bin/time.txt")"
  sys="$(awk -F': ' '/System time/ {print $2}' "$bin/time.txt")"
  wall="$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$bin/time.txt" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')"
  rows="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"])' "$bin/summary.json")"
  printf 'peak RSS %6.1f MB  wall %5.2fs  cpu %5.2fs  %9.0f attempts/s  %s rows  (load avg before: %s)\n' \
    "$(echo "$rss_kb / 1024" | bc -l)" "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$rows / $wall" | bc -l)" "$rows" "$load"
  rm -rf "$bin/out"
done
