#!/usr/bin/env bash
# Run by tools_test.sh inside its mount namespace: PREFIX and WORK are the moved prefix and work
# directory; SRC and BUILD must look empty. PATH does not hold the prefix: the tools must find one
# another (the preload library its snapshot helper) from their own location.
set -euo pipefail
prefix=$1 work=$2 src=$3 build=$4
cd "$work"
source ./lib.sh
unset LEAKSCOPE_SYMBOLIZER  # a helper named from outside would hide a failed lookup
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin GOCACHE=$work/gocache PPROF_TMPDIR=$work/pprof GO111MODULE=off
bin=$prefix/bin
for d in "$src" "$build"; do
  # The build tree may sit inside the source tree: then it is gone, not empty.
  [ ! -e "$d" ] || [ -z "$(ls -A "$d")" ] || { echo "$d is still reachable"; exit 1; }
done
fail() { echo "FAIL: $*"; exit 1; }

# A real jemalloc dump from a small program (copied out of the build tree).
MALLOC_CONF=prof:true,lg_prof_sample:0 ./known_allocs known.heap 3 >/dev/null
"$bin/leakscope" top known.heap >top.txt 2>top.err || fail "leakscope top: $(cat top.err)"
grep -q keep_small top.txt && grep -q keep_large top.txt || fail "top lacks keep_small/keep_large: $(cat top.txt)"

"$bin/leakscope" flame known.heap -o flame.svg 2>flame.err || fail "leakscope flame: $(cat flame.err)"
grep -q keep_large flame.svg || fail "flame.svg lacks keep_large"
grep -q "<script" flame.svg || fail "flame.svg lacks its embedded script"

# serve: one request for the flame graph page's SVG and one for the top view.
"$bin/leakscope" serve known.heap --http 127.0.0.1:0 >serve.out 2>serve.err &
serve_pid=$!
url=
for _ in $(seq 300); do
  url=$(sed -n 's|.*serve: \(http://[^ ]*\)/ .*|\1|p' serve.err)
  [ -n "$url" ] && break
  kill -0 $serve_pid 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { kill $serve_pid 2>/dev/null; fail "serve printed no URL: $(cat serve.err)"; }
curl -sf --max-time 20 "$url/svg/flame" >served-flame.svg || { kill $serve_pid; fail "GET $url/svg/flame"; }
curl -sf --max-time 20 "$url/ui/top" >served-top.html || { kill $serve_pid; fail "GET $url/ui/top"; }
kill -TERM $serve_pid
wait $serve_pid || true
grep -q keep_large served-flame.svg && grep -q "<script" served-flame.svg || fail "served flame SVG incomplete"
grep -q keep_small served-top.html || fail "served top page lacks keep_small"

# The preload library on an unmodified program: its endpoint's profile is symbolized by the helper.
libraries=$(ldconfig -p)  # read whole: awk stopping early would fail the pipe under pipefail
jemalloc=$(awk '$1 == "libjemalloc.so.2" {print $NF; exit}' <<<"$libraries")
start_profiled preload lingering env LD_PRELOAD="$jemalloc:$prefix/lib/libleakscope-preload.so" \
  MALLOC_CONF=prof:true,lg_prof_sample:0 ./known_allocs preload.heap 3 --linger
pprof_top_has "$profiled_url/debug/pprof/heap" keep_small || { stop_profiled; fail "preload endpoint"; }
stop_profiled

for tool in fcm-relay fake-fcm loadgen scenario-run; do
  "$bin/$tool" --help >"$tool.help" 2>&1 || fail "$tool --help: $(cat "$tool.help")"
done
grep -q -- --config fcm-relay.help || fail "fcm-relay --help names no --config"
echo "installed tools ok from $prefix with $build and $src hidden"
