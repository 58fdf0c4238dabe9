#!/usr/bin/env bash
# Runs the micro-benchmarks and prints their figures against the bars:
#   ECB dispatch of hello < 2 µs; uncached cycle <= 1.5x raw dlopen/dlclose.
#
#   bench/run.sh [BUILD_DIR] [--with-nginx]   (default: build/release)
#
# --with-nginx also runs bench/host_vs_nginx.sh (wrk, about half a minute).
# Extra Google Benchmark flags can go in BENCH_ARGS.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="build/release"
with_nginx=0
for arg in "$@"; do
  case "$arg" in
    --with-nginx) with_nginx=1 ;;
    *) build_dir="$arg" ;;
  esac
done
if [[ ! -d "$build_dir" && -d "$repo_root/$build_dir" ]]; then
  build_dir="$repo_root/$build_dir"
fi

status=0
summary=()
for bench in bench_ecb_dispatch bench_uncached_cycle; do
  exe="$build_dir/bench/$bench"
  if [[ ! -x "$exe" ]]; then
    echo "run.sh: $exe is missing (build target $bench)" >&2
    status=1
    continue
  fi
  echo "== $bench"
  # shellcheck disable=SC2086
  out="$("$exe" ${BENCH_ARGS:-} 2>&1)" || status=1
  echo "$out"
  while IFS= read -r line; do summary+=("$line"); done < <(grep -E "PASS|FAIL|x$" <<<"$out" | grep -v "^BM_" || true)
  grep -q FAIL <<<"$out" && status=1
done

if ((with_nginx)); then
  echo "== host_vs_nginx.sh"
  if out="$("$repo_root/bench/host_vs_nginx.sh" "$build_dir" 2>&1)"; then :; else status=1; fi
  echo "$out"
  while IFS= read -r line; do summary+=("$line"); done < <(grep -E "^ratio" <<<"$out" || true)
fi

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$status"
