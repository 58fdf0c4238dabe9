#!/bin/sh
# isapi-loadgen.exe drives isapi-host.exe, both under Wine, over loopback:
# `run -n 200` against the hello sample must book every request as answered
# with 200 (ok), and exit 0 with its --fail-if thresholds held; the same run
# against a URL the host answers 404 must break 'errors>0' and exit 2. The
# host is stopped with Ctrl+C (Wine turns SIGINT into CTRL_C_EVENT).
# Usage: loadgen_under_wine.sh WINE_RUN ISAPI_LOADGEN_EXE ISAPI_HOST_EXE HELLO_DLL
set -u
wine_run=$1 loadgen=$2 host=$3 hello=$4
. "$(dirname "$0")/wine_host.sh"

start_host --map "/hello.dll=$hello"

# Runs isapi-loadgen.exe with the arguments given; output (CR removed) in
# $work/run, exit code in $code.
loadgen() {
  "$wine_run" "$loadgen" "$@" </dev/null >"$work/run.crlf" 2>&1
  code=$?
  tr -d '\r' <"$work/run.crlf" >"$work/run"
}
expect() {
  grep -Eq "$1" "$work/run" || fail "$2"
}

# 200 requests, every one answered 200: sent = answered, nothing dropped.
loadgen run "$url/hello.dll" -n 200 -t 2 -c 4 --timeout 30s --no-progress \
  --fail-if 'errors>0' --fail-if 'ok<200' --json "$work/run.json"
[ "$code" -eq 0 ] || fail "isapi-loadgen run exited with $code, expected 0"
expect 'sent 200 +answered 200 +dropped 0 ' "the report does not show 200 sent and answered, none dropped"
expect '^ +classes +ok 200$' "the report does not book all 200 requests as ok"
expect '^ +hello\.[a-z]+; sha256=[0-9a-f]+ x200$' "the report does not count 200 answers from hello's build"
expect '^ +pid [0-9]+ worker [0-9]+ x200, loads [0-9]+$' "the report does not name the worker that answered all 200"
expect "pass +errors = 0, within --fail-if 'errors>0'" "the threshold errors>0 is not reported as held"
tr -d ' \r\n' <"$work/run.json" >"$work/run.json.flat" 2>/dev/null || fail "no JSON summary was written"
grep -q '"sent":200,"answered":200,"dropped":0,"errors":0' "$work/run.json.flat" ||
  fail "the JSON summary does not say 200 sent, 200 answered: $(cat "$work/run.json")"
echo "run: 200 sent, 200 answered 200, exit 0"

# A failing expectation: hello's answers are not 404, so 'errors>0' breaks.
loadgen run "$url/hello.dll" -n 20 -c 2 --timeout 30s --no-progress --expect-status 404 --fail-if 'errors>0'
[ "$code" -eq 2 ] || fail "a broken --fail-if exited with $code, expected 2"
expect 'unexpected_status 20' "the 20 answers are not booked as unexpected_status"
expect "threshold broken: errors = 20, which breaks --fail-if 'errors>0'" "the broken threshold is not named"
echo "run --expect-status 404: 20 unexpected_status, threshold broken, exit 2"

stop_host
echo PASS
