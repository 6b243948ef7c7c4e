#!/usr/bin/env bash
# Cross-check zpd's evaluation against the independent Python reference
# (../shared/reference, docs/evaluation.md): both evaluate the same
# ASSISTments 2009 skill-builder CSV under the protocol and print their
# leaderboards one after the other. Baseline AUCs should agree to ~0.005.
#
#   bench/crosscheck_reference.sh [FILE.csv]
#
# Needs: python3-sklearn and python3-pandas (Debian packages, /usr/bin/python3)
# for the reference. zpd runs `zpd eval` when cmd/zpd has it, else the
# catalog package's TestCrosscheckFile on the same file.
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
  go run ./cmd/zpd eval "$file"
else
  ZPD_CROSSCHECK_CSV="$file" go test -count=1 -run '^TestCrosscheckFile$' -v ./models/catalog |
    sed -n '/attempts /,/^--- /p' | sed '$d' | sed 's/^        //'
fi
