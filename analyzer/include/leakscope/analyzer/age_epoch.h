// The age of live memory. When ages are on, the profiler's backtrace hook appends one pseudo-frame to
// every sampled stack, naming the epoch the allocation happened in. Epochs are exponential: with
// length L, epoch k covers [L*(2^k - 1), L*(2^(k+1) - 1)) after ages were switched on, so a stack
// allocating all the time splits into log2(uptime/L)+1 stacks, not uptime/L.
// The pseudo-frame is a non-canonical x86-64 address (top 16 bits 0xA6E0), so it never names code;
// leakscope's jemalloc reader strips it and turns it into sample labels (below), so every report
// without --by-age sees the stacks it always saw. Foreign dumps have no such frame and no age.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

inline constexpr uint64_t kAgeFrameTag = 0xA6E0ull << 48;
inline constexpr uint64_t kAgeFrameTagMask = 0xFFFFull << 48;
inline constexpr uint64_t kMaxAgeEpochMs = (1ull << 40) - 1;  // 40 bits of the frame: ~34 years

struct AgeEpoch {
  uint64_t length_ms = 0;  // L
  unsigned index = 0;      // k
  int64_t start_ms() const { return static_cast<int64_t>(length_ms * ((1ull << index) - 1)); }
  int64_t end_ms() const { return static_cast<int64_t>(length_ms * ((2ull << index) - 1)); }
};

// Bits: tag (16) | length in ms (40) | epoch index (8).
constexpr uint64_t encode_age_frame(uint64_t length_ms, unsigned index) {
  return kAgeFrameTag | (length_ms << 8) | (index & 0xffu);
}
constexpr bool is_age_frame(uint64_t pc) { return (pc & kAgeFrameTagMask) == kAgeFrameTag; }
constexpr AgeEpoch decode_age_frame(uint64_t pc) {
  return {(pc >> 8) & kMaxAgeEpochMs, static_cast<unsigned>(pc & 0xffu)};
}
// The epoch of an allocation `elapsed_ms` after ages were switched on: floor(log2(elapsed/L + 1)).
constexpr unsigned age_epoch_index(uint64_t elapsed_ms, uint64_t length_ms) {
  return 63u - static_cast<unsigned>(__builtin_clzll(elapsed_ms / length_ms + 1));
}

// Removes a trailing age pseudo-frame from `pcs` (leaf first, so the frame is last) and returns it.
std::optional<AgeEpoch> take_age_frame(std::vector<uint64_t>& pcs);

// The labels a sample of that epoch carries: "age_epoch" (k), "allocated_from" and "allocated_to"
// (ms after ages were switched on). `go tool pprof -tags` shows them.
std::vector<Label> age_labels(const AgeEpoch& e);
// The epoch back from a sample's labels; nullopt for a sample without them.
std::optional<AgeEpoch> age_of(const Sample& s);

// The profiler's snapshots say how long ages had been on when the dump was taken, so epochs become
// ages: "leakscope:age-clock-ms=N" among the profile's comments.
std::string format_age_clock_comment(uint64_t clock_ms);
std::optional<int64_t> age_clock_of(const Profile& p);

}  // namespace leakscope::analyzer
