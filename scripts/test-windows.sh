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

# Catch2 lists each test program's cases at build time, by running it under
# Wine. A run that prints nothing (a Wine hiccup) leaves an empty list, and
# ctest would skip that program's tests without a word. Relink such a program,
# which lists it again, and stop if the list stays empty.
empty_test_lists() {
    find build/mingw -name '*_tests-*.cmake' -print0 | xargs -0 -r grep -L 'add_test' || true
}
for list in $(empty_test_lists); do
    target=$(basename "$list" | sed 's/_tests-[0-9a-f]*\.cmake$//')
    echo "test-windows: $target listed no tests; relinking it to list them again" >&2
    find build/mingw -name "$target.exe" -delete
    cmake --build --preset mingw --target "$target"
done
if [ -n "$(empty_test_lists)" ]; then
    echo "test-windows: still no tests listed in: $(empty_test_lists)" >&2
    exit 1
fi

# build/mingw/wine-run (made by cmake/mingw-wine-runner.cmake) prepares the
# prefix and starts a persistent, warmed-up Wine server on first use; the
# build's test discovery has usually done so already. Stop that server at the
# end, whatever happens, or it outlives the script.
export WINEPREFIX="$PWD/build/mingw/wineprefix" WINEDEBUG=-all
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
build/mingw/wine-run cmd /c exit </dev/null >/dev/null 2>&1
ctest --preset mingw -j"${JOBS:-$(nproc)}" --timeout 300 "$@"
