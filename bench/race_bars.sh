#!/usr/bin/env bash
# The bars for `isapi-loadgen race`, in full (the CI suite,
# tests/integration/race, runs a short version):
#   1. every buggy sample is found with its own kind, median detection time
#      over SEEDS seeds (default 10) <= 10 s;
#   2. every good sample churns for GOOD_DURATION (default 60s) with 0 findings.
# Prints a table per bar.
#
#   bench/race_bars.sh [BUILD_DIR]        (default: build/release)
#
# Environment: SEEDS (10), FIRST_SEED (1), BUGGY_LIMIT (30s: a run's bound),
# GOOD_DURATION (60s), ONLY (buggy or good: run one bar), SAMPLES (names
# separated by spaces: only those samples, of either bar). Exit status: 0 when
# every bar is met, 1 when one is not, 2 when the run itself failed.
set -euo pipefail

die() { echo "race_bars: $*" >&2; exit 2; }

# The build folder as given, or relative to the repository.
build_arg="${1:-build/release}"
repo="$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="$({ cd "$build_arg" || cd "$repo/$build_arg"; } 2>/dev/null && pwd)" || die "no build folder $build_arg"
loadgen="$build_dir/loadgen/isapi-loadgen"
host="$build_dir/host/isapi-host"
for exe in "$loadgen" "$host"; do
  [[ -x "$exe" ]] || die "no $exe (build isapi-host and isapi-loadgen first)"
done
command -v python3 >/dev/null || die "python3 is needed to read the JSON reports"
seeds="${SEEDS:-10}" first_seed="${FIRST_SEED:-1}" buggy_limit="${BUGGY_LIMIT:-30s}"
good_duration="${GOOD_DURATION:-60s}" only="${ONLY:-}" picked="${SAMPLES:-}"
# True when SAMPLES is unset or names $1.
picked() { [[ -z "$picked" || " $picked " == *" $1 "* ]]; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# sample:kind:extra race arguments (as in tests/integration/race)
buggy=(
  "thread_leak:threads_outlive_terminate:"
  "load_time_thread:threads_outlive_terminate:"
  "late_thread:unloaded_code_executed:"
  "use_after_done:ecb_after_done:"
  "double_done:double_done:"
  "pending_forever:pending_at_unload:--recycle-every 500ms --shutdown-time-limit 1s"
  "leak_per_load:leak_per_cycle:"
  "hang_on_terminate:hang:--hang-timeout 1s"
  "throw_in_proc:exception_escaped:"
  "nodelete:unload_ineffective:"
  "return_after_done:unloaded_code_executed:"
  "small_post_double_free:entry_point_crash:"
)
good=(hello echo redirect transmit slow async version_v1 version_v2 crash server_vars_dump)

# Prints "KINDS TIME" of a JSON report: the distinct kinds (comma-separated,
# "-" for none) and the first finding's time ("-" for none).
summarize() {
  python3 - "$1" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("error -"); sys.exit(0)
kinds = sorted({f["kind"] for f in r["findings"]})
first = r["findings"][0]["time_us"] / 1e6 if r["findings"] else None
print((",".join(kinds) or "-") + " " + ("%.2f" % first if first is not None else "-"))
EOF
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

met=0
if [[ "$only" != good ]]; then
  echo "Bar 1: each buggy sample found with its own kind; median detection time over $seeds seeds <= 10 s"
  printf '%-18s %-26s %7s %8s %8s %8s  %s\n' sample kind found median min max verdict
  for entry in "${buggy[@]}"; do
    IFS=: read -r name kind extra <<<"$entry"
    picked "$name" || continue
    times=()
    found=0
    for ((s = first_seed; s < first_seed + seeds; ++s)); do
      json="$work/$name-$s.json"
      # shellcheck disable=SC2086 # $extra is a list of arguments
      "$loadgen" race --module "$build_dir/samples/buggy/$name.so" --seed "$s" --duration "$buggy_limit" \
        --host-exe "$host" --json "$json" -q $extra || true
      read -r kinds first <<<"$(summarize "$json")"
      if [[ "$kinds" == "$kind" ]]; then
        found=$((found + 1))
        times+=("$first")
      fi
    done
    med="$(printf '%s\n' "${times[@]}" | grep -v '^$' | median)"
    min="$(printf '%s\n' "${times[@]}" | grep -v '^$' | sort -g | head -1)"
    max="$(printf '%s\n' "${times[@]}" | grep -v '^$' | sort -g | tail -1)"
    verdict=ok
    if [[ "$found" -ne "$seeds" ]] || ! awk -v m="$med" 'BEGIN { exit !(m != "-" && m <= 10) }'; then
      verdict=MISSED
      met=1
    fi
    printf '%-18s %-26s %4s/%-2s %7ss %7ss %7ss  %s\n' "$name" "$kind" "$found" "$seeds" "$med" "${min:--}" "${max:--}" "$verdict"
  done
  echo
fi

if [[ "$only" != buggy ]]; then
  echo "Bar 2: each good sample churned for $good_duration (uncached, recycles, jitter) with 0 findings"
  printf '%-12s %8s %10s %10s %9s  %s\n' sample findings cycles requests recycles verdict
  for name in "${good[@]}"; do
    picked "$name" || continue
    json="$work/good-$name.json"
    "$loadgen" race --module "$build_dir/samples/$name.so" --duration "$good_duration" --all \
      --recycle-modes overlapped,immediate --host-exe "$host" --json "$json" -q || true
    read -r findings cycles requests recycles <<<"$(python3 -c '
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print(len(r["findings"]), r["cycles"], r["requests"], r["recycles"])
except Exception:
    print("error - - -")' "$json")"
    verdict=ok
    if [[ "$findings" != 0 ]]; then verdict=FINDINGS; met=1; fi
    printf '%-12s %8s %10s %10s %9s  %s\n' "$name" "$findings" "$cycles" "$requests" "$recycles" "$verdict"
    if [[ "$findings" != 0 && "$findings" != error ]]; then
      python3 -c 'import json,sys; [print("    ", f["kind"], f["module"], f["evidence"][:160]) for f in json.load(open(sys.argv[1]))["findings"]]' "$json"
    fi
  done
fi
exit "$met"
