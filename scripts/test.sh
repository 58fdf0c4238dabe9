#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test:
# the Linux build's, then the Windows build's under Wine (scripts/test-windows.sh;
# ISAPI_SKIP_WINDOWS=1 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --preset release -j"${JOBS:-$(nproc)}" --timeout 300 "$@"
if [ "${ISAPI_SKIP_WINDOWS:-0}" != 1 ]; then
  bash scripts/test-windows.sh
fi
