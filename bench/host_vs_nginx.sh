#!/usr/bin/env bash
# Runs wrk against isapi-host (serving the hello sample) and against nginx
# (1 worker, `return 200 "ok"`) side by side in one run, and prints both
# req/s and the ratio host/nginx. Bars: >= 0.75x in process,
# >= 0.5x with worker processes.
#
#   bench/host_vs_nginx.sh [BUILD_DIR]        (default: build/release)
#
# Environment: ISOLATION (inproc or process; default inproc),
# DURATION (default 10s), WARMUP (default 3s), CONNECTIONS (32),
# ROUNDS (default 1; more rounds alternate which server goes first and judge
# on the median ratio), HOST_ARGS (extra isapi-host arguments). Exit status: 0 when the bar is met,
# 1 when it is not, 2 when the run itself failed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-build/release}"
if [[ ! -d "$build_dir" && -d "$repo_root/$build_dir" ]]; then
  build_dir="$repo_root/$build_dir"
fi
build_dir="$(cd "$build_dir" && pwd)"
duration="${DURATION:-10s}"
warmup="${WARMUP:-3s}"
connections="${CONNECTIONS:-32}"
rounds="${ROUNDS:-1}"
isolation="${ISOLATION:-inproc}"
case "$isolation" in
  inproc) bar=0.75 ;;
  process) bar=0.5 ;;
  *) echo "host_vs_nginx: ISOLATION must be inproc or process, not '$isolation'" >&2; exit 2 ;;
esac

die() { echo "host_vs_nginx: $*" >&2; exit 2; }

host_bin="$(find "$build_dir" -type f -name isapi-host -perm -u+x -print -quit)"
hello_so="$build_dir/samples/hello.so"
[[ -n "$host_bin" ]] || die "no isapi-host under $build_dir (build it first)"
[[ -f "$hello_so" ]] || die "no $hello_so (build the samples first)"

# ---- tools ------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "cannot install ${missing[*]}"
fi

# ---- scratch space, cleaned up on any exit -----------------------------------
work="$(mktemp -d -t isapi-bench.XXXXXX)"
nginx_pid=""
host_pid=""
cleanup() {
  for pid in $host_pid $nginx_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $host_pid $nginx_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until something accepts connections on 127.0.0.1:$1.
wait_for_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# ---- nginx ---------------------------------------------------------------------
nginx_port="$(free_port)"
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  # No reconnects every 1000 requests: the comparison is about serving.
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type text/plain; return 200 "ok"; }
  }
}
CONF
/usr/sbin/nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
wait_for_port "$nginx_port" || die "nginx did not start: $(cat "$work/nginx/error.log" 2>/dev/null)"

# ---- isapi-host ------------------------------------------------------------------
# shellcheck disable=SC2086
"$host_bin" --isolation "$isolation" --listen 127.0.0.1:0 --map "/hello.dll=$hello_so" --log-level warn \
  ${HOST_ARGS:-} >"$work/host.out" 2>"$work/host.err" &
host_pid=$!
host_url=""
for _ in $(seq 100); do
  host_url="$(sed -n 's|^listening on \(http://[^ ]*\).*$|\1|p' "$work/host.out" | head -n1)"
  [[ -n "$host_url" ]] && break
  kill -0 "$host_pid" 2>/dev/null || die "isapi-host exited: $(cat "$work/host.err")"
  sleep 0.1
done
[[ -n "$host_url" ]] || die "isapi-host never printed 'listening on'"
host_url="${host_url%/}/hello.dll"
nginx_url="http://127.0.0.1:$nginx_port/"

# Sanity: both answer 200 before anything is measured.
for url in "$nginx_url" "$host_url"; do
  status="$(python3 - "$url" <<'PY'
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
PY
)" || die "$url does not answer"
  [[ "$status" == 200 ]] || die "$url answered $status"
done

# Prints req/s of one wrk run; fails when wrk saw errors or non-2xx answers.
measure() {
  local url="$1" secs="$2" out
  out="$(wrk -t1 -c"$connections" -d"$secs" --latency "$url")" || die "wrk failed against $url"
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
    echo "$out" >&2
    die "errors while measuring $url"
  fi
  echo "$out" >"$work/last-wrk.txt"
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

echo "warm-up ($warmup each)"
measure "$nginx_url" "$warmup" >/dev/null
measure "$host_url" "$warmup" >/dev/null

# Each round measures both servers back to back, alternating which goes
# first, so a drift in background load hits both alike. The verdict is the
# median of the per-round ratios.
echo "measuring: wrk -t1 -c$connections -d$duration, $rounds round(s)"
ratios=()
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2)); then order=(nginx host); else order=(host nginx); fi
  for side in "${order[@]}"; do
    if [[ "$side" == nginx ]]; then
      nginx_rps="$(measure "$nginx_url" "$duration")"
      nginx_p99="$(awk '$1=="99%" {print $2}' "$work/last-wrk.txt")"
    else
      host_rps="$(measure "$host_url" "$duration")"
      host_p99="$(awk '$1=="99%" {print $2}' "$work/last-wrk.txt")"
    fi
  done
  ratio="$(awk -v h="$host_rps" -v n="$nginx_rps" 'BEGIN { printf "%.2f", h / n }')"
  ratios+=("$ratio")
  printf 'round %d: %-30s %10s req/s  p99 %s\n' "$round" "nginx (return 200, 1 worker)" "$nginx_rps" "$nginx_p99"
  printf 'round %d: %-30s %10s req/s  p99 %s\n' "$round" "isapi-host $isolation (hello.so)" "$host_rps" "$host_p99"
done

ratio="$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
verdict="$(awk -v r="$ratio" -v bar="$bar" 'BEGIN { print (r >= bar) ? "PASS" : "FAIL" }')"
printf 'ratio host/nginx: %sx (per round: %s; bar: >= %sx) %s\n' "$ratio" "${ratios[*]}" "$bar" "$verdict"
[[ "$verdict" == PASS ]]
