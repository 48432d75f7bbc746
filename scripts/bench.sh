#!/usr/bin/env bash
# make bench: leakscope against its peers on the same inputs, in the same run.
#  1. a jemalloc dump with 200k distinct stacks (analyzer/bench/programs/many_stacks): `leakscope top` vs `jeprof --text`
#  2. a Go heap profile with 200k distinct stacks (analyzer/bench/go/manystacks):     `leakscope top` vs `go tool pprof -top`
#  3. Google Benchmark stage timings (analyzer/bench/analyzer_bench.cpp)
#  4. heap profiling overhead per allocation, beside heaptrack (scripts/bench_profiler.sh)
#  5. flame graph SVG and call graph from the dump's folded stacks: `leakscope flame`/`dot` vs flamegraph.pl
#     (when FLAMEGRAPH_PL or flamegraph.pl on PATH is there: it is not packaged in Debian 12)
#  4b. what one heap snapshot costs the profiled process, beside the previous in-process symbolizer
#  4c. the guarded HTTP server's cost per accepted connection (http/bench/accept_cost_bench.cpp)
#  6. fcm-relay end to end beside a bare rabbitmq-c consumer (scenarios/bench; BENCH_RELAY_MESSAGES, default 200000)
#  7. trend's leak detection curve at 512 KiB sampling (scripts/bench_trend_detection.sh; BENCH_TREND_RUNS, default 20)
#  8. serve DIR over 1,000 snapshots of 5,000 stacks: timeline ready and window change times (scripts/bench_timeline.sh)
# Wall time and peak RSS come from /usr/bin/time; each leakscope figure is the median of 5 runs.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=$BUILD/bench-data
mkdir -p "$DATA"
LEAKSCOPE=$BUILD/bin/leakscope
RUNS=${BENCH_RUNS:-5}

step() { echo "bench: $*" >&2; }

if [ ! -s "$DATA/many.heap" ]; then
  step "generating a jemalloc dump with 200000 distinct stacks"
  MALLOC_CONF=prof:true,lg_prof_sample:0 "$BUILD/bench/bin/many_stacks" "$DATA/many.heap" 200000
fi
if [ ! -s "$DATA/many.pb.gz" ]; then
  step "generating a Go heap profile with 200000 distinct stacks"
  GOCACHE="$PWD/$DATA/gocache" GO111MODULE=off go build -o "$DATA/manystacks" "$ROOT/analyzer/bench/go/manystacks/main.go"
  "$DATA/manystacks" "$DATA/many.pb.gz" 200000
fi

# measure CMD... -> "seconds peak_kb"
measure() {
  local report
  report=$(mktemp)
  if ! /usr/bin/time -o "$report" -f "%e %M" "$@" >/dev/null 2>"$report.err"; then
    echo "bench: failed: $* ($(tail -1 "$report.err"))" >&2
    rm -f "$report" "$report.err"
    exit 1
  fi
  tail -1 "$report"
  rm -f "$report" "$report.err"
}
median_of() {  # RUNS measurements -> median seconds, max peak
  local secs=() peak=0 s m
  for _ in $(seq "$RUNS"); do
    read -r s m < <(measure "$@")
    secs+=("$s")
    [ "$m" -gt "$peak" ] && peak=$m
  done
  printf '%s\n' "${secs[@]}" | sort -n | awk -v p="$peak" '{a[NR]=$1} END {print a[int((NR+1)/2)], p}'
}

row() { printf '%-34s %-24s %9s %10s\n' "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1fx", b / a; else print "n/a" }'; }

step "timing leakscope top on the jemalloc dump ($RUNS runs)"
read -r ls_je_s ls_je_kb < <(median_of "$LEAKSCOPE" top "$DATA/many.heap")
step "timing jeprof --text on the same dump (slow: tens of seconds)"
read -r jp_s jp_kb < <(measure jeprof --text "$BUILD/bench/bin/many_stacks" "$DATA/many.heap")
step "timing leakscope top on the Go profile ($RUNS runs)"
read -r ls_go_s ls_go_kb < <(median_of "$LEAKSCOPE" top "$DATA/many.pb.gz")
step "timing go tool pprof -top on the same profile"
read -r pp_s pp_kb < <(median_of go tool pprof -top "$DATA/many.pb.gz")

