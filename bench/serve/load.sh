#!/usr/bin/env bash
# Load tests for zpd serve with wrk, on loopback only.
#
#   bench/serve/load.sh [single|half|batch|infer|reload|soak|ceiling|memory|all]
#
# Builds zpd, writes a synthetic 10,000-item elasticity model and request
# bodies of the reference shape (one learner, 50 attempts, 20 candidates;
# batches of 1,000 such learners) with bench/serve/gen, starts zpd serve on
# 127.0.0.1:$PORT and runs:
#   single  /v1/score at saturation (wrk -t$THREADS -c$CONNS)
#   half    /v1/score paced at $RATE req/s (default: half the single result)
#   batch   /v1/score/batch, 1,000 learners per request: learners/s, for
#           the reference shape and for short histories (10 attempts, no
#           candidates: nightly re-scoring)
#   infer   /v2/models/zpd/infer, the same 1,000 learners as tensors
#   reload  /v1/score while POST /admin/reload runs every second: no request may fail
#   soak    /v1/score for $SOAK, sampling the server's RSS every 10 s
#   ceiling the same single-learner wrk run against bench/serve/ceiling, a
#           Gin server answering fixed JSON: what the shared cores allow now
#   memory  $CONCURRENT (32) maximum-size batches (${BIG_BATCH:-6500} learners,
#           about 61 MB) posted at once with curl, streamed from disk: the
#           server's peak RSS (VmHWM) against max_batch_bytes_in_flight,
#           and how many got 200 and 503. Set GOMEMLIMIT and
#           ZPD_SERVE_MAX_BATCH_BYTES_IN_FLIGHT as the deployment does.
# Each prints a RESULT line. Environment: DUR (20s), THREADS (2), CONNS
# (64), PORT (18080), SOAK (150s; use 10m for the full soak), WORK (temp
# dir), SERVER_PROCS (GOMAXPROCS of the server, 2), ZPD_BIN (a zpd binary
# to use) or SRC=head (build the committed tree instead of the working one).
# Other people share the machine: the script prints the load average, and
# every run is bounded by DUR or SOAK.
set -euo pipefail
cd "$(dirname "$0")/../.."

