#!/bin/sh
# The two ways into isapi_add_extension that need no install, each used from
# a subfolder of another project, where no variable of this project's
# folders reaches: add_subdirectory of the whole project, and include() of
# cmake/IsapiExtension.cmake alone. Each must build
# examples/out-of-tree/myext.c into a module exporting exactly the three
# ISAPI entry points.
# Arguments: cmake, the source folder, the CMake generator.
set -u
cmake=$1 source=$(cd "$2" && pwd) generator=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL ($route): $*"
  cat "$work/log" 2>/dev/null
  exit 1
}

for route in add_subdirectory include; do
  project=$work/$route
  mkdir -p "$project/ext"
  case $route in
    add_subdirectory) way_in="add_subdirectory(\"$source\" isapi-harness EXCLUDE_FROM_ALL)" ;;
    include) way_in="include(\"$source/cmake/IsapiExtension.cmake\")" ;;
  esac
  printf 'cmake_minimum_required(VERSION 3.25)\nproject(by_%s C)\n%s\nadd_subdirectory(ext)\n' "$route" "$way_in" \
    >"$project/CMakeLists.txt"
  printf 'isapi_add_extension(myext "%s/examples/out-of-tree/myext.c")\n' "$source" >"$project/ext/CMakeLists.txt"
  "$cmake" -S "$project" -B "$project/build" -G "$generator" >"$work/log" 2>&1 || fail "configuring failed"
  "$cmake" --build "$project/build" --target myext >"$work/log" 2>&1 || fail "building myext failed"
  exports=$(nm -D --defined-only "$project/build/ext/myext.so" | awk '{print $3}' | sort | tr '\n' ' ')
  [ "$exports" = "GetExtensionVersion HttpExtensionProc TerminateExtension " ] || fail "myext.so exports: $exports"
done
echo "PASS: by add_subdirectory and by include(), myext.so exports: $exports"
