#!/usr/bin/env bash
# The recycle bars, measured end to end with real processes:
#   1. an overlapped recycle under a steady 2,000 req/s loses 0 requests;
#   2. a shadow-copy deploy (--shadow-copy --watch, cp v2 over v1 in place)
#      under the same load loses 0 requests and switches builds;
#   3. with --preload, the first response from the new build arrives within
#      50 ms of the recycle command (median and max of ROUNDS recycles);
#   4. a worker crash under the same load answers 502 only to the requests
#      the worker held (at most one per connection), and nothing else fails.
#
#   bench/recycle_bars.sh [BUILD_DIR]     (default: build/release)
#
# Environment: RATE (2000), DURATION (6s), ROUNDS (10), HOST_ARGS (more
# isapi-host arguments for every host, such as --handoff). Exit 0 when every
# bar is met, 1 when one is not, 2 when the run itself failed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build/release}"
[[ -d "$build_dir" ]] || build_dir="$repo_root/$build_dir"
build_dir="$(cd "$build_dir" && pwd)"
rate="${RATE:-2000}"
duration="${DURATION:-6s}"
rounds="${ROUNDS:-10}"
host_bin="$build_dir/host/isapi-host"
loadgen_bin="$build_dir/loadgen/isapi-loadgen"
die() { echo "recycle_bars: $*" >&2; exit 2; }
for f in "$host_bin" "$loadgen_bin" "$build_dir/samples/version_v1.so" "$build_dir/samples/version_v2.so"; do
  [[ -e "$f" ]] || die "missing $f (build the release preset first)"
done

work="$(mktemp -d -t isapi-recycle.XXXXXX)"
host_pid=""
cleanup() {
  [[ -n "$host_pid" ]] && kill -TERM "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the host with v1 at $work/live/app.so; sets host_pid, url, admin.
start_host() {
  mkdir -p "$work/live"
  cp "$build_dir/samples/version_v1.so" "$work/live/app.so"
  # shellcheck disable=SC2086
  "$host_bin" --listen 127.0.0.1:0 --admin 127.0.0.1:0 --log-level warn --preload \
    --map "/app.dll=$work/live/app.so" --map "/crash.dll=$build_dir/samples/crash.so" ${HOST_ARGS:-} "$@" \
    >"$work/host.out" 2>"$work/host.err" &
  host_pid=$!
  for _ in $(seq 100); do
    grep -q '^admin on' "$work/host.out" 2>/dev/null && break
    kill -0 "$host_pid" 2>/dev/null || die "isapi-host exited: $(cat "$work/host.err")"
    sleep 0.05
  done
  url="$(sed -n 's|^listening on \(http://[^ ]*\)$|\1|p' "$work/host.out")/app.dll"
  admin="$(sed -n 's|^admin on \(http://[^ ]*\)$|\1|p' "$work/host.out")"
  [[ -n "$url" && -n "$admin" ]] || die "the host printed no addresses"
}
stop_host() { kill -TERM "$host_pid"; wait "$host_pid" || true; host_pid=""; }

# Runs the load in the background, does "$@" 2 s in, and prints the verdict
# line from the JSON summary. With CRASH=1 the verdict expects a worker crash:
# failures are 502s only, at most one per connection.
under_load() {
  local name="$1"; shift
  "$loadgen_bin" run "$url" --rate "$rate" -d "$duration" -c 32 -q --json "$work/$name.json" &
  local load=$!
  sleep 2
  "$@"
  wait "$load" || true
  CRASH="${CRASH:-0}" python3 - "$work/$name.json" "$name" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
failed = s["sent"] - s["by_class"].get("ok", 0)
if os.environ["CRASH"] == "1":
    by_class = {k: v for k, v in s["by_class"].items() if k != "ok" and v}
    answered_502 = by_class.pop("status_5xx", 0)
    print(f"{sys.argv[2]}: sent {s['sent']}, answered 502 {answered_502} (bar: at most 32, one per connection), other failures {by_class or 0}")
    sys.exit(0 if not by_class and answered_502 <= 32 else 1)
# builds: {"app.so; sha256=...": {"workers": [{"pid", "worker", "responses", ...}]}}:
# a recycle shows as a second worker (or a second build, after a swap).
workers = [(k.split(";")[-1].strip(), w) for k, b in s.get("builds", {}).items() for w in b["workers"]]
shown = ", ".join(f"[{h} worker={w['worker']}] x{w['responses']}" for h, w in workers)
print(f"{sys.argv[2]}: sent {s['sent']}, not ok {failed}, builds: {shown}")
sys.exit(0 if failed == 0 and len(workers) >= 2 else 1)
PY
}

verdict=0
echo "== overlapped recycle at $rate req/s =="
start_host
recycle() { curl -fsS -X POST "$admin/_isapi/recycle?mode=overlapped" >/dev/null; }
under_load overlapped recycle || verdict=1
stop_host

echo "== shadow-copy deploy (cp v2 over v1 in place, --watch) at $rate req/s =="
start_host --shadow-copy --watch --watch-interval 20
deploy() { cp "$build_dir/samples/version_v2.so" "$work/live/app.so"; }
under_load shadow deploy || verdict=1
stop_host

echo "== first response from the new build after the recycle command ($rounds rounds, --preload) =="
start_host
python3 - "$url" "$admin" "$rounds" <<'PY' || verdict=1
import http.client, sys, time, urllib.parse
url, admin, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
u, a = urllib.parse.urlsplit(url), urllib.parse.urlsplit(admin)
site = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
ctl = http.client.HTTPConnection(a.hostname, a.port, timeout=5)
def build():
    site.request("GET", u.path); r = site.getresponse(); r.read()
    return r.getheader("X-Isapi-Build")
times = []
for _ in range(rounds):
    old = build()
    start = time.monotonic()
    ctl.request("POST", "/_isapi/recycle?mode=overlapped"); ctl.getresponse().read()
    while build() == old:
        if time.monotonic() - start > 5: sys.exit("no new build within 5 s")
    times.append((time.monotonic() - start) * 1000)
    time.sleep(0.2)  # let the old worker finish draining
times.sort()
print(f"first response from the new build: median {times[len(times)//2]:.1f} ms, max {times[-1]:.1f} ms (bar: 50 ms)")
sys.exit(0 if times[-1] <= 50 else 1)
PY
stop_host

echo "== a worker crash at $rate req/s =="
start_host
crash() { curl -sS -o /dev/null "${url%/app.dll}/crash.dll?crash=1" || true; }
CRASH=1 under_load crash crash || verdict=1
stop_host
exit "$verdict"
