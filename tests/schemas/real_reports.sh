#!/bin/sh
# The JSON reports of a real swap (whose top level is the run summary of its
# load) and of a real race, against docs/schemas/. Bounded: a 2 s swap at
# 200 req/s, a race of 20 cycles; everything on 127.0.0.1.
#   real_reports.sh LOADGEN HOST HELLO_MODULE VALIDATOR SCHEMA_DIR WORK_DIR
set -u
loadgen=$1 host=$2 hello=$3 validator=$4 schemas=$5 work=$6
rm -rf "$work" && mkdir -p "$work" || exit 1
status=0

timeout 60 "$loadgen" swap --host-exe "$host" -R 200 -d 2s --at 500ms -q --no-progress --json "$work/swap.json"
code=$?
[ "$code" -eq 0 ] || { echo "swap exited with $code"; status=1; }
python3 "$validator" "$schemas" swap "$work/swap.json" || status=1

timeout 60 "$loadgen" race --host-exe "$host" --module "$hello" --cycles 20 --seed 3 --no-progress \
  --json "$work/race.json" >"$work/race.out" 2>&1
code=$?
[ "$code" -eq 0 ] || { echo "race exited with $code:"; cat "$work/race.out"; status=1; }
python3 "$validator" "$schemas" race "$work/race.json" || status=1
exit "$status"
