#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, then runs
# isapi-host in process with the bundled samples and talks to it over HTTP.
# (When the swap demo lands, this runs `isapi-loadgen swap` instead.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
build=build/release
samples=$build/samples
work=$(mktemp -d)
trap 'kill "$host_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$build/host/isapi-host" --isolation inproc --listen 127.0.0.1:0 \
  --map "/hello.dll=$samples/hello.so" \
  --map "/echo.dll=$samples/echo.so" \
  --map "/async.dll=$samples/async.so" \
  --map "/redirect.dll=$samples/redirect.so" \
  --map "/version.dll=$samples/version_v1.so,uncached" \
  --access-log "$work/access.log" >"$work/stdout" 2>"$work/host.log" &
host_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$work/stdout" 2>/dev/null && break
  kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log" >&2; exit 1; }
  sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$work/stdout")
echo "isapi-host is $(cat "$work/stdout")"

show() {
  echo
  printf '$ curl'; printf " '%s'" "$@"; echo
  curl -sS -i "$@" | tr -d '\r'
  echo
}
show "$url/hello.dll/extra/path?vars=1"
show -X POST --data-binary "posted through ReadClient" "$url/echo.dll"
show "$url/async.dll"
show "$url/redirect.dll?to=/hello.dll"
show "$url/version.dll"
echo "(uncached: the next request loads the module again; see load= in X-Isapi-Build)"
show "$url/version.dll"
show "$url/missing.dll"

kill -TERM "$host_pid"
wait "$host_pid" || true
echo
echo "--- host log (stderr) ---"
cat "$work/host.log"
echo "--- W3C access log ---"
cat "$work/access.log"
