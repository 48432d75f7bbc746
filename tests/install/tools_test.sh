#!/usr/bin/env bash
# The installed tools with the source and build trees out of reach: in a private mount namespace,
# the prefix and a work directory are bind-mounted to a new place (so the prefix has moved, too)
# and empty tmpfs are mounted over the build and source trees; tools_inner.sh then runs the
# README's main examples from the prefix.
set -euo pipefail
prefix=$1 src=$2 build=$3 known_allocs=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
cp "$known_allocs" "$here/lib.sh" "$here/tools_inner.sh" "$out/"
root=$(mktemp -d /tmp/leakscope-install-test.XXXXXX)
mkdir "$root/prefix" "$root/work"
rc=0
unshare --mount --propagation private -- bash -c '
  set -e
  mount --bind "$1" "$3/prefix"
  mount --bind "$2" "$3/work"
  mount -t tmpfs -o size=1m leakscope-hidden "$5"
  [ "$4" = "$5" ] || mount -t tmpfs -o size=1m leakscope-hidden "$4"
  exec bash "$3/work/tools_inner.sh" "$3/prefix" "$3/work" "$4" "$5"' _ "$prefix" "$out" "$root" "$src" "$build" || rc=$?
rmdir "$root/prefix" "$root/work" "$root"
exit $rc
