#!/bin/sh
# The extension developer's path, taken as a new user takes it, outside this
# tree: install the build to a prefix, move the prefix (nothing installed may
# point back here), build examples/out-of-tree with find_package against it,
# serve the modules with the installed isapi-host and ask each one URL
# (mywinext is written for Windows and built with WIN32_COMPAT).
# Arguments: cmake, the build folder, the source folder, the CMake generator,
# the SERVER_SOFTWARE the host must give.
set -u
cmake=$1 generator=$4 server_software=$5
build=$(cd "$2" && pwd) source=$(cd "$3" && pwd)  # absolute, to look for below

# Starting, stopping and failure reports: the Windows end-to-end helper,
# with env in place of wine-run to start the native host.
wine_run=env
fail_label="out of tree"
. "$source/tests/integration/windows/wine_host.sh"

"$cmake" --install "$build" --prefix "$work/installed" >"$work/run" 2>&1 || fail "cmake --install failed"
mv "$work/installed" "$work/moved"
prefix=$work/moved
stale=$(grep -rIl -e "$build" -e "$source" "$prefix")
[ -z "$stale" ] || fail "installed files name the build or source tree: $stale"

"$cmake" -S "$source/examples/out-of-tree" -B "$work/ext" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
  >"$work/run" 2>&1 || fail "configuring the example against the installed package failed"
found_dir=$(sed -n 's/^isapi-harness_DIR:PATH=//p' "$work/ext/CMakeCache.txt")
[ "$found_dir" = "$prefix/lib/cmake/isapi-harness" ] || fail "find_package found '$found_dir', not the installed package"
"$cmake" --build "$work/ext" >"$work/run" 2>&1 || fail "building the example failed"

host=$prefix/bin/isapi-host
start_host --map "/myext.dll=$work/ext/myext.so" --map "/mywinext.dll=$work/ext/mywinext.so"
# A query only this run knows: the answer cannot come from anywhere else.
nonce="run$$x$(date +%s%N)"
answer=$(curl -sS --max-time 10 "$url/myext.dll?$nonce" 2>"$work/run") || fail "curl $url/myext.dll failed"
expected="myext: query=$nonce server=$server_software"
[ "$answer" = "$expected" ] || fail "the host answered '$answer', not '$expected'"
# The Windows-style one: <windows.h> and DllMain through WIN32_COMPAT.
winanswer=$(curl -sS --max-time 10 "$url/mywinext.dll" 2>"$work/run") || fail "curl $url/mywinext.dll failed"
[ "$winanswer" = "mywinext: DllMain saw mywinext.so" ] || fail "mywinext answered '$winanswer'"
stop_host
echo "PASS: myext.so, built by find_package(isapi-harness) against a moved install, answered '$answer'; mywinext.so (WIN32_COMPAT) '$winanswer'"
