#!/usr/bin/env bash
# Builds the zpd serve image without a registry and checks that it works:
# a static zpd built here is copied onto an empty image with buildah (no
# base image to pull; the layout, user and entry point of deploy/Dockerfile,
# which stays for builders with registry access), then podman runs it
# serving a model, scores one learner through /v1/score, and posts one
# attempt to the stateful route with a SQLite learner store on a volume.
#
#   bash deploy/build-image.sh [MODELDIR]    # TAG=localhost/zpd:dev, PORT=18180, RUN_OPTS
#
# Needs Debian's podman and buildah (apt-get install podman buildah) and
# root or rootless podman. Without MODELDIR it trains a small model on a
# simulated log first.
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${TAG:-localhost/zpd:dev}
PORT=${PORT:-18180}
NAME=zpd-image-check-$$
work=$(mktemp -d)
chmod 755 "$work" # the image's user (65532) reads the model from here
cleanup() {
  podman ${RUNTIME:+--runtime "$RUNTIME"} rm -f "$NAME" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

version=$(git describe --always --dirty 2>/dev/null || echo dev)
echo "== building a static zpd ($version)"
CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$work/zpd" ./cmd/zpd
if ldd "$work/zpd" >/dev/null 2>&1; then
  echo "zpd is dynamically linked; the empty image has no libc" >&2
  exit 1
fi

echo "== assembling $TAG with buildah, from scratch"
ctr=$(buildah from scratch)
buildah copy "$ctr" "$work/zpd" /usr/local/bin/zpd >/dev/null
buildah copy "$ctr" configs/serve.yaml /etc/zpd/serve.yaml >/dev/null
buildah config --user 65532:65532 --port 8080 --stop-signal SIGTERM \
  --env ZPD_SERVE_ADDR=:8080 --env ZPD_SERVE_MODEL=/models/current \
  --entrypoint '["/usr/local/bin/zpd", "serve", "--config", "/etc/zpd/serve.yaml"]' --cmd '[]' \
  --label org.opencontainers.image.version="$version" "$ctr"
buildah commit --rm "$ctr" "$TAG" >/dev/null
podman image inspect "$TAG" --format 'image {{.Id}}: {{.Size}} bytes, user {{.Config.User}}'

model=${1:-}
if [[ -z $model ]]; then
  echo "== training a small model to serve"
  "$work/zpd" simulate --learners 300 --items 200 --out "$work/sim" >/dev/null
  "$work/zpd" train "$work/sim" --out "$work/model" --evaluate=false >/dev/null
  model=$work/model
fi
chmod -R a+rX "$model"
mkdir -p "$work/data"
chown 65532:65532 "$work/data" 2>/dev/null || chmod 777 "$work/data"

echo "== running it with podman on 127.0.0.1:$PORT"
# On the project's machine (a VM with hybrid cgroups and capped rlimits)
# crun refuses hybrid cgroups and podman's default rlimits exceed the caps:
# runc (RUNTIME) and limits within the caps (RUN_OPTS) work there.
RUNTIME=${RUNTIME-$(command -v runc >/dev/null && echo runc)}
RUN_OPTS=${RUN_OPTS-"--ulimit nofile=$(ulimit -Hn):$(ulimit -Hn) --ulimit nproc=1024:1024"}
podman_() { podman ${RUNTIME:+--runtime "$RUNTIME"} "$@"; }
# shellcheck disable=SC2086
podman_ run $RUN_OPTS -d --name "$NAME" -p "127.0.0.1:$PORT:8080" \
  -v "$(cd "$model" && pwd):/models/current:ro" -v "$work/data:/data" \
  -e ZPD_SERVE_API_KEYS=secret -e ZPD_SERVE_STORE=sqlite:/data/learners.db "$TAG" >/dev/null
for i in $(seq 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  [[ $i -lt 100 ]] || { podman_ logs "$NAME" >&2; exit 1; }
  sleep 0.2
done
item=item-003
echo "== POST /v1/score"
curl -fsS -H 'Authorization: Bearer secret' -H 'Content-Type: application/json' \
  -d '{"learner_id":"u1","attempts":[{"item_id":"'"$item"'","correct_independent":false,"correct_supported":true}],"candidates":[{"item_id":"item-007"}],"options":{"recommendations":1}}' \
  "http://127.0.0.1:$PORT/v1/score" | tee "$work/score.json"
echo
grep -q '"model_version":"elasticity-' "$work/score.json"
echo "== POST /v1/learners/u1/attempts (SQLite store on the /data volume)"
curl -fsS -H 'Authorization: Bearer secret' -H 'Content-Type: application/json' \
  -d '{"attempts":[{"event_id":"e1","item_id":"'"$item"'","correct_independent":false,"correct_supported":true}],"candidates":[{"item_id":"item-007"}]}' \
  "http://127.0.0.1:$PORT/v1/learners/u1/attempts" | tee "$work/stateful.json"
echo
# Stateless and stateful answers agree for the same attempt (served: the
# one attempt posted through the stateful route).
cmp "$work/score.json" "$work/stateful.json"
test -s "$work/data/learners.db"
podman_ stop -t 10 "$NAME" >/dev/null
echo "OK: $TAG built, served the model and scored one learner (both routes)"
