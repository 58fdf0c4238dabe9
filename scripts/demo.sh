#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, then runs the
# swap demo with the bundled samples: version v1 -> v2 under 2000 req/s, first
# by the seed's procedure (rename, slow copy, uncached), then by the best
# strategy (stage + atomic exchange, overlapped recycle), side by side.
# The HTML and JSON reports of the second run go to build/swap-demo.*.
# Extra arguments go to `isapi-loadgen swap` (see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
build=build/release
"$build/loadgen/isapi-loadgen" swap --html build/swap-demo.html --json build/swap-demo.json "$@"
echo
echo "reports: build/swap-demo.html (open it offline in a browser), build/swap-demo.json"
