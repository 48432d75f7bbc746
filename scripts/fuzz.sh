#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets (clang; ASan + UBSan) in build-fuzz/, writes seed corpora from
# a real jemalloc dump made by tests/programs/known_allocs, then runs each target for SECONDS (default
# 60). A crash, a hang (> 10 s on one input) or an OOM (> 2 GB) fails the run and leaves the reproducer
# in build-fuzz/findings/TARGET/. Corpora grow across runs in build-fuzz/corpus/.
# Usage: scripts/fuzz.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
BUILD=${1:-build}
SECONDS_EACH=${2:-${FUZZ_SECONDS:-60}}
FUZZ=${FUZZ_BUILD:-build-fuzz}
TARGETS=(jemalloc_reader legacy_reader proto_reader folded_reader relay_inputs debug_query)

echo "fuzz: building the fuzz targets with clang in $FUZZ/"
# -O1 -g1, as OSS-Fuzz builds: the same findings, a shorter build.
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$FUZZ" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DLEAKSCOPE_FUZZ=ON "${LAUNCHER[@]}" >/dev/null
start=$SECONDS
cmake --build "$FUZZ" --target fuzzers -j "$(nproc)" >"$FUZZ/build.log" 2>&1 || { tail -30 "$FUZZ/build.log"; exit 1; }

echo "fuzz: built in $((SECONDS - start)) s; seed corpora from a real jemalloc dump"
mkdir -p "$FUZZ/seeds"
MALLOC_CONF=prof:true,lg_prof_sample:0 "$BUILD/tests/bin/known_allocs" "$FUZZ/seeds/known_allocs.heap" 3
"$BUILD/tests/bin/make_seeds" "$FUZZ/seeds/known_allocs.heap" "$FUZZ/seeds" >/dev/null
# Earlier findings, kept as regression inputs, are seeds too.
ROOT=$(cd "$(dirname "$0")/.." && pwd)

failed=()
printf '%-18s %12s %10s %8s\n' target executions exec/s corpus
for t in "${TARGETS[@]}"; do
  mkdir -p "$FUZZ/corpus/$t" "$FUZZ/findings/$t"
  dirs=("$FUZZ/corpus/$t" "$FUZZ/seeds/$t")
  [ -d "$ROOT/tests/fuzz/regressions/$t" ] && dirs+=("$ROOT/tests/fuzz/regressions/$t")
  log="$FUZZ/findings/$t.log"
  if ! "$FUZZ/fuzz/${t}_fuzz" "${dirs[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -artifact_prefix="$FUZZ/findings/$t/" -print_final_stats=1 >"$log" 2>&1; then
    failed+=("$t")
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-18s %12s %10s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "$(ls "$FUZZ/corpus/$t" | wc -l)"
done
if [ ${#failed[@]} -gt 0 ]; then
  for t in "${failed[@]}"; do
    echo "fuzz: $t FAILED; reproducer in $FUZZ/findings/$t/; log: $FUZZ/findings/$t.log"
    grep -m3 -E "ERROR|SUMMARY|runtime error" "$FUZZ/findings/$t.log" || true
  done
  exit 1
fi
echo "fuzz: no crash, hang or OOM in ${#TARGETS[@]} targets x ${SECONDS_EACH} s"
