#!/bin/sh
# A Linux client reaches the Windows host: isapi-host.exe runs under Wine,
# curl talks to it over loopback. In the isolation mode given (inproc or
# process), checks the hello sample's body; cached mode (one load for two
# requests); uncached mode (one load per request, each unload verified: the
# module left the process); with worker processes, that a crashing DLL
# answers 502 and a new worker serves the next request; and a clean stop on
# Ctrl+C: Wine turns SIGINT into the console's CTRL_C_EVENT, which reaches
# the host's console control handler.
# Usage: host_under_wine.sh WINE_RUN ISAPI_HOST_EXE HELLO_DLL CRASH_DLL ISOLATION
set -u
wine_run=$1 host=$2 hello=$3 crash=$4 isolation=$5
fail_label=$isolation
. "$(dirname "$0")/wine_host.sh"

# The host in the isolation mode under test, with both samples mapped.
start_test_host() {
  start_host --isolation "$isolation" --map "/hello.dll=$hello" --map "/crash.dll=$crash" "$@"
}

# GET $1 into $work/body, headers into $work/headers; sets $status.
get() {
  status=$(curl -s -D "$work/headers" -o "$work/body" -w '%{http_code}' --max-time 30 "$url$1") ||
    fail "curl could not reach $url$1"
}

# Sets $load and $answered_by (load number and pid of the process that ran
# the extension, from X-Isapi-Build: ...; pid=P; ...; load=N). Not in a
# $(...) subshell: fail must end the script.
request_hello() {
  get /hello.dll
  [ "$status" = 200 ] || fail "hello answered $status"
  [ "$(cat "$work/body")" = "Hello from ISAPI" ] || fail "unexpected body: $(cat "$work/body")"
  identity=$(tr -d '\r' <"$work/headers" | sed -n 's/^[Xx]-[Ii]sapi-[Bb]uild:\(.*\)/\1/p')
  load=$(echo "$identity" | sed -n 's/.*load=\([0-9]*\).*/\1/p')
  answered_by=$(echo "$identity" | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
}

events() { curl -s --max-time 10 "$admin/_isapi/events?since=0" || fail "the admin API did not answer"; }

# Stops the host with Ctrl+C; it must log the stop as it drains.
stop_test_host() {
  stop_host
  grep -q "Ctrl+C: stopping" "$work/err" || fail "the host did not log the Ctrl+C stop"
  grep -q " stopped" "$work/err" || fail "the host did not log that it stopped"
}

start_test_host
request_hello
first=$load
request_hello
second=$load
[ -n "$first" ] && [ "$first" = "$second" ] || fail "cached: loads '$first' and '$second', expected one load"
echo "$isolation, cached: two requests, one load ($first)"

if [ "$isolation" = process ]; then
  worker=$answered_by
  host_status=$(curl -s --max-time 10 "$admin/_isapi/status")
  echo "$host_status" | grep -q "\"pid\": *$worker" || fail "worker $worker is not in the status: $host_status"
  get "/crash.dll?crash=1"
  [ "$status" = 502 ] || fail "a crashing DLL answered $status, expected 502"
  request_hello
  [ -n "$answered_by" ] && [ "$answered_by" != "$worker" ] ||
    fail "after the crash, worker '$answered_by' answered; expected a new one (the old was $worker)"
  events >"$work/events"
  grep -q '"kind":"worker_crash".*0xC0000005' "$work/events" || fail "no worker_crash event with 0xC0000005"
  grep -q '"kind":"finding".*entry_point_crash' "$work/events" ||
    grep -q 'entry_point_crash' "$work/err" || fail "no entry_point_crash finding"
  echo "$isolation, crash: 502, then worker $answered_by (was $worker) serves"
fi
stop_test_host

start_test_host --uncached
request_hello
first=$load
request_hello
second=$load
[ -n "$first" ] && [ -n "$second" ] && [ "$second" -gt "$first" ] ||
  fail "uncached: loads '$first' and '$second', expected a new load per request"
events >"$work/events"
unloads=$(grep -c '"kind":"module_unload".*left the process' "$work/events")
[ "$unloads" -ge 2 ] || fail "uncached: $unloads verified unloads of hello.dll, expected 2: $(cat "$work/events")"
grep -q 'still mapped after unload' "$work/events" && fail "uncached: a module stayed mapped after its unload"
stop_test_host
echo "$isolation, uncached: two requests, loads $first and $second, each unload verified"
echo PASS
