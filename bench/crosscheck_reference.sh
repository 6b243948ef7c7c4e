#!/usr/bin/env bash
# Cross-check zpd's evaluation against the independent Python reference
# (../shared/reference, docs/evaluation.md): both evaluate the same
# ASSISTments 2009 skill-builder CSV under the protocol and print their
# leaderboards one after the other. Baseline AUCs should agree to ~0.005.
#
#   bench/crosscheck_reference.sh [FILE.csv]
#
# Needs: python3-sklearn and python3-pandas (Debian packages, /usr/bin/python3)
# for the reference. zpd imports the file (`zpd import`) and runs `zpd eval`
# on it; without cmd/zpd/eval.go it runs the catalog package's
# TestCrosscheckFile on the same file instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${ZPD_SHARED:-$root/../shared}"
file="${1:-$shared/data/assistments2009-excerpt/as_supersmall.csv}"
file="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
py="${PYTHON:-/usr/bin/python3}"

echo "== reference: $shared/reference/baselines.py"
"$py" "$shared/reference/baselines.py" "$file"

echo
echo "== zpd"
cd "$root"
if [ -f cmd/zpd/eval.go ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  go build -o "$tmp/zpd" ./cmd/zpd
  "$tmp/zpd" import --format assistments2009 --in "$file" --out "$tmp/log.parquet" >/dev/null
  "$tmp/zpd" eval --data "$tmp/log.parquet" --progress=false
else
  ZPD_CROSSCHECK_CSV="$file" go test -count=1 -run '^TestCrosscheckFile$' -v ./models/catalog |
    sed -n '/attempts /,/^--- /p' | sed '$d' | sed 's/^        //'
fi
