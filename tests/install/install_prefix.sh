#!/usr/bin/env bash
# Fixture of the install tests: `cmake --install BUILD --prefix PREFIX` into a fresh PREFIX.
set -euo pipefail
build=$1 prefix=$2
rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
cmake --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1 || { cat "$prefix.log"; exit 1; }
[ -x "$prefix/bin/leakscope" ] || { echo "no $prefix/bin/leakscope after install"; exit 1; }
echo "installed into $prefix ($(grep -c Installing "$prefix.log") files)"
