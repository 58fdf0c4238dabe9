#!/bin/sh
# The seed's story on Windows semantics: isapi-loadgen.exe swaps
# version_v1.dll for version_v2.dll under load, against an isapi-host.exe it
# starts itself, all under Wine.
#  1. rename-copy, uncached, slow copy (the seed's procedure): the live name
#     is missing while the copy runs, so the report shows a window and
#     dropped requests, and v2 answers afterwards.
#  2. overwrite of the DLL the worker has loaded: Windows refuses it with a
#     sharing violation (error 32), the report names the error and says
#     nothing changed, v1 answers every request, exit 3.
#  3. shadow (the host loads private copies) with an overlapped recycle:
#     nothing dropped, v2 answers, exit 0 with --expect dropped=0.
#  4. the demo (no strategy chosen) runs with the bundled DLLs and picks
#     shadow, since Windows has no atomic exchange.
# Usage: swap_under_wine.sh WINE_RUN ISAPI_LOADGEN_EXE ISAPI_HOST_EXE SAMPLES_DIR
set -u
wine_run=$1 loadgen=$2 host=$3 samples=$4
. "$(dirname "$0")/wine_host.sh"

# Runs `isapi-loadgen.exe swap` with the bundled DLLs and the arguments
# given; output (CR removed) in $work/run, exit code in $code, JSON report
# in $work/report.json.
# Bounded (a hung swap once ran into ctest's 300 s limit with nothing to
# show): past 120 s it fails with what the command printed so far.
swap() {
  rm -f "$work/report.json"
  timeout 120 "$wine_run" "$loadgen" swap --samples-dir "$samples" --host-exe "$host" --progress lines \
    --json "$work/report.json" "$@" </dev/null >"$work/run.crlf" 2>&1
  code=$?
  tr -d '\r' <"$work/run.crlf" >"$work/run"
  [ "$code" -ne 124 ] || fail "swap $* did not end within 120 s"
}
expect() {
  grep -Eq "$1" "$work/run" || fail "$2"
}
# A field of the JSON report's "swap" object, as JSON ("" without a report).
swap_field() {
  python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["swap"][sys.argv[2]]))' \
    "$work/report.json" "$1" 2>/dev/null
}
positive() {
  awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'
}

# 1. The seed's procedure. Uncached under Wine serves about 100 req/s, so
# the load is 50 req/s; 200 KiB/s stretches the copy of the ~200 KiB DLL to
# about a second.
swap --strategy rename-copy --mode uncached --recycle none --copy-rate 200KiB/s -R 50 -d 4s --at 1s --timeout 5s
[ "$code" -eq 0 ] || fail "rename-copy exited with $code, expected 0"
dropped=$(swap_field dropped) window=$(swap_field window_us) new=$(swap_field answered_new)
positive "$window" || fail "rename-copy reports no window (window_us=$window)"
positive "$dropped" || fail "rename-copy under load dropped nothing (dropped=$dropped)"
positive "$new" || fail "version_v2 never answered after rename-copy (answered_new=$new)"
echo "rename-copy: window ${window} us, ${dropped} dropped, ${new} answered by v2"

# 2. Overwriting the loaded DLL.
swap --strategy overwrite --mode cached --recycle overlapped -R 50 -d 3s --at 1s --timeout 5s
[ "$code" -eq 3 ] || fail "overwrite exited with $code, expected 3 (a step failed)"
expect 'FAILED .*\(error 32\).*nothing changed' "the report does not name error 32 and say nothing changed"
[ "$(swap_field untouched)" = true ] || fail "the JSON report does not say the live path was untouched"
[ "$(swap_field rolled_back)" = false ] || fail "the refused overwrite was rolled back"
[ "$(swap_field dropped)" = 0 ] || fail "requests were dropped although the overwrite was refused"
[ "$(swap_field answered_new)" = 0 ] || fail "v2 answered although the overwrite was refused"
positive "$(swap_field answered_old)" || fail "v1 did not keep serving"
echo "overwrite: refused with error 32, nothing changed, v1 kept serving"

# 3. Shadow copies and an overlapped recycle.
swap --strategy shadow --mode cached --recycle overlapped -R 50 -d 4s --at 1s --timeout 5s --expect dropped=0
[ "$code" -eq 0 ] || fail "shadow + overlapped exited with $code, expected 0 (dropped=$(swap_field dropped))"
positive "$(swap_field answered_new)" || fail "v2 never answered after the shadow swap"
echo "shadow + overlapped recycle: 0 dropped, $(swap_field answered_new) answered by v2"

# 4. The demo, at a rate Wine's uncached loads can follow.
swap -R 50 --timeout 5s
[ "$code" -eq 0 ] || fail "the demo exited with $code, expected 0"
expect 'the host loads private copies' "the demo does not pick shadow copies on Windows"
expect '^side by side' "the demo does not compare its two runs"
expect '^swap shadow, cached, recycle overlapped' "the demo's second run is not shadow + overlapped"
echo "demo: seed procedure and shadow side by side"
echo PASS
