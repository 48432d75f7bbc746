// Sample promotion (leakscope/analyzer/sample_promotion.h) from inside the profiled process: the
// size jemalloc promotes sampled small objects to, and the in-process fallback's scan of a dump held
// in a descriptor. With a helper, the helper scans the dump instead (it reads it anyway).
#pragma once

#include <cstdint>

namespace leakscope::profiler {

// The promotion of a dump in a file descriptor (mapped read-only; the offset is not moved).
uint64_t sample_promotion_bytes(int dump_fd, uint64_t promoted_size);
// The size jemalloc promotes sampled small objects to (arenas.lextent.0.size); 0 if unknown.
uint64_t sample_promotion_size();

}  // namespace leakscope::profiler
