#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, then runs the
# swap demo with the bundled samples: version v1 -> v2 under 2000 req/s, first
# by the seed's procedure (rename, slow copy, uncached), then by the best
# strategy (stage + atomic exchange, overlapped recycle), side by side.
# The HTML and JSON reports go to build/swap-demo.* (the best strategy's run)
# and build/swap-demo.seed-procedure.* (the seed's).
# Extra arguments go to `isapi-loadgen swap` (see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
build=build/release
"$build/loadgen/isapi-loadgen" swap --html build/swap-demo.html --json build/swap-demo.json "$@"
echo
echo "reports (open the HTML offline in a browser):"
echo "  the best strategy:    build/swap-demo.html, build/swap-demo.json"
echo "  the seed's procedure: build/swap-demo.seed-procedure.html, build/swap-demo.seed-procedure.json"
