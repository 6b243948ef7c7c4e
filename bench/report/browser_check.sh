#!/usr/bin/env bash
# browser_check.sh renders zpd reports and opens them in headless Chromium:
# it takes a screenshot of each and checks, from the DOM after load, that
# every embedded image decoded (img.complete && naturalWidth > 0), that no
# figure is drawn narrower than half the content width, and that the page
# references nothing over the network. Exits non-zero on any failure.
#
# Needs Debian's chromium (apt-get install -y chromium) and Go; runs as root
# (hence --no-sandbox). The project's Go tests do not need it.
#
#   bench/report/browser_check.sh            # screenshots in out/report-check
#   OUT=dir HEIGHT=12000 bench/report/browser_check.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/out/report-check}
height=${HEIGHT:-4000}
data=${ZPD_SHARED_DATA:-$root/testdata/public}/assistments2009-excerpt/as_supersmall.csv
chromium=${CHROMIUM:-chromium}

command -v "$chromium" >/dev/null || { echo "no $chromium: apt-get install -y chromium" >&2; exit 2; }
[ -f "$data" ] || { echo "no excerpt at $data (set ZPD_SHARED_DATA)" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root" && go build -o "$work/zpd" ./cmd/zpd)
zpd="$work/zpd"

train() {
	"$zpd" train --data "$1" --out "$2" --family elasticity --evaluate=false --report=false --progress=false >/dev/null
}

# The excerpt, with its import summary as the report's sidecar file.
"$zpd" import --format assistments2009 --in "$data" --out "$work/as2009.parquet" >/dev/null
train "$work/as2009.parquet" "$work/model-as2009"
start=$(date +%s.%N)
"$zpd" report --model "$work/model-as2009" --data "$work/as2009.parquet" --out "$out/as2009.html" --png "$out/as2009-png" --progress=false
echo "excerpt report (all families): $(echo "$(date +%s.%N) - $start" | bc) s wall"

# A simulated log with three schools, for the equity slices.
"$zpd" simulate --learners 300 --attempts 40 --items 150 --skills 8 --groups 3 --seed 3 --out "$work/sim" >/dev/null
train "$work/sim/attempts.parquet" "$work/model-sim"
"$zpd" report --model "$work/model-sim" --data "$work/sim/attempts.parquet" --out "$out/sim.html" \
	--family itemmean --family irt1pl --family elasticity --progress=false

# A model-only report.
"$zpd" report --model "$work/model-as2009" --out "$out/model-only.html" --progress=false

status=0
for name in as2009 sim model-only; do
	html="$out/$name.html"
	if grep -Eqo '(src|href)="https?:' "$html"; then
		echo "FAIL $name: the page loads something over the network" >&2
		status=1
	fi
	want=$(grep -o '<img ' "$html" | wc -l || true)
	# A copy with a probe that records, once loaded, whether every image
	# decoded and how many figures are drawn narrower than half the page's
	# content width (the window is the screenshot's).
	probe="$work/$name-probe.html"
	sed 's#</body>#<script>window.addEventListener("load",function(){var i=Array.from(document.images);var w=document.querySelector("main").clientWidth;document.body.setAttribute("data-images",i.length);document.body.setAttribute("data-images-ok",i.every(function(x){return x.complete\&\&x.naturalWidth>0})?"yes":"no");document.body.setAttribute("data-narrow",i.filter(function(x){return x.getBoundingClientRect().width<w/2}).length);});</script></body>#' "$html" >"$probe"
	flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
		--disable-sync --no-first-run --hide-scrollbars --user-data-dir="$(mktemp -d -p "$work")")
	"$chromium" "${flags[@]}" --window-size=1280,"$height" --virtual-time-budget=10000 --dump-dom "file://$probe" 2>/dev/null >"$work/$name.dom"
	"$chromium" "${flags[@]}" --window-size=1280,"$height" --screenshot="$out/$name.png" "file://$html" 2>/dev/null >/dev/null
	got=$(grep -o 'data-images="[0-9]*"' "$work/$name.dom" | grep -o '[0-9]*' || echo none)
	narrow=$(grep -o 'data-narrow="[0-9]*"' "$work/$name.dom" | grep -o '[0-9]*' || echo none)
	if grep -q 'data-images-ok="yes"' "$work/$name.dom" && [ "$got" = "$want" ] && [ "$narrow" = 0 ]; then
		echo "ok   $name: $got/$want images loaded, none narrower than half the page; screenshot $out/$name.png"
	else
		echo "FAIL $name: images loaded $(grep -o 'data-images-ok="[a-z]*"' "$work/$name.dom" || echo '?'), $got of $want; $narrow narrower than half the page" >&2
		status=1
	fi
done
exit $status
