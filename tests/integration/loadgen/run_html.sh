#!/bin/sh
# isapi-loadgen run --html against a real isapi-host on 127.0.0.1: a short,
# bounded run (-n 400, at most 3 s) against the hello sample must write the
# page, and Python's HTML parser must find it well-formed with its three
# charts, their series and the percentile ticks (check_run_html.py).
# Usage: run_html.sh ISAPI_LOADGEN ISAPI_HOST HELLO_MODULE
set -u
wine_run=env loadgen=$1 host=$2 hello=$3
here=$(dirname "$0")
. "$here/../windows/wine_host.sh"

start_host --map "/hello.dll=$hello"
"$loadgen" run "$url/hello.dll" -n 400 -d 3s -c 4 --no-progress --expect 'errors=0' \
  --html "$work/run.html" >"$work/run" 2>&1 || fail "isapi-loadgen run exited with $?"
[ -s "$work/run.html" ] || fail "no HTML page was written"
grep -q 'class="badge pass"' "$work/run.html" || fail "the page shows no passed --expect"
result=$(python3 "$here/check_run_html.py" "$work/run.html")
[ "$result" = PASS ] || fail "the page: $result"
stop_host
echo PASS
