// Turns a symbolized profile into stacks of named nodes at a chosen granularity, after
// trimming allocator frames (pprof's drop_frames semantics) and applying focus/ignore/hide.
// Every report (top, diff, folded, later flame graphs) is computed from this table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

enum class Granularity { kFunctions, kLines, kFiles, kAddresses };
Granularity parse_granularity(const std::string& s);  // throws std::invalid_argument

struct StackOptions {
  Granularity granularity = Granularity::kFunctions;
  bool keep_allocator_frames = false;
  std::string focus, ignore, hide;  // patterns in pprof's dialect (RE2, see pattern.h); empty: off
};

// The allocator frames trimmed by default: jemalloc internals, the malloc family, operator new
// and libstdc++ allocator plumbing. A full-match pattern, as pprof's drop_frames.
const std::string& allocator_frames_regex();
// A profile's own drop_frames regex extended with the allocator frames.
std::string with_allocator_frames(const std::string& drop_frames);

class StackTable {
 public:
  StackTable(const Profile& p, const StackOptions& options);

  size_t node_count() const { return names_.size(); }
  const std::string& name(uint32_t node) const { return names_[node]; }
  // The mapping (binary or library) the node was first seen in; 0 when unknown (folded input).
  uint64_t mapping_id(uint32_t node) const { return mapping_of_node_[node]; }
  // Where the node was first seen: its function (0 for an unsymbolized address) and source line.
  struct Origin {
    uint64_t function_id = 0;
    int64_t line = 0;
  };
  const Origin& origin(uint32_t node) const { return origin_of_node_[node]; }
  // Stack of sample i, leaf first; empty when the sample was filtered out, when every frame was
  // hidden, or when the sample had no locations (legacy profiles allow that; pprof keeps them).
  std::span<const uint32_t> stack(size_t sample) const {
    return {frames_.data() + offsets_[sample], offsets_[sample + 1] - offsets_[sample]};
  }
  // Whether frame k of sample i was inlined into its caller (frame k+1), as pprof's "(inline)".
  bool inlined(size_t sample, size_t k) const { return inlined_[offsets_[sample] + k]; }
  size_t sample_count() const { return offsets_.size() - 1; }
  // Samples dropped by focus/ignore.
  size_t filtered_samples() const { return filtered_; }
  // Whether sample i survived focus/ignore; such a sample counts in totals even with an empty stack.
  bool kept(size_t sample) const { return !dropped_[sample]; }

 private:
  std::vector<std::string> names_;
  std::vector<uint64_t> mapping_of_node_;
  std::vector<Origin> origin_of_node_;
  // All stacks back to back (one allocation, not one per sample); stack i is
  // frames_[offsets_[i], offsets_[i+1]).
  std::vector<uint32_t> frames_;
  std::vector<uint8_t> inlined_;
  std::vector<size_t> offsets_;
  std::vector<bool> dropped_;
  size_t filtered_ = 0;
};

}  // namespace leakscope::analyzer
