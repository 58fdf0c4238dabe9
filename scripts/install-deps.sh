#!/usr/bin/env bash
# Installs the Debian 12 packages isapi-harness needs to build, test and run
# its demo, if any are missing. Safe to run repeatedly; does nothing when all
# are present. Extra package names given as arguments are installed too (the
# Windows cross build and the fuzzers name theirs).
set -euo pipefail

packages=(
  cmake ninja-build g++            # toolchain
  libboost1.81-dev                 # Boost.Beast / Asio (header-only parts)
  catch2                           # tests (v2)
  libspdlog-dev libfmt-dev         # logging
  libcli11-dev nlohmann-json3-dev  # command lines, JSON
  libbenchmark-dev                 # micro-benchmarks
  curl                             # scripts/host-tour.sh talks to the host with curl
  python3                          # host-tour prints the admin API's events; bench scripts
  dpkg-dev file lintian            # cpack -G DEB (dpkg-shlibdeps, file) and its test's lintian check
  goaccess                         # the access log test reads the host's log with goaccess's W3C preset
  python3-jsonschema               # the JSON reports are validated against their schemas (docs/schemas)
  python3-prometheus-client        # /_isapi/metrics is read with the Prometheus client's own parser
  libssl-dev openssl               # TLS (Asio SSL on OpenSSL) in the host and loadgen; test certificates
  "$@"
)
# Optional, not installed: gdb. With it on PATH, a `hang` finding carries
# every thread's stack; without it the evidence says so (the tests accept both).

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
