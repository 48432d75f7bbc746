// Test program linking leakscope_profiler: three shapes of live memory side by side, each in its own
// function, for `top --by-age` and `trend` to tell apart from one snapshot:
//   leak_step   32 KiB per 10 ms tick in 1 KiB blocks, never freed      (a leak: bytes of every age)
//   cache_fill  8 MiB in 64 KiB blocks once at start, kept               (a cache: one old age)
//   churn_step  a pool of 512 4 KiB blocks, a quarter replaced per tick (churn: all young)
// Usage: age_shapes OUT_DIR SECONDS SNAPSHOTS
// The profiler starts from LEAKSCOPE_* (set LEAKSCOPE_AGE_EPOCH); writes SNAPSHOTS self-symbolized
// snapshots OUT_DIR/age.N.pb.gz, evenly spread, the last at SECONDS. Exit 2 on bad arguments.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "leakscope/profiler/profiler.h"
#include "leakscope/profiler/snapshotter.h"

namespace {

std::vector<void*> leaked, cache, pool(512, nullptr);
size_t next_slot = 0;

void* touch(void* p, size_t n) {
  std::memset(p, 1, n);
  return p;
}

}  // namespace

extern "C" __attribute__((noinline)) void leak_step() {
  for (int i = 0; i < 32; ++i) leaked.push_back(touch(std::malloc(1024), 1024));
}

extern "C" __attribute__((noinline)) void cache_fill() {
  for (int i = 0; i < 128; ++i) cache.push_back(touch(std::malloc(64 * 1024), 64 * 1024));
}

extern "C" __attribute__((noinline)) void churn_step() {
  for (size_t i = 0; i < pool.size() / 4; ++i) {
    std::free(pool[next_slot]);
    pool[next_slot] = touch(std::malloc(4096), 4096);
    next_slot = (next_slot + 1) % pool.size();
  }
}

int main(int argc, char** argv) {
  if (argc != 4 || std::atof(argv[2]) <= 0 || std::atoi(argv[3]) < 1) {
    std::fprintf(stderr, "usage: age_shapes OUT_DIR SECONDS SNAPSHOTS\n");
    return 2;
  }
  const std::string out_dir = argv[1];
  const double seconds = std::atof(argv[2]);
  const int snapshots = std::atoi(argv[3]);
  using namespace leakscope::profiler;
  try {
    Profiler::instance().start(options_from_environment());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "age_shapes: %s\n", e.what());
    return 2;
  }
  leaked.reserve(1 << 20);  // its own growth would be one more leak-like function
  cache_fill();
  auto start = std::chrono::steady_clock::now();
  for (int n = 1; n <= snapshots; ++n) {
    auto due = start + std::chrono::duration<double>(seconds * n / snapshots);
    while (std::chrono::steady_clock::now() < due) {
      leak_step();
      churn_step();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::ofstream(out_dir + "/age." + std::to_string(n) + ".pb.gz", std::ios::binary)
        << Snapshotter::instance().take_proto_gz();
  }
  Profiler::instance().stop();
  return 0;
}
