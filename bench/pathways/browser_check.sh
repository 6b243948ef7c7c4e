#!/usr/bin/env bash
# browser_check.sh runs zpd simulate-policy on every world in configs/worlds
# (small runs) and opens each report.html in headless Chromium: it takes a
# screenshot and checks, from the DOM after load, that every embedded image
# decoded (img.complete && naturalWidth > 0) and that the page references
# nothing over the network.
#
# Needs Debian's chromium (apt-get install -y chromium) and Go; runs as root
# (hence --no-sandbox). The project's Go tests do not need it.
#
#   bench/pathways/browser_check.sh          # screenshots in /tmp/zpd-pathways-check
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-/tmp/zpd-pathways-check}
chromium=${CHROMIUM:-chromium}
command -v "$chromium" >/dev/null || { echo "no $chromium: apt-get install -y chromium" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/zpd" ./cmd/zpd)

status=0
for world in "$root"/configs/worlds/*.yaml; do
	name=$(basename "$world" .yaml)
	"$work/zpd" simulate-policy --world "$world" --learners 200 --steps 100 --out "$work/$name" >/dev/null
	html="$work/$name/report.html"
	if grep -Eqo '(src|href)="https?:' "$html"; then
		echo "FAIL $name: the page loads something over the network" >&2
		status=1
	fi
	want=$(grep -o '<img ' "$html" | wc -l || true)
	probe="$work/$name-probe.html"
	sed 's#</body>#<script>window.addEventListener("load",function(){var i=Array.from(document.images);document.body.setAttribute("data-images",i.length);document.body.setAttribute("data-images-ok",i.every(function(x){return x.complete\&\&x.naturalWidth>0})?"yes":"no");});</script></body>#' "$html" >"$probe"
	flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
		--disable-sync --no-first-run --hide-scrollbars --user-data-dir="$(mktemp -d -p "$work")")
	"$chromium" "${flags[@]}" --virtual-time-budget=10000 --dump-dom "file://$probe" 2>/dev/null >"$work/$name.dom"
	"$chromium" "${flags[@]}" --window-size=1280,3000 --screenshot="$out/$name.png" "file://$html" 2>/dev/null >/dev/null
	got=$(grep -o 'data-images="[0-9]*"' "$work/$name.dom" | grep -o '[0-9]*' || echo none)
	if grep -q 'data-images-ok="yes"' "$work/$name.dom" && [ "$got" = "$want" ]; then
		echo "ok   $name: $got/$want images loaded; screenshot $out/$name.png"
	else
		echo "FAIL $name: images loaded $(grep -o 'data-images-ok="[a-z]*"' "$work/$name.dom" || echo '?'), $got of $want" >&2
		status=1
	fi
done
exit $status
