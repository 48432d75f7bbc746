#!/usr/bin/env bash
# An out-of-tree program linking the installed profiler, built with find_package (MODE cmake) or
# pkg-config (MODE pkg-config) against PREFIX, started with endpoints on a free loopback port and
# read with `go tool pprof -top`; with cmake also a GoogleTest suite on the installed leak-checking
# main (one clean test passes, one leaking test fails with its delta profile). The prefix's bin is on
# PATH, as the README's install section says.
set -euo pipefail
mode=$1 prefix=$2 consumer_src=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
rm -rf "$out"
mkdir -p "$out"
unset LEAKSCOPE_SYMBOLIZER  # found on PATH, as a user would
export GOCACHE=$out/gocache PPROF_TMPDIR=$out/pprof GO111MODULE=off PATH=$prefix/bin:$PATH
case $mode in
  cmake)
    cmake -S "$consumer_src" -B "$out/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      >"$out/configure.log" 2>&1 || { cat "$out/configure.log"; exit 1; }
    cmake --build "$out/build" >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
    program=$out/build/install_consumer ;;
  pkg-config)
    pc=$(find "$prefix" -name leakscope-profiler.pc)
    [ -n "$pc" ] || { echo "no leakscope-profiler.pc under $prefix"; exit 1; }
    flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs leakscope-profiler)
    program=$out/install_consumer
    # shellcheck disable=SC2086  # the flags are a word list
    c++ -std=c++20 -O2 -g "$consumer_src/consumer.cpp" -o "$program" $flags >"$out/build.log" 2>&1 ||
      { cat "$out/build.log"; exit 1; }
    ;;
  *) echo "consumer_test.sh: MODE is cmake or pkg-config, not '$mode'"; exit 2 ;;
esac
start_profiled "$out/run" ready env MALLOC_CONF=lg_prof_sample:0 "$program"
pprof_top_has "$profiled_url/debug/pprof/heap" consumer_keeps_blocks || { stop_profiled; exit 1; }
stop_profiled

# cmake only: a test suite on the installed leak-checking GoogleTest main (leakscope::gtest_leakcheck).
if [ "$mode" = cmake ]; then
  leak_test=$out/build/install_consumer_leak_test
  export MALLOC_CONF=prof:true,prof_active:true,lg_prof_sample:0 LEAKSCOPE_LEAKCHECK_OUTPUT_DIR=$out
  "$leak_test" --gtest_filter=InstalledLeakCheck.Clean >"$out/clean.log" 2>&1 || { cat "$out/clean.log"; exit 1; }
  if "$leak_test" --gtest_filter=InstalledLeakCheck.Leaks >"$out/leaks.log" 2>&1; then
    echo "the leaking test passed under the installed leak-check main:"; cat "$out/leaks.log"; exit 1
  fi
  delta=$out/InstalledLeakCheck.Leaks.leak.pb.gz
  [ -s "$delta" ] || { echo "no delta profile $delta"; cat "$out/leaks.log"; exit 1; }
  leakscope top "$delta" >"$out/delta-top.txt"
  grep -q consumer_test_keeps_blocks "$out/delta-top.txt" ||
    { echo "the delta profile does not name consumer_test_keeps_blocks:"; cat "$out/delta-top.txt"; exit 1; }
fi
echo "$mode consumer ok: go tool pprof -top names consumer_keeps_blocks"
