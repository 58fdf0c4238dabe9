#!/usr/bin/env bash
# Runs a command and prints its resident memory (VmRSS, KiB) once a second
# from /proc/<pid>/status until it exits, then the first second's value, the
# last and the largest, so a claim of flat memory (docs/loadgen.md) can be
# checked on any run:
#   bench/rss_samples.sh build/release/loadgen/isapi-loadgen swap --mode uncached -R 2000 -d 60s -q
# Exit status: the command's.
set -u
if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 64
fi
"$@" &
pid=$!
start=$(date +%s.%N)
first="" last="" peak=0
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
  [ -n "$rss" ] || break
  # Wall-clock time since the start: the loop drifts past 1 s a turn.
  echo "rss $(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')s ${rss} KiB"
  [ -n "$first" ] || first=$rss
  last=$rss
  [ "$rss" -gt "$peak" ] && peak=$rss
done
wait "$pid"
status=$?
echo "rss first ${first:-?} KiB, last ${last:-?} KiB, peak ${peak} KiB, growth $(( ${last:-0} - ${first:-0} )) KiB"
exit "$status"
