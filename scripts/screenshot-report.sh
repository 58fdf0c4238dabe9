#!/usr/bin/env bash
# Takes the picture of run's HTML report that README.md and docs/loadgen.md
# show: starts an isapi-host on 127.0.0.1 with the hello sample, runs a short
# open-loop `isapi-loadgen run --html` against it (or takes the HTML file
# given as the first argument), and screenshots the page with headless
# Chromium into docs/images/run-report.png (or the second argument).
# Chromium is installed if missing (Debian's `chromium`, through
# scripts/install-deps.sh). Not part of the CI test run: Chromium is large,
# and the picture is a documentation asset, not a check.
# Usage: scripts/screenshot-report.sh [PAGE.html [OUT.png]]
# Environment: BUILD (default build/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/release}
page=${1:-}
out=${2:-$root/docs/images/run-report.png}

command -v chromium >/dev/null || "$root/scripts/install-deps.sh" chromium

work=$(mktemp -d)
host_pid=
cleanup() {
  if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then kill -INT "$host_pid"; wait "$host_pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$page" ]; then
  "$build/host/isapi-host" --listen 127.0.0.1:0 --map "/hello.dll=$build/samples/hello.so" \
    </dev/null >"$work/out" 2>"$work/err" &
  host_pid=$!
  url=
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on \(http:[^[:space:]]*\).*/\1/p' "$work/out" | head -n 1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "the host did not start:" >&2; cat "$work/err" >&2; exit 1; }
  page=$work/run.html
  # A ramp, so the charts have a shape: 500 -> 3000 req/s over 8 s.
  "$build/loadgen/isapi-loadgen" run "$url/hello.dll" --stages 4s:500,4s:3000 -c 16 --no-progress \
    --expect 'errors=0' --expect 'p99<50ms' --html "$page" >/dev/null
fi

mkdir -p "$(dirname "$out")"
# --hide-scrollbars: the picture shows the page, not the window.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out" --window-size=1200,1600 \
  "file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")" 2>/dev/null
echo "wrote $out ($(du -k "$out" | cut -f1) KB)"
