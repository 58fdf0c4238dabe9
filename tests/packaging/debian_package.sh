#!/bin/sh
# The Debian package as a user gets it: `cpack -G DEB` from the configured
# build, the package's fields (its version, the Depends dpkg-shlibdeps
# declared from the binaries), then its contents unpacked into an empty
# folder (dpkg -x, no root, nothing installed on this machine): both
# programs' --version, and the packaged host serving the packaged hello
# sample over loopback.
# lintian must report no error, and docs/packaging.md must name each warning.
# Arguments: cpack, the build folder, the source folder, the version.
set -u
cpack=$1 build=$2 source=$3 version=$4

wine_run=env  # the Windows end-to-end helper starts the native host this way
fail_label="debian package"
. "$source/tests/integration/windows/wine_host.sh"

(cd "$work" && "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work/package") >"$work/run" 2>&1 ||
  fail "cpack -G DEB failed"
deb=$(ls "$work/package"/isapi-harness_"$version"_*.deb 2>/dev/null)
[ -f "$deb" ] || fail "no isapi-harness_${version}_ARCH.deb in $(ls "$work/package")"

[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "the package's Version is '$(dpkg-deb -f "$deb" Version)'"
depends=$(dpkg-deb -f "$deb" Depends)
for needed in libc6 libstdc++6 libspdlog; do
  case "$depends" in *"$needed"*) ;; *) fail "Depends '$depends' does not declare $needed" ;; esac
done

command -v lintian >/dev/null || fail "lintian is not installed (scripts/install-deps.sh installs it)"
lintian --fail-on error "$deb" >"$work/run" 2>&1 || fail "lintian reports errors in $(basename "$deb")"
for tag in $(sed -n 's/^W: [^ ]* \([^ ]*\).*/\1/p' "$work/run" | sort -u); do
  grep -q "$tag" "$source/docs/packaging.md" || fail "lintian warns $tag, which docs/packaging.md does not list"
done

dpkg -x "$deb" "$work/root" || fail "dpkg -x failed"
for program in isapi-host isapi-loadgen; do
  shown=$("$work/root/usr/bin/$program" --version 2>&1)
  [ "$shown" = "$program $version" ] || fail "$program --version printed '$shown'"
done

host=$work/root/usr/bin/isapi-host
start_host --map "/hello.dll=$work/root/usr/lib/isapi-harness/samples/hello.so"
answer=$(curl -sS --max-time 10 "$url/hello.dll" 2>"$work/run") || fail "curl $url/hello.dll failed"
[ "$answer" = "Hello from ISAPI" ] || fail "the packaged hello sample answered '$answer'"
stop_host
echo "PASS: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB), Depends: $depends; isapi-host $version served hello.so"