DUR=${DUR:-20s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
PORT=${PORT:-18080}
SOAK=${SOAK:-150s}
if [[ -z ${WORK:-} ]]; then
  WORK=$(mktemp -d)
  CLEAN=$WORK # removed at exit; pass WORK to keep the files
fi
URL=http://127.0.0.1:$PORT
KEY=bench-key
ADMIN=bench-admin
HERE=bench/serve

log() { printf '== %s\n' "$*" >&2; }

setup() {
  log "building into $WORK"
  if [[ -n ${ZPD_BIN:-} ]]; then
    cp "$ZPD_BIN" "$WORK/zpd"
  elif [[ ${SRC:-tree} == head ]]; then
    # The committed tree, when work in progress elsewhere does not build.
    mkdir -p "$WORK/src"
    git archive HEAD | tar -x -C "$WORK/src"
    (cd "$WORK/src" && go build -o "$WORK/zpd" ./cmd/zpd)
  else
    go build -o "$WORK/zpd" ./cmd/zpd
  fi
  go run ./$HERE/gen -out "$WORK"
  ZPD_SERVE_API_KEYS=$KEY ZPD_SERVE_ADMIN_KEYS=$ADMIN GOMAXPROCS=${SERVER_PROCS:-2} \
    "$WORK/zpd" serve --model "$WORK/model" --addr "127.0.0.1:$PORT" --access-log=false \
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

# run_wrk PATH BODY [extra wrk args]: prints wrk's report and the RESULT line.
run_wrk() {
  local path=$1 body=$2
  shift 2
  log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  log "wrk -t$THREADS -c$CONNS -d$DUR --latency -s $HERE/post.lua $URL$path $*"
  BODY=$body KEY=$KEY CONNS=$CONNS wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --latency -s $HERE/post.lua "$@" "$URL$path"
}

single() { run_wrk /v1/score "$WORK/single.json" | tee "$WORK/single.out"; }

half() {
  local rate=${RATE:-}
  if [[ -z $rate ]]; then
    [[ -f $WORK/single.out ]] || single >/dev/null
    rate=$(awk '/^RESULT/ { for (i = 1; i <= NF; i++) if ($i ~ /^req_per_s=/) { split($i, a, "="); print int(a[2] / 2) } }' "$WORK/single.out")
  fi
  log "pacing at $rate req/s"
  RATE=$rate run_wrk /v1/score "$WORK/single.json"
}

batch() {
  local body
  for body in batch batch-short; do
    CONNS=${BATCH_CONNS:-4} run_wrk /v1/score/batch "$WORK/$body.json" --timeout 10s | tee "$WORK/$body.out"
    awk -v b=$body '/^RESULT/ { for (i = 1; i <= NF; i++) if ($i ~ /^req_per_s=/) { split($i, a, "="); printf "%s learners_per_s=%.0f\n", b, a[2] * 1000 } }' "$WORK/$body.out"
  done
}

infer() {
  CONNS=${BATCH_CONNS:-4} run_wrk /v2/models/zpd/infer "$WORK/infer.json" --timeout 10s | tee "$WORK/infer.out"
  awk '/^RESULT/ { for (i = 1; i <= NF; i++) if ($i ~ /^req_per_s=/) { split($i, a, "="); printf "learners_per_s=%.0f\n", a[2] * 1000 } }' "$WORK/infer.out"
}

reload() {
  local n=0 bad=0
  ( while sleep 1; do
      code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "$URL/admin/reload")
      echo "$code" >>"$WORK/reloads"
    done ) &
  local loop=$!
  run_wrk /v1/score "$WORK/single.json"
  kill $loop
  n=$(wc -l <"$WORK/reloads")
  bad=$(grep -vc '^200$' "$WORK/reloads" || true)
  echo "RELOADS count=$n failed=$bad"
  curl -s "$URL/metrics" | grep -E '^zpd_model_reloads_total|^zpd_http_requests_total\{code="[^2]' || true
}

soak() {
  log "soak for $SOAK; RSS every 10 s"
  ( while sleep 10; do
      echo "RSS t=$(date +%s) rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status) heap_inuse=$(curl -s "$URL/metrics" | awk '/^go_memstats_heap_inuse_bytes/ {print $2}')"
    done ) &
  local sampler=$!
  DUR=$SOAK run_wrk /v1/score "$WORK/single.json"
  kill $sampler
}

memory() {
  local n=${CONCURRENT:-32}
  go run ./$HERE/gen -out "$WORK/big" -batch "${BIG_BATCH:-6500}" >/dev/null
  local body=$WORK/big/batch.json
  log "$n concurrent batches of $(stat -c %s "$body") bytes; GOMEMLIMIT=${GOMEMLIMIT:-unset} in_flight=${ZPD_SERVE_MAX_BATCH_BYTES_IN_FLIGHT:-default}"
  log "server RSS before: $(awk '/VmRSS/ {print $2}' /proc/$SERVER/status) kB"
  : >"$WORK/codes"
  for _ in $(seq "$n"); do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 300 -X POST -T "$body" \
      -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" "$URL/v1/score/batch" >>"$WORK/codes" &
  done
  wait $(jobs -p | grep -v "^$SERVER\$") 2>/dev/null || true
  sleep 1
  echo "MEMORY concurrent=$n body_bytes=$(stat -c %s "$body") peak_rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$SERVER/status)" \
    "rss_after_kb=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status) ok=$(grep -c '^200$' "$WORK/codes" || true)" \
    "busy=$(grep -c '^503$' "$WORK/codes" || true) other=$(grep -vc '^200$\|^503$' "$WORK/codes" || true)"
}

ceiling() {
  go build -o "$WORK/ceiling" ./$HERE/ceiling
  GOMAXPROCS=${SERVER_PROCS:-2} "$WORK/ceiling" -addr "127.0.0.1:$((PORT + 1))" 2>/dev/null &
  local pid=$!
  sleep 0.5
  URL=http://127.0.0.1:$((PORT + 1)) run_wrk /v1/score "$WORK/single.json"
  kill $pid
}

setup
case ${1:-all} in
  single) single ;;
  half) half ;;
  batch) batch ;;
  infer) infer ;;
  reload) reload ;;
  soak) soak ;;
  ceiling) ceiling ;;
  memory) memory ;;
  all) single; half; batch; infer; reload ;;
  *) echo "usage: $0 [single|half|batch|infer|reload|soak|ceiling|memory|all]" >&2; exit 2 ;;
esac
