#!/usr/bin/env bash
# Load test of the stateful route, on loopback only:
#
#   bench/serve/learners.sh [paced|floor|stateless|saturate|all]
#
# Builds zpd, writes bench/serve/gen's synthetic 10,000-item model, seeds
# the learner store with $LEARNERS learners of $HISTORY attempts each
# (bench/serve/seed), starts zpd serve --store $STORE and drives POST
# /v1/learners/{id}/attempts with bench/serve/learners.lua: every request
# posts one new attempt for the next learner (round robin) with 20
# candidates, and is answered with the score on the learner's whole stored
# history (a 20 s run at 2,000 req/s adds 4 attempts per learner).
# Before measuring, a warm-up run of $WARM posts as fast as it goes, so
# that the server has the learners' histories in its cache
# (learner_cache_bytes), as a server that has been up a while has; WARM=0
# measures from a cold cache.
#   paced     $RATE (2000) req/s, open loop (vegeta, which sends on a fixed
#             schedule whatever the answers take, so a slow answer cannot
#             thin the load): the latency percentiles at that rate
#   floor     the same schedule against bench/serve/ceiling, a Gin server
#             that answers every POST with a fixed body: the percentiles
#             no server can beat on these cores with this load generator
#   stateless the same schedule of POST /v1/score with $WORK/single.json
#             (50 attempts, 20 candidates): the route without the store
#   saturate  as fast as it goes (wrk, closed loop, $CONNS connections):
#             attempts stored and scored per second
# Each prints a RESULT line. vegeta is built once with go install
# (github.com/tsenart/vegeta/v12, needs the module proxy); wrk is
# Debian's. Environment: STORE (sqlite:$WORK/learners.db;
# or postgres://..., whose learners b0... are replaced), DUR (20s), THREADS
# (2), CONNS (32), PORT (18090), LEARNERS (10000), HISTORY (50), RATE, WARM (10s),
# SERVER_PROCS (GOMAXPROCS of the server, 2), WORK (temp dir), ZPD_BIN,
# SERVER_CPUS and CLIENT_CPUS (taskset CPU lists: pin the server and the
# load generator to separate cores, e.g. SERVER_CPUS=1 CLIENT_CPUS=0
# SERVER_PROCS=1, so that the generator does not take the server's core).
# Other people share the machine: the load average is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."

