#!/usr/bin/env bash
# isapi-loadgen against wrk, side by side, on the same nginx.
#
# nginx runs from a private temp config (1 worker, `return 200 "ok"`) on a
# free loopback port, with its pid and logs in a temp dir, and is killed on
# exit. Then, with the same threads and connections:
#   1. wrk -tT -cC -dD                         (the reference)
#   2. isapi-loadgen run -tT -cC -dD           (no per-request log)
#   3. isapi-loadgen run ... --log FILE        (the bar: >= 1.0x wrk while logging)
#   4. isapi-loadgen run --rate 10000          (the bar: achieved within 1%)
#   5. isapi-loadgen run -n 10000000 under /usr/bin/time -v   (the bar: <= 64 MiB RSS)
#
# Usage: bench/loadgen_vs_wrk.sh [path/to/isapi-loadgen]
# Env:   THREADS=2 CONNECTIONS=64 DURATION=10s RATE=10000 RATE_DURATION=30s
#        LONG_REQUESTS=10000000 (0 skips the RSS run)
set -euo pipefail

LOADGEN=${1:-build/release/loadgen/isapi-loadgen}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-10s}
RATE=${RATE:-10000}
RATE_DURATION=${RATE_DURATION:-30s}
LONG_REQUESTS=${LONG_REQUESTS:-10000000}

die() { echo "loadgen_vs_wrk: $*" >&2; exit 1; }
[[ -x $LOADGEN ]] || die "no isapi-loadgen at $LOADGEN (build it, or pass its path)"

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
    if [[ $(id -u) == 0 ]]; then
        apt-get install -y nginx-light wrk >/dev/null || die "apt-get install nginx-light wrk failed"
    else
        die "nginx and wrk are needed: sudo apt-get install -y nginx-light wrk"
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/loadgen-bench.XXXXXX)
NGINX_PID=""
cleanup() {
    if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/body;
    proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi;
    uwsgi_temp_path $WORK/uwsgi;
    scgi_temp_path $WORK/scgi;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$PORT;
        location / { return 200 "ok"; }
    }
}
CONF
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/" >/dev/null || die "nginx did not start; see $WORK/error.log"
URL="http://127.0.0.1:$PORT/"
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') on $URL (1 worker), $(nproc) CPUs; -t$THREADS -c$CONNECTIONS -d$DURATION"
echo

rate_of_wrk() { awk '/Requests\/sec/ {print $2}'; }
rate_of_loadgen() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["achieved_rate"])' "$1"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.3f}')" "$1" "$2"; }

echo "== wrk"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$URL" | tee "$WORK/wrk.txt"
WRK_RATE=$(rate_of_wrk <"$WORK/wrk.txt")
echo
echo "== isapi-loadgen (no per-request log)"
"$LOADGEN" run "$URL" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --no-progress --json "$WORK/plain.json"
PLAIN_RATE=$(rate_of_loadgen "$WORK/plain.json")
echo
echo "== isapi-loadgen --log (CSV, every request)"
"$LOADGEN" run "$URL" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --no-progress --json "$WORK/logged.json" \
    --log "$WORK/requests.csv"
LOGGED_RATE=$(rate_of_loadgen "$WORK/logged.json")
LOG_LINES=$(($(wc -l <"$WORK/requests.csv") - 1))
LOG_SIZE=$(du -h "$WORK/requests.csv" | cut -f1)
rm -f "$WORK/requests.csv"
echo
echo "== isapi-loadgen --log (binary, every request)"
"$LOADGEN" run "$URL" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --no-progress --json "$WORK/binlog.json" \
    --log "$WORK/requests.bin" --quiet
BIN_RATE=$(rate_of_loadgen "$WORK/binlog.json")
rm -f "$WORK/requests.bin"
echo "achieved $BIN_RATE req/s"
echo
echo "== isapi-loadgen --rate $RATE for $RATE_DURATION"
"$LOADGEN" run "$URL" -t"$THREADS" -c"$CONNECTIONS" -d"$RATE_DURATION" --rate "$RATE" --no-progress \
    --json "$WORK/rate.json"
ACHIEVED=$(rate_of_loadgen "$WORK/rate.json")
RATE_ERR=$(python3 -c "import sys; print(f'{(float(sys.argv[1])-float(sys.argv[2]))/float(sys.argv[2])*100:+.3f}')" "$ACHIEVED" "$RATE")

RSS_LINE="skipped (LONG_REQUESTS=0)"
if [[ $LONG_REQUESTS != 0 ]]; then
    echo
    echo "== isapi-loadgen -n $LONG_REQUESTS under /usr/bin/time -v (binary log to a temp file)"
    /usr/bin/time -v "$LOADGEN" run "$URL" -t"$THREADS" -c"$CONNECTIONS" -n "$LONG_REQUESTS" --no-progress \
        --json "$WORK/long.json" --log "$WORK/long.bin" 2>"$WORK/time.txt"
    RSS_KB=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$WORK/time.txt")
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
    SENT=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["sent"], "sent,", j["answered"], "answered,", j["dropped"], "dropped")' "$WORK/long.json")
    RSS_LINE="$((RSS_KB / 1024)) MiB max RSS for $SENT in $WALL (log $(du -h "$WORK/long.bin" | cut -f1))"
    rm -f "$WORK/long.bin"
fi

echo
echo "================ summary ================"
printf '%-44s %12s req/s\n' "wrk -t$THREADS -c$CONNECTIONS" "$WRK_RATE"
printf '%-44s %12s req/s  ratio %s\n' "isapi-loadgen (no log)" "$PLAIN_RATE" "$(ratio "$PLAIN_RATE" "$WRK_RATE")"
printf '%-44s %12s req/s  ratio %s  (%s rows, %s)\n' "isapi-loadgen --log CSV" "$LOGGED_RATE" \
    "$(ratio "$LOGGED_RATE" "$WRK_RATE")" "$LOG_LINES" "$LOG_SIZE"
printf '%-44s %12s req/s  ratio %s\n' "isapi-loadgen --log binary" "$BIN_RATE" "$(ratio "$BIN_RATE" "$WRK_RATE")"
printf '%-44s %12s req/s  error %s%%\n' "isapi-loadgen --rate $RATE (achieved)" "$ACHIEVED" "$RATE_ERR"
echo "long run: $RSS_LINE"
