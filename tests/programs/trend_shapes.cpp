// Test program: a series of jemalloc heap dumps in which five allocation shapes live side by side,
// each in its own function, so that `leakscope trend` can be judged on what it flags:
//   leak_step   LEAK bytes per step in OBJECT-byte blocks, never freed         (the one leak)
//   cache_fill  20 MiB at once, a third of the way in, kept                     (a one-off)
//   spike       40 MiB allocated two thirds of the way in, freed the next step  (a spike)
//   sawtooth    2 MiB per step, all freed every 4th step                        (a sawtooth)
//   churn       a pool of ~8 MiB of mixed sizes, fully replaced every step      (churn)
// Usage: trend_shapes OUT_DIR LEAK_BYTES_PER_STEP STEPS SEED [OBJECT_BYTES]
// Writes OUT_DIR/shapes.NN.heap: one baseline dump, then one after each of STEPS steps (STEPS+1 in all).
// Run with MALLOC_CONF=prof:true,lg_prof_sample:19 (production's 512 KiB). jemalloc's sampling is
// random per process; SEED also varies the churn sizes and a preamble, so runs are independent.
#include <fcntl.h>
#include <jemalloc/jemalloc.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr size_t kMiB = 1 << 20;
constexpr time_t kFirstDumpTime = 1'700'000'000;
std::vector<void*> leaked, cache, spiked, teeth;
std::vector<void*> pool(2048, nullptr);

void* touch(void* p, size_t n) {
  if (p) static_cast<volatile char*>(p)[n - 1] = 1;
  return p;
}

}  // namespace

extern "C" __attribute__((noinline)) void leak_step(size_t bytes, size_t object) {
  for (size_t done = 0; done + object <= bytes; done += object) leaked.push_back(touch(malloc(object), object));
}

extern "C" __attribute__((noinline)) void cache_fill() {
  for (size_t done = 0; done < 20 * kMiB; done += 64 * 1024) cache.push_back(touch(malloc(64 * 1024), 64 * 1024));
}

extern "C" __attribute__((noinline)) void spike(bool allocate) {
  if (allocate) {
    for (size_t done = 0; done < 40 * kMiB; done += 32 * 1024) spiked.push_back(touch(malloc(32 * 1024), 32 * 1024));
  } else {
    for (void* p : spiked) free(p);
    spiked.clear();
  }
}

extern "C" __attribute__((noinline)) void sawtooth(int step) {
  if (step % 4 == 0) {
    for (void* p : teeth) free(p);
    teeth.clear();
    return;
  }
  for (size_t done = 0; done < 2 * kMiB; done += 8 * 1024) teeth.push_back(touch(malloc(8 * 1024), 8 * 1024));
}

extern "C" __attribute__((noinline)) void churn(std::mt19937_64& rng) {
  std::uniform_int_distribution<size_t> slot(0, pool.size() - 1), size(64, 8192);
  for (int i = 0; i < 40000; ++i) {
    size_t k = slot(rng), n = size(rng);
    free(pool[k]);
    pool[k] = touch(malloc(n), n);
  }
}

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: trend_shapes OUT_DIR LEAK_BYTES_PER_STEP STEPS SEED [OBJECT_BYTES]\n");
    return 2;
  }
  std::string dir = argv[1];
  size_t leak = std::strtoull(argv[2], nullptr, 10);
  int steps = std::atoi(argv[3]);
  std::mt19937_64 rng(std::strtoull(argv[4], nullptr, 10));
  size_t object = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 4096;
  if (steps < 1 || object == 0) {
    std::fprintf(stderr, "trend_shapes: STEPS must be >= 1 and OBJECT_BYTES > 0\n");
    return 2;
  }
  leaked.reserve(1 << 20);
  cache.reserve(1024);
  spiked.reserve(2048);
  teeth.reserve(1024);
  // A preamble of a seeded length moves every later allocation against jemalloc's sampling points.
  size_t preamble = std::uniform_int_distribution<size_t>(0, 4 * kMiB)(rng);
  free(touch(malloc(preamble + 1), preamble + 1));
  churn(rng);
  int cache_at = std::max(1, steps / 3), spike_at = std::max(1, 2 * steps / 3);
  for (int step = 0; step <= steps; ++step) {
    if (step > 0) {
      leak_step(leak, object);
      if (step == cache_at) cache_fill();
      if (step == spike_at || step == spike_at + 1) spike(step == spike_at);
      sawtooth(step);
      churn(rng);
    }
    char name[64];
    std::snprintf(name, sizeof name, "/shapes.%02d.heap", step);
    std::string path = dir + name;
    const char* p = path.c_str();
    if (mallctl("prof.dump", nullptr, nullptr, &p, sizeof p) != 0) {
      std::fprintf(stderr, "prof.dump failed: is MALLOC_CONF=prof:true set?\n");
      return 1;
    }
    // A dump's time is its file's mtime. Stamp one a second, as a periodic snapshotter takes them, so
    // the fit against time sees the steps evenly spaced however long a step took on a loaded machine
    // (with real mtimes, steps stretched by load bent the series and the verdicts flaked).
    struct timespec at[2] = {{kFirstDumpTime + step, 0}, {kFirstDumpTime + step, 0}};
    if (utimensat(AT_FDCWD, p, at, 0) != 0) {
      std::perror(p);
      return 1;
    }
  }
  return 0;
}
