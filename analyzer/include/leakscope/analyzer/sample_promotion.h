// What sampling itself adds to jemalloc's "allocated": jemalloc 5.3 serves every sampled small
// object from a large extent of the smallest large size class (16 KiB with 4 KiB pages) and counts
// that whole extent in stats.allocated. At 4 KiB sampling a heap of small objects then reads as
// several times its size; at production's 512 KiB it is a few percent. The figure is the profiler's
// cost, not the service's, so every memory surface subtracts it from the service's allocations.
// It is read off a dump by whoever reads the dump anyway: the `symbolize-snapshot` helper, or the
// profiler's in-process fallback when no helper runs (a scan of a 10,000-stack dump costs ~3 ms).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leakscope::analyzer {

// Bytes the live samples of a jemalloc heap dump (prof.dump text) occupy beyond their own sizes:
// per stack, objects x `promoted_size` - bytes, when that is positive. Exact when a stack's sampled
// objects are all small; a lower bound when a stack mixes small and large ones.
uint64_t sample_promotion_bytes(std::string_view dump, uint64_t promoted_size);

// `comment` with its " sample_promotion=N" field set to `bytes`, if it is a "leakscope:memory"
// comment (memory_figures.h) that has the field; otherwise unchanged.
std::string with_sample_promotion(std::string comment, uint64_t bytes);

}  // namespace leakscope::analyzer
