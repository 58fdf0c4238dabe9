#!/usr/bin/env bash
# What TLS costs isapi-loadgen, side by side in one run: `isapi-loadgen run`
# over plain HTTP and over HTTPS against the same nginx (1 worker,
# `return 200 "ok"`), which listens twice on loopback: plain, and TLS
# (TLS 1.2/1.3, the self-signed pair of scripts/make-tls-cert.sh, nginx's
# default session tickets, so a client may resume).
#
#   keep-alive      the handshake is paid once per connection: the cost is
#                   the record layer (AES-GCM) on every request and response
#   --no-keepalive  a connection per request: a TCP connect and a handshake
#                   (resumed from the connection's last session after the
#                   first) per request
#
# For each mode and scheme: req/s and the client's CPU per request
# (/usr/bin/time), whose ratio https/http is the client-side cost that the
# machine's other load disturbs least. The four runs alternate their order
# over ROUNDS rounds; medians of the per-round figures are reported. No bar:
# exit 0 when every run completed, 2 when the setup failed (no nginx, no
# openssl, a server that does not answer, a run that errs).
#
# Usage: bench/loadgen_tls.sh [path/to/isapi-loadgen]   (default: build/release/loadgen/isapi-loadgen)
# Env:   THREADS=1 CONNECTIONS=16 DURATION=5s ROUNDS=3; the whole run lasts about
#        ROUNDS x 4 x DURATION (1 minute by default) and each run is killed after
#        DURATION + 30 s.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
loadgen="${1:-$repo_root/build/release/loadgen/isapi-loadgen}"
threads="${THREADS:-1}"
connections="${CONNECTIONS:-16}"
duration="${DURATION:-5s}"
rounds="${ROUNDS:-3}"

die() { echo "loadgen_tls: $*" >&2; exit 2; }
[[ -x "$loadgen" ]] || die "no isapi-loadgen at $loadgen (build it, or pass its path)"
[[ -x /usr/sbin/nginx ]] || die "no /usr/sbin/nginx (apt-get install nginx-light)"
command -v openssl >/dev/null || die "no openssl program (apt-get install openssl)"
command -v python3 >/dev/null || die "no python3"
[[ -x /usr/bin/time ]] || die "no /usr/bin/time (apt-get install time)"
case "$duration" in *ms) secs=1 ;; *s) secs="${duration%s}" ;; *m) secs=$(( ${duration%m} * 60 )) ;; *) die "DURATION like 5s or 1m, not '$duration'" ;; esac
limit=$(( ${secs%.*} + 30 ))

work="$(mktemp -d -t loadgen-tls.XXXXXX)"
nginx_pid=""
cleanup() {
  if [[ -n "$nginx_pid" ]]; then
    kill -TERM "$nginx_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

"$repo_root/scripts/make-tls-cert.sh" "$work/tls" >/dev/null || die "cannot make a TLS pair"
crt="$work/tls/localhost.crt" key="$work/tls/localhost.key"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
plain_port="$(free_port)"
tls_port="$(free_port)"
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$plain_port;
    listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $crt;
    ssl_certificate_key $key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { default_type text/plain; return 200 "ok"; }
  }
}
CONF
/usr/sbin/nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
nginx_pid=$!

plain_url="http://127.0.0.1:$plain_port/"
tls_url="https://localhost:$tls_port/"
# Both listeners answer 200 before anything is measured (loadgen itself, so
# the TLS one is checked against the pair with --ca).
up=0
for _ in $(seq 50); do
  if "$loadgen" run "$plain_url" -n 1 -c 1 -t 1 --quiet --no-progress --expect 'errors=0' 2>/dev/null &&
     "$loadgen" run "$tls_url" --ca "$crt" -n 1 -c 1 -t 1 --quiet --no-progress --expect 'errors=0' 2>/dev/null; then
    up=1; break
  fi
  kill -0 "$nginx_pid" 2>/dev/null || break
  sleep 0.1
