#!/usr/bin/env bash
# Makes a self-signed certificate and its key for trying TLS on loopback:
# the swap demo with --tls, the TLS tests and benchmarks. Not for anything
# reachable from another machine: the key is unencrypted and the certificate
# trusts itself.
#
#   scripts/make-tls-cert.sh DIR [NAME]
#
# Writes DIR/NAME.crt (PEM; also a CA file for `isapi-loadgen --ca`) and
# DIR/NAME.key (PEM, RSA 2048). NAME defaults to "localhost". The
# certificate names localhost, 127.0.0.1 and ::1 (subjectAltName), so a
# client that checks host names accepts it for any loopback target. Valid
# 30 days. An existing pair is kept while it has a day left.
# Needs the openssl program (Debian package openssl; install-deps.sh has it).
set -euo pipefail
dir="${1:?usage: make-tls-cert.sh DIR [NAME]}"
name="${2:-localhost}"
command -v openssl >/dev/null || { echo "make-tls-cert: the openssl program is missing (apt-get install openssl)" >&2; exit 2; }
mkdir -p "$dir"
crt="$dir/$name.crt" key="$dir/$name.key"
if [[ -s "$crt" && -s "$key" ]] && openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null 2>&1; then
  exit 0
fi
# Written beside, then renamed: a test running in parallel never reads half a file.
tmp="$(mktemp -d "$dir/.cert.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -sha256 \
  -keyout "$tmp/key" -out "$tmp/crt" \
  -subj "/C=US/O=isapi-harness test/CN=$name" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
  -addext "basicConstraints=critical,CA:TRUE" >/dev/null 2>&1 \
  || { echo "make-tls-cert: openssl could not make the pair in $dir" >&2; exit 2; }
chmod 600 "$tmp/key"
mv -f "$tmp/key" "$key"
mv -f "$tmp/crt" "$crt"
echo "$crt"
echo "$key"
