#!/bin/sh
# A Linux client reaches the Windows host: isapi-host.exe runs under Wine in
# process, curl talks to it over loopback. Checks the hello sample's body,
# cached mode (one load for two requests), uncached mode (one load per
# request), and a clean stop on Ctrl+C: Wine turns SIGINT into the console's
# CTRL_C_EVENT, which reaches the host's console control handler.
# Usage: host_under_wine.sh WINE_RUN ISAPI_HOST_EXE HELLO_DLL
set -u
wine_run=$1 host=$2 hello=$3
work=$(mktemp -d)
host_pid=
cleanup() {
  # Only if a check failed before the host stopped by itself.
  if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then kill -KILL "$host_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- host stdout"; cat "$work/out" 2>/dev/null
  echo "--- host stderr"; grep -v '^[0-9a-f]*:err:\|wine32\|multiarch\|dpkg --add\|apt-get' "$work/err" 2>/dev/null
  exit 1
}

# Starts the host (extra arguments are its options) and sets $url.
start_host() {
  : >"$work/out"
  # wine-run execs wine, which keeps this pid for the Windows process.
  "$wine_run" "$host" --isolation inproc --listen 127.0.0.1:0 --map "/hello.dll=$hello" "$@" \
    </dev/null >"$work/out" 2>"$work/err" &
  host_pid=$!
  url=
  for _ in $(seq 1 120); do
    url=$(sed -n 's/^listening on \(http:[^[:space:]]*\).*/\1/p' "$work/out" | tr -d '\r' | head -n 1)
    [ -n "$url" ] && return 0
    kill -0 "$host_pid" 2>/dev/null || fail "the host ended before it listened"
    sleep 0.5
  done
  fail "no 'listening on' line within 60 s"
}

# Sets $load to the load number of the module that answered
# (X-Isapi-Build: ...; load=N). Not in a $(...) subshell: fail must end the script.
request_hello() {
  curl -s -D "$work/headers" -o "$work/body" --max-time 30 "$url/hello.dll" || fail "curl could not reach $url"
  [ "$(cat "$work/body")" = "Hello from ISAPI" ] || fail "unexpected body: $(cat "$work/body")"
  load=$(tr -d '\r' <"$work/headers" | sed -n 's/^[Xx]-[Ii]sapi-[Bb]uild:.*load=\([0-9]*\).*/\1/p')
}

# Ctrl+C, then the host must drain and exit 0 by itself.
stop_host() {
  kill -INT "$host_pid" || fail "cannot signal the host"
  for _ in $(seq 1 60); do
    kill -0 "$host_pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -0 "$host_pid" 2>/dev/null && fail "the host did not stop within 30 s of Ctrl+C"
  wait "$host_pid"
  code=$?
  host_pid=
  [ "$code" -eq 0 ] || fail "the host exited with $code after Ctrl+C"
  grep -q "Ctrl+C: stopping" "$work/err" || fail "the host did not log the Ctrl+C stop"
  grep -q " stopped" "$work/err" || fail "the host did not log that it stopped"
}

start_host
request_hello
first=$load
request_hello
second=$load
[ -n "$first" ] && [ "$first" = "$second" ] || fail "cached: loads '$first' and '$second', expected one load"
stop_host
echo "cached: two requests, one load ($first)"

start_host --uncached
request_hello
first=$load
request_hello
second=$load
[ -n "$first" ] && [ -n "$second" ] && [ "$second" -gt "$first" ] ||
  fail "uncached: loads '$first' and '$second', expected a new load per request"
stop_host
echo "uncached: two requests, loads $first and $second"
echo PASS
