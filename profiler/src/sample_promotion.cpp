#include "sample_promotion.h"

#include <jemalloc/jemalloc.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <string_view>

#include "leakscope/analyzer/sample_promotion.h"

namespace leakscope::profiler {

uint64_t sample_promotion_bytes(int dump_fd, uint64_t promoted_size) {
  struct stat st {};
  if (fstat(dump_fd, &st) != 0 || st.st_size <= 0) return 0;
  size_t size = static_cast<size_t>(st.st_size);
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, dump_fd, 0);
  if (map == MAP_FAILED) return 0;
  uint64_t total =
      analyzer::sample_promotion_bytes(std::string_view(static_cast<const char*>(map), size), promoted_size);
  munmap(map, size);
  return total;
}

uint64_t sample_promotion_size() {
  size_t v = 0, len = sizeof v;
  return mallctl("arenas.lextent.0.size", &v, &len, nullptr, 0) == 0 ? v : 0;
}

}  // namespace leakscope::profiler
