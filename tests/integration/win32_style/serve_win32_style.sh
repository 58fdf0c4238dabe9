#!/bin/sh
# The Windows-style samples, built with WIN32_COMPAT, served by the real
# isapi-host over HTTP: thread_pool (threads from DllMain) answers two
# requests on one kept-alive connection, async_read adds up a 100000-byte
# body read with HSE_REQ_ASYNC_READ_CLIENT, and the host stops cleanly
# (TerminateExtension stops the pool, DllMain(DLL_PROCESS_DETACH) frees it).
# The same script checks the MinGW build's DLLs under Wine (then the samples
# use the real windows.h).
# Arguments: isapi-host, thread_pool's module, async_read's module, the
# isolation mode, and the build's wine-run for a Windows build (default: env,
# which starts the native host).
set -u
host=$1 thread_pool=$2 async_read=$3 isolation=$4 wine_run=${5:-env}
fail_label="win32_style, $isolation"
. "$(dirname "$0")/../windows/wine_host.sh"  # starting, stopping, failure reports

start_host --isolation "$isolation" --map "/thread_pool.dll=$thread_pool" --map "/async_read.dll=$async_read"

# Two requests, one connection: curl says it reused it only if the first
# answer kept the connection open (HSE_REQ_DONE_WITH_SESSION with keep-alive).
answers=$(curl -sS -v --max-time 10 "$url/thread_pool.dll" "$url/thread_pool.dll" 2>"$work/run") ||
  fail "curl thread_pool.dll failed"
[ "$(printf '%s\n' "$answers" | grep -c '^thread_pool: request [0-9]* answered by a pool thread')" -eq 2 ] ||
  fail "thread_pool answered '$answers'"
grep -q "Re-using existing connection" "$work/run" || fail "the second request did not reuse the connection"

body=$work/body
head -c 100000 /dev/zero | tr '\0' 'a' >"$body"
answer=$(curl -sS --max-time 10 --data-binary "@$body" "$url/async_read.dll" 2>"$work/run") ||
  fail "curl async_read.dll failed"
[ "$answer" = "$(printf 'async_read: 100000 bytes, sum 9700000\r')" ] || fail "async_read answered '$answer'"

stop_host
grep -q "OutputDebugString" "$work/err" && fail "a sample reported a failure on stderr"
echo "PASS: thread_pool kept the connection for 2 answers, async_read read 100000 bytes ($isolation)"
