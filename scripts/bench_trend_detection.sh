#!/usr/bin/env bash
# The trend detection curve at production's sampling period (lg_prof_sample:19, 512 KiB): a steady leak
# of 1, 2, 4, 8, 16 sampling periods in all, spread over STEPS steps (STEPS+1 snapshots), beside a one-off
# 20 MiB cache, a 40 MiB spike, a sawtooth and churn (tests/programs/trend_shapes.cpp), RUNS runs each
# (one process, one seed per run). Prints the share of runs that flag the leak with today's rules and
# with the steady-fit rule alone (the sampled-counting rule switched off), and the share of runs in
# which any other function is flagged.
# Usage: scripts/bench_trend_detection.sh [BUILD] [RUNS] [STEPS]   (BENCH_TREND_RUNS overrides RUNS)
set -euo pipefail
BUILD=${1:-build}
RUNS=${BENCH_TREND_RUNS:-${2:-20}}
STEPS=${3:-8}
LEAKSCOPE=$BUILD/bin/leakscope
GEN=$BUILD/tests/bin/trend_shapes
for exe in "$LEAKSCOPE" "$GEN"; do
  [ -x "$exe" ] || { echo "bench_trend_detection: $exe not found (build leakscope and trend_shapes)" >&2; exit 2; }
done
PERIOD=524288
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# flagged JSON NAME -> 1 if NAME is a suspect; others JSON -> number of suspects that are not leak_step
flagged() { jq --arg n "$2" '[.suspects[] | select(.name == $n)] | length' "$1"; }
others() { jq '[.suspects[] | select(.name != "leak_step")] | length' "$1"; }

echo "== trend detection at 512 KiB sampling: $RUNS runs per row, leak over $STEPS steps ($((STEPS + 1)) snapshots) =="
printf '%-16s %-10s %-22s %-22s %s\n' "leak (periods)" "leak" "flagged (both rules)" "flagged (fit only)" "runs with a false positive"
fp_total=0
for periods in 1 2 4 8 16; do
  per_step=$((periods * PERIOD / STEPS))
  hit=0 hit_fit=0 fp=0
  for run in $(seq "$RUNS"); do
    dir=$WORK/p$periods-$run
    mkdir -p "$dir"
    MALLOC_CONF=prof:true,lg_prof_sample:19 "$GEN" "$dir" "$per_step" "$STEPS" "$((periods * 1000 + run))"
    "$LEAKSCOPE" trend --json "$dir"/shapes.*.heap >"$dir/both.json"
    "$LEAKSCOPE" trend --json --min-sampled-periods 1e12 "$dir"/shapes.*.heap >"$dir/fit.json"
    hit=$((hit + $(flagged "$dir/both.json" leak_step)))
    hit_fit=$((hit_fit + $(flagged "$dir/fit.json" leak_step)))
    [ "$(others "$dir/both.json")" -gt 0 ] && fp=$((fp + 1))
    rm -f "$dir"/*.heap
  done
  fp_total=$((fp_total + fp))
  printf '%-16s %-10s %-22s %-22s %s\n' "$periods" "$((periods * PERIOD / 1024)) KiB" "$hit/$RUNS" "$hit_fit/$RUNS" "$fp/$RUNS"
done
echo "false positives (cache_fill, spike, sawtooth, churn or anything else): $fp_total of $((5 * RUNS)) runs"
