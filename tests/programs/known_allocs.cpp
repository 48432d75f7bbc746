// Test program: allocates known sizes from known functions, then writes a jemalloc heap dump.
// Usage: known_allocs OUT.heap [GROWTH] [--linger]  (run with MALLOC_CONF=prof:true,lg_prof_sample:0)
//   --linger: after the dump, print "lingering" and wait (up to 60 s) to be terminated; meanwhile each
//             SIGUSR1 makes it reset jemalloc's profiling itself (mallctl "prof.reset") and print "reset"
//   keep_small: 10 x malloc(1000)     -> size class 1024  -> 10240 bytes
//   keep_large: 3 x new char[70000]   -> size class 81920 -> 245760 bytes
//   grow:       GROWTH x malloc(4096) -> 4096 each        (varies between runs, for diff tests)
//   freed:      allocates and frees   -> nothing in use
#include <jemalloc/jemalloc.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static std::vector<void*> kept;
static volatile sig_atomic_t resets_asked = 0;

#ifdef KNOWN_ALLOCS_PADDING
// Another build of the same program (tests' known_allocs_relaid): 64 KiB more code, so the
// executable segment has another size and every function another address.
extern "C" __attribute__((noinline, used)) void padding() { asm volatile(".skip 65536, 0x90"); }
#endif

extern "C" __attribute__((noinline)) void keep_small() {
  for (int i = 0; i < 10; ++i) kept.push_back(malloc(1000));
}
__attribute__((noinline)) void keep_large() {
  for (int i = 0; i < 3; ++i) kept.push_back(new char[70000]);
}
__attribute__((noinline)) void grow(int n) {
  for (int i = 0; i < n; ++i) kept.push_back(malloc(4096));
}
__attribute__((noinline)) void freed() {
  for (int i = 0; i < 100; ++i) {
    void* volatile p = malloc(512);
    free(p);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: known_allocs OUT.heap [GROWTH]\n");
    return 2;
  }
  kept.reserve(4096);  // the vector's own buffer is allocated once, from main
  keep_small();
  keep_large();
  grow(argc > 2 ? std::atoi(argv[2]) : 0);
  freed();
  const char* path = argv[1];
  if (mallctl("prof.dump", nullptr, nullptr, &path, sizeof path) != 0) {
    std::fprintf(stderr, "prof.dump failed: is MALLOC_CONF=prof:true set?\n");
    return 1;
  }
  if (argc > 3 && std::strcmp(argv[3], "--linger") == 0) {
    signal(SIGUSR1, [](int) { resets_asked = resets_asked + 1; });
    std::printf("lingering\n");
    std::fflush(stdout);
    for (int i = 0, done = 0; i < 600; ++i) {
      usleep(100000);
      for (; done < resets_asked; ++done) {
        size_t lg = 0;  // the program's own reset, behind any profiler's back
        if (mallctl("prof.reset", nullptr, nullptr, &lg, sizeof lg) == 0) std::printf("reset %d\n", done + 1);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
