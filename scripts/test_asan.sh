#!/usr/bin/env bash
# make test-asan: the analyzer, viz, the guarded HTTP server and their tests built with AddressSanitizer + UndefinedBehaviorSanitizer
# (gcc) in build-asan/, then run; any sanitizer report fails the run.
# Not run here, by design: the profiler, relay, broker, scenario and browser suites. They link jemalloc,
# which replaces malloc; ASan must own malloc to do its job, so jemalloc programs and ASan cannot share a
# process. The test programs that make jemalloc dumps (known_allocs, backlog_demo) are built without
# sanitizers for the same reason; what reads their dumps (leakscope) is sanitized.
# Usage: scripts/test_asan.sh
set -euo pipefail
ASAN=${ASAN_BUILD:-build-asan}
SUITES=(analyzer_unit_tests bad_input_tests text_view_tests jemalloc_cli_tests go_pprof_tests viz_tests guarded_http_server_tests)
echo "test-asan: building with -fsanitize=address,undefined in $ASAN/"
# -O1 -g1: what the sanitizers' authors recommend (reports as exact, stacks with lines), and a build
# much shorter than -O2 -g, which is most of this stage's time.
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$ASAN" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DLEAKSCOPE_SANITIZE=ON -DLEAKSCOPE_BENCH=OFF "${LAUNCHER[@]}" >/dev/null
start=$SECONDS
cmake --build "$ASAN" --target leakscope known_allocs backlog_demo "${SUITES[@]}" -j "$(nproc)" >"$ASAN/build.log" 2>&1 \
  || { tail -30 "$ASAN/build.log"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
export GOCACHE="$PWD/$ASAN/tests/scratch/gocache" GO111MODULE=off
echo "test-asan: built in $((SECONDS - start)) s"
start=$SECONDS
failed=()
for s in "${SUITES[@]}"; do
  echo "test-asan: $s"
  if ! "$ASAN/tests/bin/$s" --gtest_brief=1 >"$ASAN/$s.log" 2>&1; then
    failed+=("$s")
    grep -E "FAILED|ERROR: AddressSanitizer|runtime error|LeakSanitizer" "$ASAN/$s.log" | head -20
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "test-asan: FAILED: ${failed[*]} (logs in $ASAN/)"; exit 1; }
echo "test-asan: ${#SUITES[@]} suites passed with no sanitizer report ($((SECONDS - start)) s)"
