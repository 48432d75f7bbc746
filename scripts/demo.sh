#!/usr/bin/env bash
# make demo: until scenarios/ can replay the leak against a real broker, this runs the analyzer on a
# miniature of the first historic leak (tests/programs/backlog_demo.cpp): a consumer that copies
# every delivery (recv_content) into a backlog its sender cannot drain. Two real jemalloc heap
# snapshots are taken 40000 deliveries apart; leakscope names the function that grew.
# Usage: scripts/demo.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-$BUILD/demo}
LEAKSCOPE=$BUILD/bin/leakscope
rm -rf "$OUT"
mkdir -p "$OUT"

echo "demo: replaying the auto-ack backlog leak (60000 deliveries, jemalloc sampling every 64 KiB)..."
MALLOC_CONF=prof:true,lg_prof_sample:16 "$BUILD/tests/bin/backlog_demo" "$OUT"

echo "demo: analyzing the snapshots"
"$LEAKSCOPE" top "$OUT/snapshot.2.heap" --nodecount 8 >"$OUT/top.txt"
"$LEAKSCOPE" diff "$OUT/snapshot.1.heap" "$OUT/snapshot.2.heap" --nodecount 8 >"$OUT/diff.txt"
"$LEAKSCOPE" diff "$OUT/snapshot.1.heap" "$OUT/snapshot.2.heap" --json >"$OUT/diff.json"
"$LEAKSCOPE" convert "$OUT/snapshot.1.heap" -o "$OUT/snapshot.1.pb.gz"
"$LEAKSCOPE" convert "$OUT/snapshot.2.heap" -o "$OUT/snapshot.2.pb.gz"

echo
echo "== leakscope top snapshot.2.heap =="
cat "$OUT/top.txt"
echo
echo "== leakscope diff snapshot.1.heap snapshot.2.heap =="
cat "$OUT/diff.txt"
echo
echo "demo: report written to $OUT/ (top.txt, diff.txt, diff.json; snapshots as .heap and self-symbolized .pb.gz"
echo "      that 'go tool pprof' reads without the binary)"