echo
echo "== leakscope vs peers ($(nproc) cores; $(date -u +%Y-%m-%d)) =="
row "input" "tool" "wall s" "peak MB"
row "jemalloc dump, 200k stacks" "leakscope top" "$ls_je_s" "$((ls_je_kb / 1024))"
row "  ($(du -m "$DATA/many.heap" | cut -f1) MB)" "jeprof --text" "$jp_s" "$((jp_kb / 1024))"
row "" "speed-up" "$(ratio "$ls_je_s" "$jp_s")" ""
row "Go heap profile, 200k stacks" "leakscope top" "$ls_go_s" "$((ls_go_kb / 1024))"
row "" "go tool pprof -top" "$pp_s" "$((pp_kb / 1024))"
row "" "speed-up" "$(ratio "$ls_go_s" "$pp_s")" ""
echo
echo "== targets (issue #2) =="
awk -v s="$ls_je_s" -v m="$ls_je_kb" 'BEGIN { printf "jemalloc top <= 0.7 s and <= 400 MB: %s\n", (s <= 0.7 && m <= 400*1024) ? "met" : "MISSED" }'
awk -v s="$ls_go_s" -v m="$ls_go_kb" 'BEGIN { printf "Go top       <= 0.5 s and <= 150 MB: %s\n", (s <= 0.5 && m <= 150*1024) ? "met" : "MISSED" }'

if [ ! -s "$DATA/many.folded" ]; then
  step "converting the dump to folded stacks"
  "$LEAKSCOPE" convert "$DATA/many.heap" -o "$DATA/many.folded"
fi
step "timing leakscope flame and dot on the folded stacks ($RUNS runs)"
read -r fl_s fl_kb < <(median_of "$LEAKSCOPE" flame "$DATA/many.folded" -o "$DATA/many.svg")
read -r dot_s dot_kb < <(median_of "$LEAKSCOPE" dot "$DATA/many.folded" -o "$DATA/many-graph.svg")
flamegraph_pl=${FLAMEGRAPH_PL:-$(command -v flamegraph.pl || true)}
echo
echo "== flame graph and call graph, 200k stacks ($(du -m "$DATA/many.folded" | cut -f1) MB folded) =="
row "output" "tool" "wall s" "peak MB"
row "flame SVG ($(du -k "$DATA/many.svg" | cut -f1) KB, $(grep -c '<g class="f"' "$DATA/many.svg") boxes)" "leakscope flame" "$fl_s" "$((fl_kb / 1024))"
if [ -n "$flamegraph_pl" ]; then
  step "timing flamegraph.pl on the same folded stacks (slow)"
  read -r fg_s fg_kb < <(measure perl "$flamegraph_pl" "$DATA/many.folded")
  row "" "flamegraph.pl" "$fg_s" "$((fg_kb / 1024))"
  row "" "speed-up" "$(ratio "$fl_s" "$fg_s")" ""
else
  row "" "flamegraph.pl" "not found" ""
  echo "  (flamegraph.pl is not packaged in Debian 12; FLAMEGRAPH_PL=/path/to/flamegraph.pl adds it to this table)"
fi
row "call graph SVG (libgvc)" "leakscope dot" "$dot_s" "$((dot_kb / 1024))"
awk -v s="$fl_s" 'BEGIN { printf "flame <= 0.5 s (issue #5): %s\n", s <= 0.5 ? "met" : "MISSED" }'
awk -v s="$dot_s" 'BEGIN { printf "dot + libgvc render <= 1 s (issue #5): %s\n", s <= 1.0 ? "met" : "MISSED" }'

echo
echo "== stage timings (Google Benchmark) =="
LEAKSCOPE_BENCH_JEMALLOC=$DATA/many.heap LEAKSCOPE_BENCH_GO=$DATA/many.pb.gz \
  "$BUILD/bench/bin/analyzer_bench" --benchmark_min_time=0.5
echo
"$ROOT/scripts/bench_profiler.sh" "$BUILD"
echo
echo "== what a snapshot costs the profiled process (10,000 stacks, every allocation sampled) =="
MALLOC_CONF=lg_prof_sample:0 LEAKSCOPE_SYMBOLIZER="$LEAKSCOPE" "$BUILD/bench/bin/snapshot_cost_bench" --stacks 10000
echo
echo "== the guarded HTTP server's cost per accepted connection, beside N other descriptors =="
"$BUILD/bench/bin/guarded_accept_bench" --benchmark_min_time=0.3
echo
"$BUILD/bin/relay_throughput_bench" --bin-dir "$BUILD/bin" --messages "${BENCH_RELAY_MESSAGES:-200000}"
echo
"$ROOT/scripts/bench_trend_detection.sh" "$BUILD" "${BENCH_TREND_RUNS:-20}"
echo
"$ROOT/scripts/bench_timeline.sh" "$BUILD"
