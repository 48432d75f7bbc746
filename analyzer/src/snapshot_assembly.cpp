#include "leakscope/analyzer/snapshot_assembly.h"

#include <cinttypes>
#include <cstdio>
#include <stdexcept>

#include "leakscope/analyzer/profile_merge.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/analyzer/symbolizer.h"

namespace leakscope::analyzer {
namespace {

// A dump's mappings carry paths only; the process knows which build it had loaded. A mapping takes
// the build-id of the image whose loadable segments contain its start, so a file replaced on disk
// since is detected by the symbolizer instead of being trusted.
void record_build_ids(Profile& p, const std::vector<LoadedImage>& images) {
  for (auto& m : p.mappings) {
    if (!m.build_id.empty()) continue;
    for (const auto& image : images)
      if (m.start >= image.start && m.start < image.limit) {
        m.build_id = image.build_id;
        break;
      }
  }
}

}  // namespace

Profile assemble_snapshot(const SnapshotParts& parts, Symbolizer* symbolizer) {
  Profile p = read_jemalloc_heap(parts.dump, "prof.dump");
  if (parts.base) p = merge_profiles(p, read_jemalloc_heap(*parts.base, "prof.dump (base)"), -1);
  record_build_ids(p, parts.images);
  if (symbolizer) symbolizer->symbolize(p);
  p.drop_frames = allocator_frames_regex();
  p.time_nanos = parts.time_nanos;
  p.duration_nanos = parts.duration_nanos;
  p.comments.insert(p.comments.end(), parts.comments.begin(), parts.comments.end());
  if (!parts.default_sample_type.empty() && p.sample_index(parts.default_sample_type) >= 0)
    p.default_sample_type = parts.default_sample_type;
  return p;
}

std::string format_loaded_image(const LoadedImage& image) {
  char range[64];
  std::snprintf(range, sizeof range, "%" PRIx64 "-%" PRIx64 "=", image.start, image.limit);
  return range + image.build_id;
}

LoadedImage parse_loaded_image(const std::string& text) {
  LoadedImage image;
  auto dash = text.find('-'), eq = text.find('=');
  auto bad = [&] { return std::invalid_argument("'" + text + "': expected START-LIMIT=BUILDID (hex)"); };
  if (dash == std::string::npos || eq == std::string::npos || eq < dash || eq + 1 == text.size()) throw bad();
  try {
    size_t used = 0;
    image.start = std::stoull(text.substr(0, dash), &used, 16);
    if (used != dash) throw bad();
    image.limit = std::stoull(text.substr(dash + 1, eq - dash - 1), &used, 16);
    if (used != eq - dash - 1) throw bad();
  } catch (const std::logic_error&) {
    throw bad();
  }
  image.build_id = text.substr(eq + 1);
  if (image.build_id.find_first_not_of("0123456789abcdef") != std::string::npos || image.limit <= image.start)
    throw bad();
  return image;
}

}  // namespace leakscope::analyzer
