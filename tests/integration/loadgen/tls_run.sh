#!/bin/sh
# isapi-loadgen against real TLS servers on 127.0.0.1, with the self-signed
# pair of scripts/make-tls-cert.sh (localhost, 127.0.0.1, ::1):
#   openssl s_server -www (a new connection per request, so every request
#   makes a handshake, and the later ones resume the session):
#     --ca CERT: every request answered 200, exit 0, sessions resumed;
#     a host name (localhost: SNI, DNS name check) works alike;
#     no --ca: the system's CAs do not know it: every request in the class
#       tls, a one-line reason on stderr, exit 1;
#     --insecure: answered, exit 0;
#   tls_server.py (Python, HTTP/1.1 keep-alive): -c 2 -n 40 makes two
#     handshakes, not forty; --no-keepalive makes one per request;
#   an https:// target on a plain HTTP port: tls, with the hint.
# Usage: tls_run.sh ISAPI_LOADGEN MAKE_TLS_CERT_SH TLS_SERVER_PY
set -u
loadgen=$1 make_cert=$2 tls_server=$3
work=$(mktemp -d)
pids=
cleanup() {
  for pid in $pids; do kill "$pid" 2>/dev/null; done
  for pid in $pids; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  if [ -f "$work/run" ]; then echo "--- isapi-loadgen output"; cat "$work/run"; fi
  exit 1
}
# Runs isapi-loadgen into $work/run (stdout and stderr) and sets $code.
lg() {
  "$loadgen" "$@" >"$work/run" 2>&1
  code=$?
}
has() { grep -q -- "$1" "$work/run" || fail "expected '$1' in the output"; }

command -v openssl >/dev/null && command -v bash >/dev/null || { echo "SKIP: no openssl or bash program"; exit 0; }
bash "$make_cert" "$work/certs" >/dev/null || fail "make-tls-cert.sh failed"
crt=$work/certs/localhost.crt key=$work/certs/localhost.key

# ---- openssl s_server -www: answers, then closes -------------------------------
openssl s_server -www -accept 127.0.0.1:0 -cert "$crt" -key "$key" </dev/null >"$work/s_server" 2>&1 &
pids="$pids $!"
port=
for _ in $(seq 1 50); do
  port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/s_server" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "openssl s_server did not listen: $(cat "$work/s_server")"

lg run "https://127.0.0.1:$port/" --ca "$crt" -n 50 -c 4 -t 2 --timeout 5s
[ "$code" = 0 ] || fail "--ca: exit $code, expected 0"
has "answered 50 "
has "classes    ok 50"
has "tls        TLSv1"
has " 50 handshakes, "
grep -q " 50 handshakes, 0 resumed" "$work/run" && fail "no handshake resumed its connection's earlier session"

lg run "https://localhost:$port/" --ca "$crt" -n 10 -c 2 --timeout 5s
[ "$code" = 0 ] || fail "--ca with the host name localhost: exit $code, expected 0"
has "classes    ok 10"

lg run "https://127.0.0.1:$port/" -n 20 -c 2 --timeout 5s
[ "$code" = 1 ] || fail "without --ca: exit $code, expected 1"
has "classes    ok 0 tls 20"
has "isapi-loadgen: 20 TLS handshakes with https://127.0.0.1:$port failed: certificate verify failed: self-signed certificate"
has "trust its issuer with --ca FILE, or skip the check with --insecure"
has "every TLS handshake failed"
[ "$(grep -c 'TLS handshakes with' "$work/run")" = 1 ] || fail "the reason is not on one line"

lg run "https://127.0.0.1:$port/" --insecure -n 20 -c 2 --timeout 5s
[ "$code" = 0 ] || fail "--insecure: exit $code, expected 0"
has "classes    ok 20"

lg run "http://127.0.0.1:$port/" --insecure -n 1
[ "$code" = 1 ] || fail "--insecure with http://: exit $code, expected 1"
has "--insecure is for https:// targets"
grep -q "sent" "$work/run" && fail "--insecure with http:// sent a request"

# ---- tls_server.py: keep-alive ------------------------------------------------------
if command -v python3 >/dev/null; then
  python3 "$tls_server" "$crt" "$key" >"$work/py" 2>&1 &
  pids="$pids $!"
  py=
  for _ in $(seq 1 50); do
    py=$(head -n 1 "$work/py")
    [ -n "$py" ] && break
    sleep 0.1
  done
  [ -n "$py" ] || fail "tls_server.py did not start: $(cat "$work/py")"
  lg run "https://localhost:$py/" --ca "$crt" -n 40 -c 2 -t 1 --timeout 5s
  [ "$code" = 0 ] || fail "keep-alive: exit $code, expected 0"
  has "classes    ok 40"
  has ", 2 handshakes, "
  lg run "https://localhost:$py/" --ca "$crt" -n 20 -c 2 -t 1 --timeout 5s --no-keepalive
  [ "$code" = 0 ] || fail "--no-keepalive: exit $code, expected 0"
  has "classes    ok 20"
  has ", 20 handshakes, "

  # ---- https:// on a plain HTTP port --------------------------------------------------
  python3 -m http.server 0 --bind 127.0.0.1 >"$work/plain" 2>&1 &
  pids="$pids $!"
  plain=
  for _ in $(seq 1 50); do
    plain=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/plain" | head -n 1)
    [ -n "$plain" ] && break
    sleep 0.1
  done
  if [ -n "$plain" ]; then
    lg run "https://127.0.0.1:$plain/" --insecure -n 3 -c 1 --timeout 5s
    [ "$code" = 1 ] || fail "https:// on a plain port: exit $code, expected 1"
    has "classes    ok 0 tls 3"
    has "is it a plain HTTP port (http://)?"
  fi
fi
echo PASS
