#!/usr/bin/env bash
# The Windows port's test command: cross-builds the `mingw` preset with
# mingw-w64 and runs its tests under Wine (docs/windows.md). Installs what is
# missing first. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

# The libraries' headers come from the Linux packages, the cross compiler and
# Wine from Debian's.
bash scripts/install-deps.sh g++-mingw-w64-x86-64-posix wine wine64

cmake --preset mingw
cmake --build --preset mingw

# build/mingw/wine-run (made by cmake/mingw-wine-runner.cmake) prepares the
# prefix and starts a persistent, warmed-up Wine server on first use; the
# build's test discovery has usually done so already. Stop that server at the
# end, whatever happens, or it outlives the script.
export WINEPREFIX="$PWD/build/mingw/wineprefix" WINEDEBUG=-all
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
build/mingw/wine-run cmd /c exit </dev/null >/dev/null 2>&1
ctest --preset mingw -j"${JOBS:-$(nproc)}" --timeout 300 "$@"
