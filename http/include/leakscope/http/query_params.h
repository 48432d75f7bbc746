// Query parameters of the debug endpoints, parsed strictly: an integer in a stated range or an
// error sentence. Jemalloc-free, so it is fuzzed on its own (fuzz/debug_query_fuzz.cpp).
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

namespace leakscope::http {

// Absent: `out` untouched and no error. Present: an integer in [lo, hi], or the error to answer 400 with.
std::optional<std::string> read_int_param(const httplib::Params& params, const std::string& name, int lo, int hi,
                                          int& out);

}  // namespace leakscope::http
