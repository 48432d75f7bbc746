#!/usr/bin/env bash
# make scenarios: every scenario in both variants, full length. Exit 1 if any verdict fails.
# Usage: scripts/scenarios.sh [BUILD_DIR] [OUT_DIR]
set -uo pipefail
BUILD=${1:-build}
OUT=${2:-$BUILD/scenario-runs}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "$BUILD" && pwd)"
failed=()
for name in $("$BUILD/bin/scenario-run" --list | sed -n 's/^\([a-z-]*\): .*/\1/p'); do
  for variant in leaky fixed; do
    LEAKSCOPE_BUILD="$BUILD" "$ROOT/scenarios/run" "$name" --variant "$variant" --out "$OUT/$name-$variant" || failed+=("$name/$variant")
  done
done
echo
if [ ${#failed[@]} -eq 0 ]; then echo "scenarios: every verdict holds (reports under $OUT)"; else echo "scenarios: FAILED: ${failed[*]}"; exit 1; fi
