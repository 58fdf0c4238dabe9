#!/bin/sh
# isapi-loadgen against isapi-host serving HTTPS (--tls-cert, --tls-key)
# with the self-signed pair of scripts/make-tls-cert.sh:
#   run https://localhost:PORT/hello.dll --ca CERT: every request answered,
#     exit 0, one handshake per connection (keep-alive);
#   --no-keepalive: a handshake per request, the later ones resumed;
#   swap --host https://... --ca CERT: the load goes over TLS, the admin API
#     stays http://, the new build answers and nothing is dropped;
#   swap --host https://... without --ca: every request in the class tls,
#     the reason on stderr, exit 1.
# Usage: tls_host.sh ISAPI_LOADGEN ISAPI_HOST MAKE_TLS_CERT_SH HELLO VERSION_V1 VERSION_V2
set -u
loadgen=$1 host=$2 make_cert=$3 hello=$4 v1=$5 v2=$6
work=$(mktemp -d)
host_pid=
cleanup() {
  if [ -n "$host_pid" ]; then kill "$host_pid" 2>/dev/null; wait "$host_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  if [ -f "$work/run" ]; then echo "--- isapi-loadgen output"; cat "$work/run"; fi
  echo "--- host stdout"; cat "$work/out" 2>/dev/null
  echo "--- host stderr"; tail -n 20 "$work/err" 2>/dev/null
  exit 1
}
lg() {
  "$loadgen" "$@" >"$work/run" 2>&1
  code=$?
}
has() { grep -q -- "$1" "$work/run" || fail "expected '$1' in the output"; }

command -v openssl >/dev/null && command -v bash >/dev/null || { echo "SKIP: no openssl or bash program"; exit 0; }
"$host" --help 2>/dev/null | grep -q -- "--tls-cert" || { echo "SKIP: this isapi-host has no --tls-cert"; exit 0; }
bash "$make_cert" "$work/certs" >/dev/null || fail "make-tls-cert.sh failed"
crt=$work/certs/localhost.crt key=$work/certs/localhost.key
cp "$v1" "$work/live.so" || fail "cannot copy $v1"

"$host" --listen 127.0.0.1:0 --admin 127.0.0.1:0 --tls-cert "$crt" --tls-key "$key" \
  --map "/hello.dll=$hello" --map "/app.dll=$work/live.so" </dev/null >"$work/out" 2>"$work/err" &
host_pid=$!
port= admin=
for _ in $(seq 1 100); do
  port=$(sed -n 's|^listening on https://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$work/out" | head -n 1)
  admin=$(sed -n 's|^admin on \(http://[^[:space:]]*\).*|\1|p' "$work/out" | head -n 1)
  [ -n "$port" ] && [ -n "$admin" ] && break
  kill -0 "$host_pid" 2>/dev/null || fail "the host ended before it listened"
  sleep 0.1
done
[ -n "$port" ] && [ -n "$admin" ] || fail "no 'listening on https://' and 'admin on' lines"

lg run "https://localhost:$port/hello.dll" --ca "$crt" -n 400 -c 4 -t 2 --timeout 5s
[ "$code" = 0 ] || fail "run --ca: exit $code, expected 0"
has "classes    ok 400"
has ", 4 handshakes, "
has "hello.so; sha256="

lg run "https://127.0.0.1:$port/hello.dll" --ca "$crt" -n 100 -c 2 --timeout 5s --no-keepalive
[ "$code" = 0 ] || fail "run --no-keepalive: exit $code, expected 0"
has "classes    ok 100"
has ", 100 handshakes, "
grep -q ", 100 handshakes, 0 resumed" "$work/run" && fail "no handshake resumed its connection's session"

lg swap --host "https://localhost:$port" --ca "$crt" --admin "$admin" --live "$work/live.so" --url-path /app.dll \
  --new "$v2" --strategy exchange --recycle overlapped --rate 500 -d 2s --at 700ms --timeout 5s --no-progress
[ "$code" = 0 ] || fail "swap --host https:// --ca: exit $code, expected 0"
has "(https://localhost:$port/app.dll at 500 req/s)"
has "dropped 0"
grep -q "new build 0 " "$work/run" && fail "the new build never answered"

lg swap --host "https://localhost:$port" --admin "$admin" --live "$work/live.so" --url-path /app.dll \
  --new "$v1" --strategy exchange --recycle overlapped --rate 200 -d 1s --at 500ms --timeout 5s --no-progress -q
[ "$code" = 1 ] || fail "swap --host https:// without --ca: exit $code, expected 1"
has "TLS handshakes with https://localhost:$port failed: certificate verify failed: self-signed certificate"
has "every TLS handshake failed"
echo PASS
