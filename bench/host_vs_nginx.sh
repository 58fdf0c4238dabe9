#!/usr/bin/env bash
# Runs wrk against isapi-host (serving the hello sample) and against nginx
# (1 worker, `return 200 "ok"`) side by side in one run, and prints both
# req/s and the ratio host/nginx. Bars: >= 0.75x in process,
# >= 0.5x with worker processes.
#
#   bench/host_vs_nginx.sh [BUILD_DIR]        (default: build/release)
#
# Environment: ISOLATION (inproc; process: worker processes relayed by the
# front end, --no-handoff; handoff: worker processes that are passed each
# connection, --handoff, their default; or frontend: the in-process host
# answering a URL no extension is mapped at with its own 404, the HTTP
# server without the ISAPI path, a control with no bar; default inproc; a
# list such as "inproc process handoff" starts one host of each and measures
# all of them against the same nginx, one after the other in each round),
# DURATION (default 10s), WARMUP (default 3s), CONNECTIONS (32),
# ROUNDS (default 1; more rounds rotate which server goes first and judge
# on the median ratio), HOST_ARGS (extra isapi-host arguments), RESULTS (a
# file that gets one line per measurement: "round side req/s p99 cpu", side
# being nginx or the isolation, cpu the server's CPU time per request in µs,
# all its processes counted: nginx's master and worker, the host and its
# worker processes), TLS (1: both servers over HTTPS, TLS 1.3 with the same
# self-signed pair from scripts/make-tls-cert.sh, wrk keeping its
# connections, so the handshakes are out of the figures; the ratio is
# reported with no bar), BASELINE (another build folder: each isolation is
# measured with that build's isapi-host and hello.so too, as the side
# "ISOLATION@baseline", interleaved with the rest and with no bar: an A/B
# of two builds in one run, each against the same nginx), CLOSE (1: wrk
# sends "Connection: close", so every request comes on a new connection, for
# what accepting and handing over a connection costs). Exit status: 0
# when every bar is met, 1 when one is not, 2 when the run itself failed.
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
read -ra isolations <<<"${ISOLATION:-inproc}"
# Per side: its bar ("" for none), the host's arguments, the URL path, the
# status every answer must have, and what it serves.
declare -A bar args path status_of serves
status_of[nginx]=200
for isolation in "${isolations[@]}"; do
  path[$isolation]=/hello.dll status_of[$isolation]=200 serves[$isolation]=hello.so
  case "$isolation" in
    inproc) bar[$isolation]=0.75 args[$isolation]="--isolation inproc" ;;
    process) bar[$isolation]=0.5 args[$isolation]="--isolation process --no-handoff" ;;
    handoff) bar[$isolation]=0.5 args[$isolation]="--isolation process --handoff" ;;
    frontend)
      bar[$isolation]="" args[$isolation]="--isolation inproc"
      path[$isolation]=/no-extension-here status_of[$isolation]=404 serves[$isolation]="its own 404" ;;
    *) echo "host_vs_nginx: ISOLATION must be inproc, process, handoff or frontend, not '$isolation'" >&2; exit 2 ;;
  esac
done
((${#isolations[@]})) || { echo "host_vs_nginx: ISOLATION is empty" >&2; exit 2; }
# Per side, the build it runs from.
declare -A build_of
for isolation in "${isolations[@]}"; do build_of[$isolation]="$build_dir"; done
if [[ -n "${BASELINE:-}" ]]; then
  baseline="$(cd "$BASELINE" 2>/dev/null && pwd)" || { echo "host_vs_nginx: BASELINE $BASELINE is not a folder" >&2; exit 2; }
  for isolation in "${isolations[@]}"; do
    side="$isolation@baseline"
    bar[$side]="" args[$side]="${args[$isolation]}" path[$side]="${path[$isolation]}"
    status_of[$side]="${status_of[$isolation]}" serves[$side]="${serves[$isolation]}, baseline build"
    build_of[$side]="$baseline"
    isolations+=("$side")
  done
fi
wrk_close=()
case "${CLOSE:-0}" in
  0) ;;
  1) wrk_close=(-H "Connection: close") ;;
  *) echo "host_vs_nginx: CLOSE must be 0 or 1, not '$CLOSE'" >&2; exit 2 ;;
