#!/usr/bin/env bash
# A tour of isapi-host: installs what is missing, builds, then runs
# isapi-host (worker processes, shadow copies, --watch) with the bundled
# samples and talks to it over HTTP: the samples, a worker crash it survives,
# and a deploy by copying v2 over v1. (The README's main command is
# scripts/demo.sh, the swap demo.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
build=build/release
samples=$build/samples
work=$(mktemp -d)
trap 'kill "$host_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir "$work/site"
cp "$samples/version_v1.so" "$work/site/version.so"
"$build/host/isapi-host" --listen 127.0.0.1:0 --admin 127.0.0.1:0 --preload --shadow-copy --watch \
  --map "/hello.dll=$samples/hello.so" \
  --map "/echo.dll=$samples/echo.so" \
  --map "/async.dll=$samples/async.so" \
  --map "/redirect.dll=$samples/redirect.so" \
  --map "/crash.dll=$samples/crash.so" \
  --map "/version.dll=$work/site/version.so" \
  --access-log "$work/access.log" >"$work/stdout" 2>"$work/host.log" &
host_pid=$!
for _ in $(seq 1 100); do
  grep -q '^admin on ' "$work/stdout" 2>/dev/null && break
  kill -0 "$host_pid" 2>/dev/null || { cat "$work/host.log" >&2; exit 1; }
  sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$work/stdout")
admin=$(sed -n 's/^admin on //p' "$work/stdout")
echo "isapi-host is $(tr '\n' ' ' <"$work/stdout")"

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
show "$url/crash.dll?crash=1"
echo "(the worker died with SIGSEGV; the front end answered 502 and the next request starts a new worker)"
show "$url/hello.dll"
echo "\$ cp version_v2.so $work/site/version.so    # deploy by copying over the live file"
cp "$samples/version_v2.so" "$work/site/version.so"
for _ in $(seq 1 50); do
  curl -sS -i "$url/version.dll" | grep -q 'X-Sample-Version: v2' && break
  sleep 0.05
done
echo "(--shadow-copy: workers run private copies, so the file was free; --watch saw a complete new file and recycled)"
show "$url/version.dll"
show "$url/missing.dll"
echo "\$ curl $admin/_isapi/events   # the lifecycle, as the admin API reports it"
curl -sS "$admin/_isapi/events" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    who = "worker %d" % e["worker_generation"] if "worker_pid" in e else "host"
    text = "%9.1f ms  %-20s %-9s %s %s" % (e["mono_us"] / 1000, e["kind"], who, e.get("module", ""), e.get("detail", ""))
    print(text[:150])
'

kill -TERM "$host_pid"
wait "$host_pid" || true
echo
echo "--- host log (stderr) ---"
cat "$work/host.log"
echo "--- W3C access log ---"
cat "$work/access.log"
