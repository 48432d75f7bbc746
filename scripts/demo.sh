#!/usr/bin/env bash
# make demo: replays the first historic leak end to end. A private RabbitMQ broker, fake-fcm and
# fcm-relay come up; the relay runs with auto-ack (the defect), heap snapshots are taken every second,
# `leakscope trend` names the function that grows and a report is written. Then the fixed variant
# (manual acks + prefetch) runs the same load and must come out clean.
# Usage: scripts/demo.sh [BUILD_DIR] [OUT_DIR]   (DEMO_DURATION=S shortens the load; default 20 s)
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-$BUILD/demo}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "$BUILD" && pwd)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
# Paths are printed relative to where `make demo` runs, so the output reads the same on every machine.
case "$OUT" in "$PWD"/*) OUT="${OUT#"$PWD"/}" ;; esac
duration=()
[ -n "${DEMO_DURATION:-}" ] && duration=(--duration "$DEMO_DURATION")

status=0
for variant in leaky fixed; do
  echo "demo: scenarios/run autoack --variant $variant"
  LEAKSCOPE_BUILD="$BUILD" "$ROOT/scenarios/run" autoack --variant "$variant" "${duration[@]}" --out "$OUT/autoack-$variant" || status=$?
  echo
done

snaps=("$OUT"/autoack-leaky/snapshots/*.pb.gz)
last=$(ls -v "${snaps[@]}" | tail -1)
first=$(ls -v "${snaps[@]}" | head -1)
echo "== leakscope top <last leaky snapshot> --nodecount 8 =="
"$BUILD/bin/leakscope" top "$last" --nodecount 8
echo
echo "== leakscope diff <first> <last> --nodecount 5 =="
"$BUILD/bin/leakscope" diff "$first" "$last" --nodecount 5
echo
echo "== leakscope trend <all leaky snapshots> =="
"$BUILD/bin/leakscope" trend $(ls -v "${snaps[@]}") | head -12 || true
echo
echo "demo: reports"
echo "  leaky: $OUT/autoack-leaky/report/index.html   (verdict.json beside it)"
echo "  fixed: $OUT/autoack-fixed/report/index.html"
exit $status
