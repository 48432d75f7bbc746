// The images (executable, shared libraries) this process has loaded, with their build-ids, read from
// the program headers in memory (dl_iterate_phdr): what was really loaded, even when the file on disk
// has been replaced since. No file I/O.
#pragma once

#include <vector>

#include "leakscope/analyzer/snapshot_assembly.h"

namespace leakscope::profiler {

std::vector<analyzer::LoadedImage> loaded_images();

}  // namespace leakscope::profiler
