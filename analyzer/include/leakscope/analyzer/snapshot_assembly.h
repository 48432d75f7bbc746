// Turns the raw material of a profiler snapshot — jemalloc `prof.dump` text (and, for a delta, an
// earlier dump), the build-ids of the images the process had loaded, its comments and time — into
// the self-contained profile the profiler serves. One function for both places that do it: the
// `leakscope symbolize-snapshot` helper process (with a Symbolizer) and the profiler's in-process
// fallback when no helper can run (without one: mappings and build-ids only, symbolized later).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

class Symbolizer;

// An image the process had loaded: the address range of its loadable segments and its build-id.
struct LoadedImage {
  uint64_t start = 0;
  uint64_t limit = 0;
  std::string build_id;  // lowercase hex
};

struct SnapshotParts {
  std::string_view dump;                   // prof.dump text
  const std::string_view* base = nullptr;  // an earlier dump: the result is dump - base
  std::vector<LoadedImage> images;
  std::vector<std::string> comments;
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;       // for a delta: the time between the two dumps
  std::string default_sample_type;  // applied when the profile has that type (e.g. "alloc_space")
};

// Parses, subtracts, records build-ids on the mappings, marks allocator frames as drop_frames and,
// when `symbolizer` is given, symbolizes. Throws InputError on a malformed dump.
Profile assemble_snapshot(const SnapshotParts& parts, Symbolizer* symbolizer);

// "START-LIMIT=BUILDID" (hex addresses), the helper's command-line form of a LoadedImage.
std::string format_loaded_image(const LoadedImage& image);
// Throws std::invalid_argument naming the text when it is not of that form.
LoadedImage parse_loaded_image(const std::string& text);

}  // namespace leakscope::analyzer