esac
tls="${TLS:-0}"
[[ "$tls" == 0 || "$tls" == 1 ]] || { echo "host_vs_nginx: TLS must be 0 or 1, not '$tls'" >&2; exit 2; }
results="${RESULTS:-}"
[[ -z "$results" ]] || : >"$results"

die() { echo "host_vs_nginx: $*" >&2; exit 2; }

declare -A host_bin hello_so
for isolation in "${isolations[@]}"; do
  dir="${build_of[$isolation]}"
  host_bin[$isolation]="$(find "$dir" -type f -name isapi-host -perm -u+x -print -quit)"
  hello_so[$isolation]="$dir/samples/hello.so"
  [[ -n "${host_bin[$isolation]}" ]] || die "no isapi-host under $dir (build it first)"
  [[ -f "${hello_so[$isolation]}" ]] || die "no ${hello_so[$isolation]} (build the samples first)"
done

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
host_pids=()
cleanup() {
  for pid in "${host_pids[@]}" $nginx_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${host_pids[@]}" $nginx_pid; do
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

# ---- TLS: one pair for both servers ---------------------------------------------
scheme=http nginx_tls="" host_tls=()
if [[ "$tls" == 1 ]]; then
  "$repo_root/scripts/make-tls-cert.sh" "$work/tls" >/dev/null || die "cannot make a TLS pair"
  scheme=https
  nginx_tls="ssl; ssl_certificate $work/tls/localhost.crt; ssl_certificate_key $work/tls/localhost.key; ssl_protocols TLSv1.2 TLSv1.3"
  host_tls=(--tls-cert "$work/tls/localhost.crt" --tls-key "$work/tls/localhost.key")
fi

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
    listen 127.0.0.1:$nginx_port ${nginx_tls};
    location / { default_type text/plain; return 200 "ok"; }
  }
}
CONF
/usr/sbin/nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
wait_for_port "$nginx_port" || die "nginx did not start: $(cat "$work/nginx/error.log" 2>/dev/null)"

# ---- isapi-host, one per isolation -------------------------------------------------
declare -A url pid
url[nginx]="$scheme://127.0.0.1:$nginx_port/"
pid[nginx]="$nginx_pid"
for isolation in "${isolations[@]}"; do
  # shellcheck disable=SC2086
  "${host_bin[$isolation]}" ${args[$isolation]} --listen 127.0.0.1:0 --map "/hello.dll=${hello_so[$isolation]}" --log-level warn \
    "${host_tls[@]}" ${HOST_ARGS:-} >"$work/host-$isolation.out" 2>"$work/host-$isolation.err" &
  host_pid=$!
  host_pids+=("$host_pid")
  host_url=""
  for _ in $(seq 100); do
    host_url="$(sed -n 's|^listening on \(https*://[^ ]*\).*$|\1|p' "$work/host-$isolation.out" | head -n1)"
    [[ -n "$host_url" ]] && break
    kill -0 "$host_pid" 2>/dev/null || die "isapi-host exited: $(cat "$work/host-$isolation.err")"
    sleep 0.1
  done
  [[ -n "$host_url" ]] || die "isapi-host --isolation $isolation never printed 'listening on'"
  url[$isolation]="${host_url%/}${path[$isolation]}"
  pid[$isolation]="$host_pid"
done
sides=(nginx "${isolations[@]}")

# Sanity: every server answers as expected before anything is measured.
for side in "${sides[@]}"; do
  status="$(python3 - "${url[$side]}" <<'PY'
import ssl, sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5, context=ssl._create_unverified_context()).status)
except urllib.error.HTTPError as error:
    print(error.code)
PY
)" || die "${url[$side]} does not answer"
  [[ "$status" == "${status_of[$side]}" ]] || die "${url[$side]} answered $status"
done

# A process and its descendants.
process_tree() {
  echo "$1"
  local child
  for child in $(pgrep -P "$1" || true); do process_tree "$child"; done
}

