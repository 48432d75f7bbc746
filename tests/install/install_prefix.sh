#!/usr/bin/env bash
# Fixture of the install tests: `cmake --install BUILD --prefix PREFIX` into a fresh PREFIX.
set -euo pipefail
build=$1 prefix=$2
rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
cmake --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1 || { cat "$prefix.log"; exit 1; }
[ -x "$prefix/bin/leakscope" ] || { echo "no $prefix/bin/leakscope after install"; exit 1; }
# Public headers only: the HTTP library's are installed, the analyzer's reader internals are not.
[ -f "$prefix/include/leakscope/http/listen.h" ] || { echo "no leakscope/http/listen.h under $prefix/include"; exit 1; }
for private in text_cursor heap_text heap_profile_builder memory_map; do
  [ ! -e "$prefix/include/leakscope/analyzer/$private.h" ] || { echo "private header $private.h installed"; exit 1; }
done
echo "installed into $prefix ($(grep -c Installing "$prefix.log") files)"