done
[[ "$up" == 1 ]] || die "nginx does not answer on both listeners: $(cat "$work/nginx/error.log" 2>/dev/null)"

# One run: prints "req/s cpu_us_per_request p99_us handshakes resumed".
measure() {  # URL extra-args...
  local url="$1"; shift
  timeout "$limit" /usr/bin/time -f "cpu %U %S" -o "$work/time.txt" \
    "$loadgen" run "$url" -t"$threads" -c"$connections" -d"$duration" --timeout 5s --no-progress \
      --json "$work/run.json" "$@" >"$work/run.txt" 2>"$work/run.err" \
    || die "isapi-loadgen run $url $* failed: $(cat "$work/run.err")"
  python3 - "$work/run.json" "$work/time.txt" "$work/run.txt" <<'PY' || die "bad run: $(cat "$work/run.txt")"
import json, re, sys
j = json.load(open(sys.argv[1]))
u, s = next(l.split()[1:3] for l in open(sys.argv[2]) if l.startswith("cpu "))
if j["errors"] or j["sent"] == 0:
    sys.exit(f'{j["errors"]} errors: {j["by_class"]}')
text = open(sys.argv[3]).read()
m = re.search(r", (\d+) handshakes?, (\d+) resumed", text)
hs, resumed = (m.group(1), m.group(2)) if m else ("-", "-")
cpu = (float(u) + float(s)) / j["sent"] * 1e6
print(f'{j["achieved_rate_per_s"]:.0f} {cpu:.2f} {j["latency_us"]["p99"]} {hs} {resumed}')
PY
}

echo "nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///') (1 worker) on $plain_url and $tls_url; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "isapi-loadgen run -t$threads -c$connections -d$duration; $rounds round(s), the order of the four runs alternating"
echo

declare -A rate cpu
runs=("keepalive http" "keepalive https" "fresh http" "fresh https")
for ((round = 1; round <= rounds; round++)); do
  order=("${runs[@]}")
  if ((round % 2 == 0)); then order=("fresh https" "fresh http" "keepalive https" "keepalive http"); fi
  for run in "${order[@]}"; do
    read -r mode scheme <<<"$run"
    args=()
    [[ "$mode" == fresh ]] && args+=(--no-keepalive)
    if [[ "$scheme" == https ]]; then url="$tls_url"; args+=(--ca "$crt"); else url="$plain_url"; fi
    read -r r c p99 hs resumed <<<"$(measure "$url" "${args[@]}")"
    rate[$run]+="$r "; cpu[$run]+="$c "
    extra=""
    [[ "$scheme" == https ]] && extra="  handshakes $hs (resumed $resumed)"
    printf 'round %d  %-9s %-5s %9s req/s  %7s us CPU/request  p99 %6s us%s\n' "$round" "$mode" "$scheme" "$r" "$c" "$p99" "$extra"
  done
done

echo
python3 - "${rate[keepalive http]}" "${rate[keepalive https]}" "${cpu[keepalive http]}" "${cpu[keepalive https]}" \
          "${rate[fresh http]}" "${rate[fresh https]}" "${cpu[fresh http]}" "${cpu[fresh https]}" <<'PY'
import statistics, sys
v = [list(map(float, a.split())) for a in sys.argv[1:]]
def med(x): return statistics.median(x)
def paired(a, b): return statistics.median(y / x for x, y in zip(a, b))
print(f'{"":14}{"http req/s":>12}{"https req/s":>13}{"ratio":>8}   {"http CPU/req":>13}{"https CPU/req":>14}{"ratio":>8}')
for name, i in (("keep-alive", 0), ("no keep-alive", 4)):
    hr, sr, hc, sc = v[i], v[i + 1], v[i + 2], v[i + 3]
    print(f'{name:14}{med(hr):12.0f}{med(sr):13.0f}{paired(hr, sr):7.2f}x   {med(hc):10.2f} us{med(sc):11.2f} us{paired(hc, sc):7.2f}x')
print("(medians over the rounds; ratios are https/http, the median of the per-round ratios)")
PY
