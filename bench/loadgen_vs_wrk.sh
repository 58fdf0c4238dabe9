#!/usr/bin/env bash
# isapi-loadgen against wrk, side by side, on the same nginx.
#
# nginx runs from a private temp config (1 worker, `return 200 "ok"`) on a
# free loopback port, with its pid and logs in a temp dir, and is killed on
# exit. Then, with the same threads and connections:
#   1. wrk -tT -cC -dD                         (the reference)
#   2. isapi-loadgen run -tT -cC -dD           (no per-request log)
#   3. isapi-loadgen run ... --log FILE        (the bar: >= 1.0x wrk while logging; CSV and binary)
#   (1-3 alternate for ROUNDS rounds and the summary shows medians, because
#   a shared machine's noise is larger than the differences measured)
#   4. isapi-loadgen run --rate 10000          (the bar: achieved within 1%)
#   5. isapi-loadgen run -n 10000000 under /usr/bin/time -v   (the bar: <= 64 MiB RSS)
#
# Usage: bench/loadgen_vs_wrk.sh [path/to/isapi-loadgen]
# Env:   THREADS=2 CONNECTIONS=64 DURATION=10s ROUNDS=3 RATE=10000 RATE_DURATION=30s
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

have_nginx() { command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; }
if ! have_nginx || ! command -v wrk >/dev/null; then
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

# Each client runs under /usr/bin/time so we also get its CPU per request,
# a figure that other load on the machine disturbs much less than req/s.
# The clients alternate for ROUNDS rounds; the summary shows medians.
# A client that is not the bottleneck (nginx's single worker usually is)
# shows its cost in CPU per request rather than in req/s.
ROUNDS=${ROUNDS:-3}
TIMEFMT="cpu %U %S"
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(map(float, sys.argv[1:])):.1f}")' "$@"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.3f}')" "$1" "$2"; }
cpu_us_per_request() {  # time-output-file requests
    python3 -c 'import sys
u, s = next(l.split()[1:3] for l in open(sys.argv[1]) if l.startswith("cpu "))
print(f"{(float(u)+float(s))/float(sys.argv[2])*1e6:.2f}")' "$1" "$2"
}
run_wrk() {
    /usr/bin/time -f "$TIMEFMT" -o "$WORK/t.txt" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$URL" >"$WORK/wrk.txt"
    local n; n=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
    echo "$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt") $(cpu_us_per_request "$WORK/t.txt" "$n")"
}
run_loadgen() {  # extra args...
    /usr/bin/time -f "$TIMEFMT" -o "$WORK/t.txt" "$LOADGEN" run "$URL" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
        --no-progress --quiet --json "$WORK/lg.json" "$@"
    python3 - "$WORK/lg.json" "$WORK/t.txt" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
u, s = next(l.split()[1:3] for l in open(sys.argv[2]) if l.startswith("cpu "))
assert j["sent"] == j["answered"] + j["dropped"]
print(f'{j["achieved_rate_per_s"]:.1f} {(float(u)+float(s))/j["sent"]*1e6:.2f} {j["dropped"]}')
PY
}

declare -a W_RATE W_CPU P_RATE P_CPU C_RATE C_CPU B_RATE B_CPU
for round in $(seq "$ROUNDS"); do
    read -r r c <<<"$(run_wrk)"; W_RATE+=("$r"); W_CPU+=("$c")
    echo "round $round  wrk                        $r req/s  $c us CPU/request"
    read -r r c d <<<"$(run_loadgen)"; P_RATE+=("$r"); P_CPU+=("$c")
    echo "round $round  isapi-loadgen              $r req/s  $c us CPU/request  dropped $d"
    read -r r c d <<<"$(run_loadgen --log "$WORK/requests.csv")"; C_RATE+=("$r"); C_CPU+=("$c")
    LOG_LINES=$(($(wc -l <"$WORK/requests.csv") - 1)); LOG_SIZE=$(du -h "$WORK/requests.csv" | cut -f1)
    rm -f "$WORK/requests.csv"
    echo "round $round  isapi-loadgen --log CSV    $r req/s  $c us CPU/request  dropped $d  ($LOG_LINES rows, $LOG_SIZE)"
    read -r r c d <<<"$(run_loadgen --log "$WORK/requests.bin")"; B_RATE+=("$r"); B_CPU+=("$c")
    rm -f "$WORK/requests.bin"
    echo "round $round  isapi-loadgen --log binary $r req/s  $c us CPU/request  dropped $d"
done
# Ratios are taken per round (each loadgen run against the wrk run just
# before it) and their median reported: that cancels most slow drifts in the
# machine's other load, which a ratio of medians does not.
paired_ratio() {  # "wrk rates" "loadgen rates"
    python3 -c 'import statistics,sys
w = list(map(float, sys.argv[1].split())); l = list(map(float, sys.argv[2].split()))
r = sorted(b / a for a, b in zip(w, l))
print(f"{statistics.median(r):.3f} (rounds {r[0]:.2f}..{r[-1]:.2f})")' "$1" "$2"
}
P_RATIO=$(paired_ratio "${W_RATE[*]}" "${P_RATE[*]}")
C_RATIO=$(paired_ratio "${W_RATE[*]}" "${C_RATE[*]}")
B_RATIO=$(paired_ratio "${W_RATE[*]}" "${B_RATE[*]}")
WRK_RATE=$(median "${W_RATE[@]}"); PLAIN_RATE=$(median "${P_RATE[@]}")
LOGGED_RATE=$(median "${C_RATE[@]}"); BIN_RATE=$(median "${B_RATE[@]}")
WRK_CPU=$(median "${W_CPU[@]}"); PLAIN_CPU=$(median "${P_CPU[@]}")
LOGGED_CPU=$(median "${C_CPU[@]}"); BIN_CPU=$(median "${B_CPU[@]}")
echo
echo "== isapi-loadgen --rate $RATE for $RATE_DURATION"
"$LOADGEN" run "$URL" -t"$THREADS" -c"$CONNECTIONS" -d"$RATE_DURATION" --rate "$RATE" --no-progress \
    --json "$WORK/rate.json"
ACHIEVED=$(python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["achieved_rate_per_s"])' "$WORK/rate.json")
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
    RSS_MIB=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / 1024:.1f}')" "$RSS_KB")
    RSS_LINE="$RSS_MIB MiB ($RSS_KB KB) max RSS for $SENT in $WALL (log $(du -h "$WORK/long.bin" | cut -f1))"
    rm -f "$WORK/long.bin"
fi

echo
echo "================ summary (median of $ROUNDS rounds, -t$THREADS -c$CONNECTIONS -d$DURATION) ================"
printf '%-30s %10s req/s  %6s us CPU/request\n' "wrk" "$WRK_RATE" "$WRK_CPU"
printf '%-30s %10s req/s  %6s us CPU/request  paired ratio to wrk %s\n' "isapi-loadgen (no log)" "$PLAIN_RATE" \
    "$PLAIN_CPU" "$P_RATIO"
printf '%-30s %10s req/s  %6s us CPU/request  paired ratio to wrk %s\n' "isapi-loadgen --log CSV" "$LOGGED_RATE" \
    "$LOGGED_CPU" "$C_RATIO"
printf '%-30s %10s req/s  %6s us CPU/request  paired ratio to wrk %s\n' "isapi-loadgen --log binary" "$BIN_RATE" \
    "$BIN_CPU" "$B_RATIO"
printf '%-30s %10s req/s  error %s%%\n' "isapi-loadgen --rate $RATE" "$ACHIEVED" "$RATE_ERR"
echo "long run: $RSS_LINE"
