#!/usr/bin/env bash
# build.sh builds zpd's serve image without a registry and checks it runs:
#
#   1. a static zpd binary (CGO_ENABLED=0) is built from this checkout;
#   2. buildah assembles the image FROM scratch (no base image to pull): the
#      binary, configs/serve.yaml, uid 65532, the serve entrypoint, as
#      deploy/Dockerfile does for builders with a registry;
#   3. a model is trained on the bundled ASSISTments 2009 excerpt;
#   4. podman runs the image serving that model (mounted read-only) and one
#      learner is scored through it with curl; the script fails unless the
#      answer is a score for that learner from that model.
#
# Needs Debian's podman and buildah (apt-get install -y podman buildah runc), Go,
# curl and jq; runs as root. Not part of .ci/test: it needs the container
# tools and takes a minute.
#
#   deploy/container/build.sh                  # image localhost/zpd:dev
#   IMAGE=localhost/zpd:test PORT=18081 deploy/container/build.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
image=${IMAGE:-localhost/zpd:dev}
port=${PORT:-18080}
name=zpd-build-check-$$
for tool in buildah podman go curl jq; do
	command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing (apt-get install -y podman buildah curl jq)" >&2; exit 2; }
done
work=$(mktemp -d)
ctr=
cleanup() {
	podman rm -f "$name" >/dev/null 2>&1 || true
	[ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== static binary"
version=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo dev)
(cd "$root" && CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$work/zpd" ./cmd/zpd)
if ldd "$work/zpd" >/dev/null 2>&1; then
	echo "build.sh: $work/zpd is dynamically linked" >&2
	exit 1
fi

echo "== image $image (FROM scratch)"
ctr=$(buildah from scratch)
buildah copy --chmod 0755 "$ctr" "$work/zpd" /usr/local/bin/zpd >/dev/null
buildah copy --chmod 0644 "$ctr" "$root/configs/serve.yaml" /etc/zpd/serve.yaml >/dev/null
buildah config \
	--user 65532:65532 \
	--env ZPD_SERVE_ADDR=:8080 --env ZPD_SERVE_MODEL=/models/current \
	--port 8080 --stop-signal SIGTERM \
	--entrypoint '["/usr/local/bin/zpd", "serve", "--config", "/etc/zpd/serve.yaml"]' \
	--label org.opencontainers.image.source=https://github.com/zpd-project/zpd \
	--label org.opencontainers.image.version="$version" \
	"$ctr"
buildah commit --quiet "$ctr" "$image" >/dev/null
buildah rm "$ctr" >/dev/null
ctr=
podman image inspect "$image" --format 'image {{.Id}}: {{.Size}} bytes, user {{.Config.User}}'

echo "== a model on the bundled excerpt"
"$work/zpd" import --format assistments2009 \
	--data "$root/testdata/public/assistments2009-excerpt/as_supersmall.csv" --out "$work/as2009.parquet" >/dev/null
"$work/zpd" train --data "$work/as2009.parquet" --out "$work/models" --evaluate=false --report=false --progress=false >/dev/null
chmod -R a+rX "$work/models"
model=$(jq -r .model_version "$work/models/metadata.json")
items=($(jq -r '.items[0:3][]' "$work/models/current/params"))

echo "== run it"
# Host networking: the check needs no container network, only the port.
# Explicit, modest rlimits: podman's defaults for root exceed what an
# unprivileged sandbox may set. runc (apt-get install -y runc) copes with a
# cgroup v1 host where crun refuses; RUNTIME overrides.
runtime=${RUNTIME:-$(command -v runc || true)}
podman ${runtime:+--runtime "$runtime"} run -d --name "$name" --network host \
	--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
	-e ZPD_SERVE_ADDR="127.0.0.1:$port" -e ZPD_SERVE_API_KEYS=check-key \
	-v "$work/models:/models/current:ro" "$image" >/dev/null
for _ in $(seq 1 100); do
	curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
	sleep 0.2
done
body=$(jq -nc --arg a "${items[0]}" --arg b "${items[1]}" --arg c "${items[2]}" \
	'{learner_id: "container-check", attempts: [{item_id: $a, seq: 1, correct_independent: false, correct_supported: true}],
	  candidates: [{item_id: $b}, {item_id: $c}]}')
answer=$(curl -fsS -H 'Authorization: Bearer check-key' -H 'Content-Type: application/json' -d "$body" \
	"http://127.0.0.1:$port/v1/score") || { podman logs "$name" >&2; exit 1; }
echo "$answer" | jq -c '{learner_id, model_version, attempts, elasticity, readiness: [.readiness[] | {item_id, zone}]}'
if [ "$(echo "$answer" | jq -r '.learner_id + " " + .model_version + " " + (.attempts|tostring) + " " + (.readiness|length|tostring)')" != "container-check $model 1 2" ]; then
	echo "build.sh: unexpected answer from the container" >&2
	exit 1
fi
podman stop -t 10 "$name" >/dev/null
echo "ok: $image serves $model"
