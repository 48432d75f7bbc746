// Query strings, written and read by leakscope itself rather than through cpp-httplib's private
// detail:: helpers (which a Debian update may change): percent-encoding of one component, a query
// string from parameters and back, and strict parameters (an integer in a range, an index below a
// count) that give an error sentence to answer 400 with. Jemalloc-free, so it is fuzzed on its own
// (tests/fuzz/debug_query_fuzz.cpp).
#pragma once

#include <httplib.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace leakscope::http {

// Every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX, so the text survives as one
// query key or value whatever it holds ('&', '=', '+', '#', spaces, UTF-8).
std::string encode_query_component(std::string_view text);
// %XX (either case) to its byte and '+' to a space; a '%' not followed by two hex digits stays as it is.
std::string decode_query_component(std::string_view text);

// "k=v&k2=v2" in the parameters' order, keys and values encoded.
std::string params_to_query(const httplib::Params& params);
// The inverse: pairs split on '&', each on its first '=' (none: an empty value), both decoded; empty
// keys are skipped. A leading '?' is not part of the query.
httplib::Params parse_query(std::string_view query);

// Absent: `out` untouched and no error. Present: an integer in [lo, hi], or the error to answer 400 with.
std::optional<std::string> read_int_param(const httplib::Params& params, const std::string& name, int lo, int hi,
                                          int& out);

// A decimal index below `count`: digits only (no sign, space, or base prefix), else nothing.
std::optional<size_t> parse_index(std::string_view text, size_t count);
// Absent or empty: `out` untouched and no error. Present: an index below `count`, or the error to answer
// 400 with: "NAME: expected a WHAT from 0 to COUNT-1, got 'TEXT'" (WHAT e.g. "snapshot index").
std::optional<std::string> read_index_param(const httplib::Params& params, const std::string& name, size_t count,
                                            const std::string& what, size_t& out);

}  // namespace leakscope::http
