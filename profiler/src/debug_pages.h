// The HTML and text bodies served by the debug server.
#pragma once

#include <string>
#include <vector>

#include "leakscope/profiler/allocator_stats.h"

namespace leakscope::profiler {

std::string index_page();
std::string charts_page();
std::string charts_data_json(const std::vector<AllocatorStats>& history);
std::string vars_json(const AllocatorStats& s);
// The "# leakscope allocator statistics" block at the end of /debug/pprof/heap?debug=1.
std::string stats_text_block(const AllocatorStats& s);

}  // namespace leakscope::profiler
