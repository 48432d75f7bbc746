#!/usr/bin/env bash
# The Timeline of `leakscope serve DIR` on a long series: SNAPSHOTS snapshots (default 1000) of STACKS
# distinct stacks (default 5000) each, folded stacks with one function leaking a little per step.
# Prints the time from start until the timeline page has been served (the first snapshot read, the
# rest still being read in the background), until the whole series is read (serve's "read N
# snapshots" line), a window change once it is (Top of the growth between two snapshots, uncached
# ends), the server's peak RSS, and beside them `go tool pprof -top -diff_base` of the same two ends
# as the peer (pprof has no timeline).
# Usage: scripts/bench_timeline.sh [BUILD] [SNAPSHOTS] [STACKS]
set -euo pipefail
BUILD=${1:-build}
SNAPSHOTS=${2:-1000}
STACKS=${3:-5000}
LEAKSCOPE=$BUILD/bin/leakscope
[ -x "$LEAKSCOPE" ] || { echo "bench_timeline: $LEAKSCOPE not found (build leakscope)" >&2; exit 2; }
WORK=$(mktemp -d)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

echo "bench: writing $SNAPSHOTS snapshots of $STACKS stacks" >&2
python3 - "$WORK/series" "$SNAPSHOTS" "$STACKS" <<'PY'
import os, random, sys
out, n, stacks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out)
rng = random.Random(1)
base = [rng.randint(1000, 100000) for _ in range(stacks)]
for k in range(n):
    lines = []
    for i in range(stacks - 1):
        v = base[i] + rng.randint(-500, 500)
        lines.append(f"main;service_{i % 50};handler_{i % 700};leaf_{i} {v}")
    lines.append(f"main;service_0;reconnect;leak_listener {4096 * (k + 1)}")
    with open(os.path.join(out, f"snapshot.{k}.folded"), "w") as f:
        f.write("\n".join(lines) + "\n")
PY

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
: >"$WORK/serve.err"
start=$(now)
"$LEAKSCOPE" serve "$WORK/series" --http 127.0.0.1:0 2>"$WORK/serve.err" &
SERVER=$!
for _ in $(seq 600); do grep -q "http://" "$WORK/serve.err" && break; sleep 0.1; done
PORT=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/serve.err")
[ -n "$PORT" ] || { echo "bench_timeline: serve did not start: $(cat "$WORK/serve.err")" >&2; exit 1; }
curl -sf -o "$WORK/first.html" "http://127.0.0.1:$PORT/ui/timeline"
ready=$(secs "$start" "$(now)")
shown=$(sed -n 's|.*<p>\([0-9]*\) snapshots.*|\1|p' "$WORK/first.html" | head -1)
for _ in $(seq 1200); do grep -q "leakscope serve: read " "$WORK/serve.err" && break; sleep 0.1; done
grep -q "leakscope serve: read " "$WORK/serve.err" || { echo "bench_timeline: the series was not read within 120 s" >&2; exit 1; }
all_read=$(secs "$start" "$(now)")
from=$((SNAPSHOTS / 4)) to=$((SNAPSHOTS * 3 / 4))
window=$(curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/ui/top?from=$from&to=$to")
flame=$(curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/ui/flame?from=$from&to=$to")
verdict=$(curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/ui/timeline?from=$from&to=$to")
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")

pprof="n/a"
if command -v go >/dev/null; then
  "$LEAKSCOPE" convert "$WORK/series/snapshot.$from.folded" -o "$WORK/from.pb.gz"
  "$LEAKSCOPE" convert "$WORK/series/snapshot.$to.folded" -o "$WORK/to.pb.gz"
  t0=$(now)
  GOCACHE="$WORK/gocache" go tool pprof -top -diff_base "$WORK/from.pb.gz" "$WORK/to.pb.gz" >/dev/null 2>&1
  pprof=$(secs "$t0" "$(now)")
fi
echo "== serve DIR: $SNAPSHOTS snapshots x $STACKS stacks (folded), $(nproc) cores =="
printf '%-52s %s s\n' "timeline page ready (start, first page: ${shown:-?} read)" "$ready"
printf '%-52s %s s\n' "whole series read (in the background)" "$all_read"
printf '%-52s %s s\n' "window change: Top of snapshots $from..$to" "$window"
printf '%-52s %s s\n' "window change: Flame Graph page of $from..$to" "$flame"
printf '%-52s %s s\n' "window change: Timeline with its trend verdict" "$verdict"
printf '%-52s %s MiB\n' "server peak RSS" "$((rss_kb / 1024))"
printf '%-52s %s s\n' "peer: go tool pprof -top -diff_base (same two ends)" "$pprof"
awk -v w="$window" -v p="$pprof" 'BEGIN { if (p != "n/a" && w > 0) printf "ratio pprof/leakscope window change: %.1fx\n", p / w }'
awk -v r="$ready" -v w="$window" 'BEGIN { printf "targets (issue #16): ready <= 2 s %s, window <= 0.3 s %s\n", r <= 2 ? "met" : "MISSED", w <= 0.3 ? "met" : "MISSED" }'
