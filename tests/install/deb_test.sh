#!/usr/bin/env bash
# `make package`'s Debian package, built by cpack from BUILD into OUT: it holds the tools, the preload
# library, the profiler's CMake and pkg-config files and headers, and nothing test-only; its Depends
# names the package of every shared library its ELF files need (as this machine resolves them), no
# -dev package, and libunwind8 (dlopen()ed by the profiler, so invisible to dpkg-shlibdeps).
set -euo pipefail
build=$1 out=$2
rm -rf "$out"
mkdir -p "$out"
cpack --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1 || { tail -30 "$out/cpack.log"; exit 1; }
debs=("$out"/*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || { echo "expected one .deb in $out"; ls "$out"; exit 1; }
deb=${debs[0]}
fail() { echo "FAIL: $*"; exit 1; }

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||' >"$out/contents.txt"
for f in usr/bin/leakscope usr/bin/fcm-relay usr/bin/fake-fcm usr/bin/loadgen usr/bin/scenario-run \
  usr/lib/libleakscope-preload.so usr/lib/libleakscope_profiler.a usr/lib/cmake/leakscope/leakscopeConfig.cmake \
  usr/lib/pkgconfig/leakscope-profiler.pc usr/include/leakscope/profiler/profiler.h \
  usr/share/leakscope/fcm-relay/fcm-relay.service usr/share/leakscope/fcm-relay/fcm-relay.toml.example; do
  grep -qx "$f" "$out/contents.txt" || fail "the package lacks $f"
done
extra_bin=$(grep '^usr/bin/.' "$out/contents.txt" | grep -vxE 'usr/bin/(leakscope|fcm-relay|fake-fcm|loadgen|scenario-run)' || true)
[ -z "$extra_bin" ] || fail "unexpected programs in the package: $extra_bin"
test_only=$(grep -E '(^|/)tests?(/|$)|_tests?$|bench|scratch|known_allocs|profiled_service|bare_consumer|spawner' \
  "$out/contents.txt" || true)
[ -z "$test_only" ] || fail "test-only files in the package: $test_only"

fields=$(dpkg-deb -f "$deb" Package Version Architecture Depends)
depends=$(dpkg-deb -f "$deb" Depends)
names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/[ (].*//' | sort -u)
grep -qx libunwind8 <<<"$names" || fail "Depends lacks libunwind8: $depends"
! grep -q -- '-dev$' <<<"$names" || fail "Depends names a -dev package: $depends"

dpkg-deb -x "$deb" "$out/root"
# Read once: awk stopping early on a pipe from ldconfig would fail the pipe (SIGPIPE) under pipefail.
libraries=$(ldconfig -p)
checked=0
while IFS= read -r elf; do
  for lib in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(awk -v l="$lib" '$1 == l {print $NF; exit}' <<<"$libraries")
    [ -n "$path" ] || fail "$elf needs $lib, which this machine does not have"
    owner=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true)
    pkg=${owner%%:*}
    [ -n "$pkg" ] || fail "no Debian package owns $path (needed by $elf)"
    grep -qx "$pkg" <<<"$names" || fail "${elf#"$out/root"} needs $lib from $pkg, not in Depends: $depends"
    checked=$((checked + 1))
  done
done < <(find "$out/root" -type f \( -path '*/bin/*' -o -name '*.so' \))
[ $checked -gt 0 ] || fail "no NEEDED entries found in the package's programs"
unit=$out/root/usr/share/leakscope/fcm-relay/fcm-relay.service
grep -qx 'ExecStart=/usr/bin/fcm-relay --config /etc/fcm-relay/fcm-relay.toml' "$unit" ||
  fail "the packaged unit does not start /usr/bin/fcm-relay: $(grep ExecStart "$unit")"
[ -x "$out/root/usr/bin/fcm-relay" ] || fail "usr/bin/fcm-relay is not executable in the package"
rm -rf "$out/root" "$out/_CPack_Packages"  # about 460 MB; the .deb stays for a look
echo "$fields"
echo "package ok: $(wc -l <"$out/contents.txt") entries, $checked NEEDED libraries covered by Depends"
