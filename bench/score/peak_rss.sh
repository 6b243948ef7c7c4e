#!/usr/bin/env bash
# Peak RSS of `zpd score` under a memory budget, measured on the built
# binary with /usr/bin/time -v (GNU time), on the benchmark cohort of
# batch.BenchmarkScore: 10M attempts, 200,000 learners (made on first use).
#
#   bench/score/peak_rss.sh [BUDGET ...]      default: 256MB
#
# Environment: ZPD_BENCH_DIR (default $TMPDIR/zpd-bench-score) holds the
# cohort and model between runs; CANDIDATES=N adds a readiness table for the
# model's first N items (N × 200,000 rows). Prints, per budget, the peak RSS, wall and
# CPU seconds, attempts/s and the machine's load average before the run;
# exits non-zero when a peak RSS exceeds its budget.
set -euo pipefail
cd "$(dirname "$0")/../.."
budgets=("${@:-256MB}")
bench="${ZPD_BENCH_DIR:-${TMPDIR:-/tmp}/zpd-bench-score}"
cohort="$bench/cohort-200000x50/attempts.parquet"
model="$bench/model"
if [[ ! -f "$cohort" || ! -f "$model/metadata.json" ]]; then
  # The benchmark makes the cohort and the model on first use.
  ZPD_BENCH_DIR="$bench" go test -run '^$' -bench 'Score/10M/default' -benchtime 1x ./batch/ >/dev/null
fi
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/zpd" ./cmd/zpd
cand_args=()
if [[ "${CANDIDATES:-0}" -gt 0 ]]; then
  python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["items"][:int(sys.argv[2])]))' \
    "$model/params" "$CANDIDATES" >"$bin/candidates.txt"
  cand_args=(--candidates "$bin/candidates.txt")
fi

bytes() { # 256MB -> bytes (powers of 1024, as zpd reads them)
  local v="${1^^}" n u
  n="${v%%[A-Z]*}"; u="${v#"$n"}"
  case "$u" in
    ""|B) echo "$n" ;; K|KB|KIB) echo $((n << 10)) ;; M|MB|MIB) echo $((n << 20)) ;;
    G|GB|GIB) echo $((n << 30)) ;; *) echo "unknown unit in $1" >&2; exit 2 ;;
  esac
}

status=0
for budget in "${budgets[@]}"; do
  out="$bin/out"
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -v "$bin/zpd" score --model "$model" --in "$cohort" --out "$out" \
    --memory-budget "$budget" "${cand_args[@]}" --progress=false --json >"$bin/summary.json" 2>"$bin/time.txt"
  rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$bin/time.txt")"
  user="$(awk -F': ' '/User time/ {print $2}' "$bin/time.txt")"
  sys="$(awk -F': ' '/System time/ {print $2}' "$bin/time.txt")"
  wall="$(python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["seconds"])' "$bin/summary.json")"
  rate="$(python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["attempts_per_second"])' "$bin/summary.json")"
  parts="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifest"]["parts"])' "$bin/summary.json")"
  printf 'candidates %-3s budget %-6s parts %-3s peak RSS %6.1f MB  wall %5ss  cpu %5.1fs  %9s attempts/s  (load avg before: %s)\n' \
    "${CANDIDATES:-0}" "$budget" "$parts" "$(echo "$rss_kb / 1024" | bc -l)" "$wall" "$(echo "$user + $sys" | bc -l)" "$rate" "$load"
  if (( rss_kb * 1024 > $(bytes "$budget") )); then
    echo "peak RSS exceeds the $budget budget" >&2
    status=1
  fi
  rm -rf "$out"
done
exit $status
