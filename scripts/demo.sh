#!/usr/bin/env bash
# make demo: until scenarios/ can replay the leak against a real broker, this runs the analyzer on a
# miniature of the first historic leak (tests/programs/backlog_demo.cpp): a consumer that copies
# every delivery (recv_content) into a backlog its sender cannot drain. Five real jemalloc heap
# snapshots are taken 20000 deliveries apart; leakscope names the function that grew and gives a verdict.
# Usage: scripts/demo.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-$BUILD/demo}
LEAKSCOPE=$BUILD/bin/leakscope
rm -rf "$OUT"
mkdir -p "$OUT"

echo "demo: replaying the auto-ack backlog leak (100000 deliveries, jemalloc sampling every 64 KiB)..."
MALLOC_CONF=prof:true,lg_prof_sample:16 "$BUILD/tests/bin/backlog_demo" "$OUT"

echo "demo: analyzing the snapshots"
"$LEAKSCOPE" top "$OUT/snapshot.5.heap" --nodecount 8 >"$OUT/top.txt"
"$LEAKSCOPE" diff "$OUT/snapshot.1.heap" "$OUT/snapshot.5.heap" --nodecount 8 >"$OUT/diff.txt"
"$LEAKSCOPE" diff "$OUT/snapshot.1.heap" "$OUT/snapshot.5.heap" --json >"$OUT/diff.json"
# The verdict: exit 1 means a leak suspect, which is what this replay should produce.
verdict=0
"$LEAKSCOPE" trend --fail-on-leak "$OUT"/snapshot.{1,2,3,4,5}.heap >"$OUT/trend.txt" || verdict=$?
"$LEAKSCOPE" trend --json "$OUT"/snapshot.{1,2,3,4,5}.heap >"$OUT/trend.json"
[ "$verdict" -le 1 ] || { echo "demo: leakscope trend failed" >&2; exit 1; }
for n in 1 5; do "$LEAKSCOPE" convert "$OUT/snapshot.$n.heap" -o "$OUT/snapshot.$n.pb.gz"; done

echo
echo "== leakscope top snapshot.5.heap =="
cat "$OUT/top.txt"
echo
echo "== leakscope diff snapshot.1.heap snapshot.5.heap =="
cat "$OUT/diff.txt"
echo
echo "== leakscope trend snapshot.{1..5}.heap =="
cat "$OUT/trend.txt"
echo
echo "demo: report written to $OUT/ (top.txt, diff.txt, diff.json, trend.txt, trend.json; snapshots as .heap"
echo "      and self-symbolized .pb.gz that 'go tool pprof' reads without the binary)"
