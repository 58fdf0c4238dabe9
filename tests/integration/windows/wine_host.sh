# Sourced by the scripts that drive isapi-host.exe under Wine from Linux:
# a scratch folder, clean-up on exit, failure reports with the host's output,
# and starting and stopping the host. Set before sourcing: $wine_run (the
# build's wine-run) and $host (isapi-host.exe); optionally $fail_label.
work=$(mktemp -d)
host_pid=
cleanup() {
  # Only if a check failed before the host stopped by itself.
  if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then kill -KILL "$host_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Prints why, then everything the programs wrote ($work/run: a client's
# output, if the script keeps one), and ends the script.
fail() {
  echo "FAIL${fail_label:+ ($fail_label)}: $*"
  if [ -f "$work/run" ]; then echo "--- client output"; cat "$work/run"; fi
  echo "--- host stdout"; cat "$work/out" 2>/dev/null
  echo "--- host stderr"; grep -v '^[0-9a-f]*:err:\|wine32\|multiarch\|dpkg --add\|apt-get' "$work/err" 2>/dev/null
  exit 1
}

# Reads "<prefix>http://ADDR:PORT" from the host's stdout into $found.
url_after() {
  found=$(sed -n "s/^$1\(http:[^[:space:]]*\).*/\1/p" "$work/out" | tr -d '\r' | head -n 1)
}

# Starts the host on loopback ports of its choosing (the arguments are its
# other options) and sets $url and $admin from its stdout.
start_host() {
  : >"$work/out"
  # wine-run execs wine, which keeps this pid for the Windows process.
  "$wine_run" "$host" --listen 127.0.0.1:0 --admin 127.0.0.1:0 "$@" </dev/null >"$work/out" 2>"$work/err" &
  host_pid=$!
  for _ in $(seq 1 120); do
    url_after "admin on "
    admin=$found
    url_after "listening on "
    url=$found
    [ -n "$url" ] && [ -n "$admin" ] && return 0
    kill -0 "$host_pid" 2>/dev/null || fail "the host ended before it listened"
    sleep 0.5
  done
  fail "no 'listening on' and 'admin on' lines within 60 s"
}

# Ctrl+C (Wine turns SIGINT into CTRL_C_EVENT), then the host must drain and
# exit 0 by itself within 30 s. Under Wine a SIGINT was once not seen at all
# (no "stopping" line, in 1 of about 15 CI runs): one that has not shown in
# the log after 10 s is sent again, as a person would press Ctrl+C again
# (the host ignores a second one once it is stopping), and said so.
stop_host() {
  kill -INT "$host_pid" || fail "cannot signal the host"
  for tick in $(seq 1 60); do
    kill -0 "$host_pid" 2>/dev/null || break
    if [ "$tick" -eq 20 ] && ! grep -q "stopping" "$work/err"; then
      echo "NOTE: the host showed no sign of the Ctrl+C after 10 s; sending it again"
      kill -INT "$host_pid" 2>/dev/null
    fi
    sleep 0.5
  done
  kill -0 "$host_pid" 2>/dev/null && fail "the host did not stop within 30 s of Ctrl+C"
  wait "$host_pid"
  code=$?
  host_pid=
  [ "$code" -eq 0 ] || fail "the host exited with $code after Ctrl+C"
}