DUR=${DUR:-20s}
WARM=${WARM:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
PORT=${PORT:-18090}
RATE=${RATE:-2000}
LEARNERS=${LEARNERS:-10000}
HISTORY=${HISTORY:-50}
if [[ -z ${WORK:-} ]]; then
  WORK=$(mktemp -d)
  CLEAN=$WORK
fi
STORE=${STORE:-sqlite:$WORK/learners.db}
URL=http://127.0.0.1:$PORT
KEY=bench-key
HERE=bench/serve

log() { printf '== %s\n' "$*" >&2; }

# on_server and on_client prefix a command to run it on $SERVER_CPUS or
# $CLIENT_CPUS when set (taskset execs it: $! stays the server's pid).
on_server=() on_client=()
[[ -z ${SERVER_CPUS:-} ]] || on_server=(taskset -c "$SERVER_CPUS")
[[ -z ${CLIENT_CPUS:-} ]] || on_client=(taskset -c "$CLIENT_CPUS")

setup() {
  log "building into $WORK"
  if [[ -n ${ZPD_BIN:-} ]]; then cp "$ZPD_BIN" "$WORK/zpd"; else go build -o "$WORK/zpd" ./cmd/zpd; fi
  go run ./$HERE/gen -out "$WORK" -batch 1
  log "seeding $LEARNERS learners x $HISTORY attempts"
  local t0=$SECONDS
  go run ./$HERE/seed -store "$STORE" -learners "$LEARNERS" -history "$HISTORY"
  log "seeded in $((SECONDS - t0)) s"
  ZPD_SERVE_API_KEYS=$KEY GOMAXPROCS=${SERVER_PROCS:-2} \
    "${on_server[@]}" "$WORK/zpd" serve --model "$WORK/model" --addr "127.0.0.1:$PORT" --store "$STORE" --access-log=false \
    2>"$WORK/server.log" &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; [[ -z ${CLEAN:-} ]] || rm -rf "$CLEAN"' EXIT
  for _ in $(seq 100); do
    curl -sf "$URL/readyz" >/dev/null && return
    sleep 0.1
  done
  cat "$WORK/server.log" >&2
  exit 1
}

# cpu_ticks: the server's user+system CPU time so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }

# run_wrk prints wrk's report, its RESULT line, and a CPU line: the
# server's CPU time per request, which the shared machine's contention
# inflates less than the latencies.
run_wrk() {
  log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  log "wrk -t$THREADS -c$CONNS -d$DUR --latency -s $HERE/learners.lua $URL"
  local c0 out
  c0=$(cpu_ticks)
  out=$(BODY=$WORK/single.json KEY=$KEY CONNS=$CONNS THREADS=$THREADS LEARNERS=$LEARNERS \
    "${on_client[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --latency -s $HERE/learners.lua "$URL")
  echo "$out"
  awk -v ticks=$(($(cpu_ticks) - c0)) -v hz="$(getconf CLK_TCK)" '/^RESULT/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^requests=/) { split($i, a, "="); n = a[2] }
      printf "CPU server_cpu_s=%.1f cpu_us_per_request=%.0f\n", ticks / hz, ticks / hz / n * 1e6 }' <<<"$out"
}

# vegeta_bin builds vegeta into $WORK once.
vegeta_bin() {
  [[ -x $WORK/bin/vegeta ]] || GOBIN=$WORK/bin go install github.com/tsenart/vegeta/v12@v12.13.0
  echo "$WORK/bin/vegeta"
}

# run_vegeta NAME PID TARGETS: attacks at $RATE for $DUR with the
# targets file and prints vegeta's report, a RESULT line and the CPU line
# of process PID.
run_vegeta() {
  local name=$1 pid=$2 targets=$3 v c0 report
  v=$(vegeta_bin)
  log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  log "$name: vegeta attack -rate=$RATE/s -duration=$DUR (open loop)"
  c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  report=$("${on_client[@]}" "$v" attack -format=json -targets="$targets" -rate="$RATE/s" -duration="$DUR" -max-workers=512 | "$v" report -type=json)
  local ticks=$(($(awk '{print $14 + $15}' "/proc/$pid/stat") - c0))
  jq -r --arg name "$name" '"\($name) RESULT requests=\(.requests) req_per_s=\(.throughput | floor) p50_ms=\(.latencies["50th"] / 1e6) p90_ms=\(.latencies["90th"] / 1e6) p99_ms=\(.latencies["99th"] / 1e6) max_ms=\(.latencies.max / 1e6) success=\(.success) codes=\(.status_codes | tojson)"' <<<"$report"
  jq -r --arg name "$name" --argjson ticks "$ticks" --argjson hz "$(getconf CLK_TCK)" \
    '"\($name) CPU server_cpu_s=\($ticks / $hz) cpu_us_per_request=\($ticks / $hz / .requests * 1e6 | floor)"' <<<"$report"
}

# targets N: N posts of one new attempt each (bench/serve/targets).
targets() {
  go run ./$HERE/targets -body "$WORK/single.json" -url "$URL" -key "$KEY" -n "$1" \
    -learners "$LEARNERS" -run "v$(date +%s%N)" >"$WORK/targets.json"
}

# requests is how many requests $RATE for $DUR sends, and some to spare.
requests() { echo $((RATE * (${DUR%s} + 2))); }

paced() {
  targets "$(requests)"
  run_vegeta paced "$SERVER" "$WORK/targets.json"
}

floor() {
  go build -o "$WORK/ceiling" ./$HERE/ceiling
  GOMAXPROCS=${SERVER_PROCS:-2} "${on_server[@]}" "$WORK/ceiling" -addr "127.0.0.1:$((PORT + 1))" 2>/dev/null &
  local pid=$!
  sleep 0.5
  jq -c --arg url "http://127.0.0.1:$((PORT + 1))/v1/score" --arg key "$KEY" -n --rawfile body "$WORK/single.json" \
    '{method: "POST", url: $url, body: ($body | @base64), header: {"Content-Type": ["application/json"], Authorization: ["Bearer " + $key]}}' >"$WORK/floor.json"
  run_vegeta floor "$pid" "$WORK/floor.json"
  kill "$pid"
}

stateless() {
  jq -c --arg url "$URL/v1/score" --arg key "$KEY" -n --rawfile body "$WORK/single.json" \
    '{method: "POST", url: $url, body: ($body | @base64), header: {"Content-Type": ["application/json"], Authorization: ["Bearer " + $key]}}' >"$WORK/stateless.json"
  run_vegeta stateless "$SERVER" "$WORK/stateless.json"
}
warm() {
  [[ $WARM != 0 ]] || return 0
  log "warm-up: $WARM as fast as it goes"
  DUR=$WARM run_wrk | grep -E '^(RESULT|CPU)' | sed 's/^/warm-up /' >&2
}
saturate() { run_wrk; }

setup
warm
case ${1:-all} in
  paced) paced ;;
  floor) floor ;;
  stateless) stateless ;;
  saturate) saturate ;;
  all) floor; stateless; paced; saturate ;;
  *) echo "usage: $0 [paced|floor|stateless|saturate|all]" >&2; exit 2 ;;
esac
curl -s "$URL/metrics" | grep -E '^zpd_http_requests_total\{code="[^2]|^zpd_scoring_errors_total' || true
