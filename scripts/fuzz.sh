#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang-14, ASan + UBSan)
# and runs each for FUZZ_SECONDS (default 60) from its checked-in seed corpus.
# Every saved regression input is replayed first. Exits non-zero when any
# input crashes, printing the crash file's path.
#
#   scripts/fuzz.sh                      # every target
#   scripts/fuzz.sh fuzz_http_request    # some targets
#   FUZZ_SECONDS=600 FUZZ_OUT=/tmp/fuzz scripts/fuzz.sh
#   FUZZ_KEEP_GOING=1 scripts/fuzz.sh    # fork mode: log every crash, run on
#   FUZZ_NO_BUILD=1 scripts/fuzz.sh      # run the targets as last built
#
# The corpus is copied to a scratch folder (FUZZ_OUT, default a new folder in
# /tmp), so the repository stays clean; new inputs and crash files stay there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all_targets=(fuzz_w3c_reader fuzz_har_reader fuzz_jsonl_reader fuzz_ipc_frames fuzz_response_header fuzz_http_request)
targets=("${@:-${all_targets[@]}}")
seconds=${FUZZ_SECONDS:-60}

# The longest input worth trying per format: a few log lines or entries, a few
# frames, one header block; HTTP requests go up to 80 KB so that a field
# near Beast's 64 KiB bound fits under the raised header limit.
max_len_for() {
  case $1 in
    fuzz_har_reader) echo 16384 ;;
    fuzz_http_request) echo 81920 ;;
    fuzz_response_header) echo 4096 ;;
    *) echo 8192 ;;
  esac
}

# What the build needs, and the fuzzing toolchain (only fuzzing needs clang).
bash scripts/install-deps.sh clang-14 libclang-rt-14-dev

build=build/fuzz
[ -f "$build/CMakeCache.txt" ] || cmake --preset fuzz >/dev/null
# FUZZ_NO_BUILD=1 runs the binaries as last built.
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  cmake --build "$build" --target "${targets[@]}"
fi

out=${FUZZ_OUT:-$(mktemp -d /tmp/isapi-fuzz.XXXXXX)}
mkdir -p "$out"
failures=()
summary=()

for t in "${targets[@]}"; do
  bin=$root/$build/tests/fuzz/$t
  regressions=("$root"/tests/fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "== $t: replaying ${#regressions[@]} regression input(s)"
    for input in "${regressions[@]}"; do
      if ! "$bin" "$input" >"$out/$t.regression.log" 2>&1; then
        echo "REGRESSION FAILS: $input (log: $out/$t.regression.log)"
        failures+=("$input")
      fi
    done
  fi

  work=$out/$t
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$root/tests/fuzz/corpus/$t/." "$work/corpus/"
  mode=()
  [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  echo "== $t: fuzzing for ${seconds}s (log: $work/fuzz.log)"
  status=0
  (cd "$work" && "$bin" "${mode[@]}" -max_total_time="$seconds" -max_len="$(max_len_for "$t")" \
     -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
     corpus) >"$work/fuzz.log" 2>&1 || status=$?
  # Executions: libFuzzer's final stats, or the last status line in fork mode.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$work/fuzz.log" | tail -1 | tr -d '#')
  summary+=("$(printf '%-22s %12s executions in %ss' "$t" "${execs:-?}" "$seconds")")
  crashes=$(find "$work/artifacts" -type f 2>/dev/null | sort)
  if [ "$status" -ne 0 ] || [ -n "$crashes" ]; then
    echo "CRASH in $t (exit $status); inputs:"
    for c in $crashes; do echo "  $c"; failures+=("$c"); done
    [ -n "$crashes" ] || failures+=("$work/fuzz.log")
    grep -m1 -E 'ERROR: |fuzz invariant broken|terminate called|runtime error' "$work/fuzz.log" || true
  fi
done

echo
echo "executions per target:"
printf '  %s\n' "${summary[@]}"
if [ ${#failures[@]} -gt 0 ]; then
  echo "failing inputs (save new ones under tests/fuzz/regressions/<target>/):"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
