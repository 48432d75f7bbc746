// Stage-by-stage timings of `leakscope top` on the benchmark inputs made by scripts/bench.sh:
//   LEAKSCOPE_BENCH_JEMALLOC=dump.heap LEAKSCOPE_BENCH_GO=heap.pb.gz analyzer_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/analyzer/symbolizer.h"
#include "leakscope/analyzer/top_report.h"

namespace {

std::string input(const char* env, benchmark::State& state) {
  const char* path = std::getenv(env);
  if (!path) state.SkipWithError((std::string(env) + " is not set").c_str());
  return path ? path : "";
}

void BM_ReadJemallocDump(benchmark::State& state) {
  std::string path = input("LEAKSCOPE_BENCH_JEMALLOC", state);
  if (path.empty()) return;
  std::string bytes = leakscope::analyzer::read_input(path);
  for (auto _ : state) benchmark::DoNotOptimize(leakscope::analyzer::read_jemalloc_heap(bytes, path));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void BM_SymbolizeJemallocDump(benchmark::State& state) {
  std::string path = input("LEAKSCOPE_BENCH_JEMALLOC", state);
  if (path.empty()) return;
  leakscope::analyzer::Profile raw = leakscope::analyzer::read_profile(path);
  for (auto _ : state) {
    state.PauseTiming();
    leakscope::analyzer::Profile p = raw;
    state.ResumeTiming();
    leakscope::analyzer::symbolize(p, {});
  }
  state.counters["locations"] = static_cast<double>(raw.locations.size());
}

void BM_StackTableAndAggregate(benchmark::State& state) {
  std::string path = input("LEAKSCOPE_BENCH_JEMALLOC", state);
  if (path.empty()) return;
  leakscope::analyzer::Profile p = leakscope::analyzer::read_profile(path);
  leakscope::analyzer::symbolize(p, {});
  for (auto _ : state) {
    leakscope::analyzer::StackTable t(p, {});
    benchmark::DoNotOptimize(leakscope::analyzer::aggregate(p, t, p.default_sample_index()));
  }
  state.counters["samples"] = static_cast<double>(p.samples.size());
}

void BM_ReadGoProto(benchmark::State& state) {
  std::string path = input("LEAKSCOPE_BENCH_GO", state);
  if (path.empty()) return;
  for (auto _ : state) benchmark::DoNotOptimize(leakscope::analyzer::read_profile(path));
}

void BM_TopGoProtoEndToEnd(benchmark::State& state) {
  std::string path = input("LEAKSCOPE_BENCH_GO", state);
  if (path.empty()) return;
  for (auto _ : state) {
    leakscope::analyzer::Profile p = leakscope::analyzer::read_profile(path);
    leakscope::analyzer::StackTable t(p, {});
    int index = p.default_sample_index();
    auto report = leakscope::analyzer::make_top(leakscope::analyzer::Graph(p, t, index), p.sample_types[index], {});
    benchmark::DoNotOptimize(report);
  }
}

}  // namespace

BENCHMARK(BM_ReadJemallocDump)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SymbolizeJemallocDump)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StackTableAndAggregate)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadGoProto)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TopGoProtoEndToEnd)->Unit(benchmark::kMillisecond);
// BENCHMARK_MAIN, but bad usage (an unknown flag, named on one line) exits 2 as every leakscope program does.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
