// What sampling itself adds to jemalloc's "allocated": jemalloc 5.3 serves every sampled small
// object from a large extent of the smallest large size class (16 KiB with 4 KiB pages) and counts
// that whole extent in stats.allocated. At 4 KiB sampling a heap of small objects then reads as
// several times its size; at production's 512 KiB it is a few percent. The figure is the profiler's
// cost, not the service's, so every memory surface subtracts it from the service's allocations.
#pragma once

#include <cstdint>
#include <string_view>

namespace leakscope::profiler {

// Bytes the live samples of a jemalloc heap dump (prof.dump text) occupy beyond their own sizes:
// per stack, objects x `promoted_size` - bytes, when that is positive. Exact when a stack's sampled
// objects are all small; a lower bound when a stack mixes small and large ones.
uint64_t sample_promotion_bytes(std::string_view dump, uint64_t promoted_size);
// The same for a dump in a file descriptor (mapped read-only; the offset is not moved).
uint64_t sample_promotion_bytes(int dump_fd, uint64_t promoted_size);
// The size jemalloc promotes sampled small objects to (arenas.lextent.0.size); 0 if unknown.
uint64_t sample_promotion_size();

}  // namespace leakscope::profiler