# CPU clock ticks (user + system) used so far by a process and its descendants.
cpu_ticks() {
  local total=0 p ticks
  for p in $(process_tree "$1"); do
    # Past "pid (comm) ": utime and stime are the 12th and 13th fields.
    ticks="$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')" || continue
    total=$((total + ${ticks:-0}))
  done
  echo "$total"
}

# Prints req/s of one wrk run of side $1; fails when wrk saw errors or non-2xx
# answers. Leaves wrk's output in last-wrk.txt and the server's CPU µs per
# request in last-cpu.txt.
measure() {
  local side="$1" secs="$2" out before after requests
  before="$(cpu_ticks "${pid[$side]}")"
  out="$(wrk -t1 -c"$connections" -d"$secs" --latency "${wrk_close[@]}" "${url[$side]}")" || die "wrk failed against ${url[$side]}"
  after="$(cpu_ticks "${pid[$side]}")"
  local unexpected="Socket errors"
  [[ "${status_of[$side]}" == 200 ]] && unexpected+="|Non-2xx"
  if grep -qE "$unexpected" <<<"$out"; then
    echo "$out" >&2
    die "errors while measuring ${url[$side]}"
  fi
  echo "$out" >"$work/last-wrk.txt"
  requests="$(awk '/ requests in / { print $1 }' <<<"$out")"
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }' >"$work/last-cpu.txt"
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

echo "warm-up ($warmup each)"
for side in "${sides[@]}"; do
  measure "$side" "$warmup" >/dev/null
done

# Each round measures every server back to back, rotating which goes first
# (with one host: nginx first in odd rounds, the host first in even ones), so
# a drift in background load hits all alike. The verdict is the median of the
# per-round ratios.
echo "measuring: wrk -t1 -c$connections -d$duration, $rounds round(s)"
declare -A rps p99 cpu ratios
for ((round = 1; round <= rounds; round++)); do
  shift_by=$(((round - 1) % ${#sides[@]}))
  order=("${sides[@]:shift_by}" "${sides[@]:0:shift_by}")
  for side in "${order[@]}"; do
    rps[$side]="$(measure "$side" "$duration")"
    p99[$side]="$(awk '$1=="99%" {print $2}' "$work/last-wrk.txt")"
    cpu[$side]="$(cat "$work/last-cpu.txt")"
    [[ -z "$results" ]] || echo "$round $side ${rps[$side]} ${p99[$side]} ${cpu[$side]}" >>"$results"
  done
  printf 'round %d: %-34s %10s req/s  p99 %-8s  CPU %s µs/request\n' "$round" "nginx (return 200, 1 worker)" \
    "${rps[nginx]}" "${p99[nginx]}" "${cpu[nginx]}"
  for isolation in "${isolations[@]}"; do
    ratios[$isolation]+="$(awk -v h="${rps[$isolation]}" -v n="${rps[nginx]}" 'BEGIN { printf "%.2f", h / n }') "
    printf 'round %d: %-34s %10s req/s  p99 %-8s  CPU %s µs/request\n' "$round" "isapi-host $isolation (${serves[$isolation]})" \
      "${rps[$isolation]}" "${p99[$isolation]}" "${cpu[$isolation]}"
  done
done

status=0
for isolation in "${isolations[@]}"; do
  read -ra per_round <<<"${ratios[$isolation]}"
  ratio="$(printf '%s\n' "${per_round[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
  label="host"
  ((${#isolations[@]} == 1)) || label="host $isolation"
  if [[ "$tls" == 1 || -z "${bar[$isolation]}" ]]; then
    printf 'ratio %s/nginx%s: %sx (per round: %s; no bar)\n' "$label" "$([[ "$tls" == 1 ]] && echo ' over TLS')" \
      "$ratio" "${per_round[*]}"
    continue
  fi
  verdict="$(awk -v r="$ratio" -v bar="${bar[$isolation]}" 'BEGIN { print (r >= bar) ? "PASS" : "FAIL" }')"
  printf 'ratio %s/nginx: %sx (per round: %s; bar: >= %sx) %s\n' "$label" "$ratio" "${per_round[*]}" "${bar[$isolation]}" "$verdict"
  [[ "$verdict" == PASS ]] || status=1
done
exit "$status"
