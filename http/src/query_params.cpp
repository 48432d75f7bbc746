#include "leakscope/http/query_params.h"

#include <charconv>

namespace leakscope::http {

std::optional<std::string> read_int_param(const httplib::Params& params, const std::string& name, int lo, int hi,
                                          int& out) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  const std::string& v = it->second;
  int parsed = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
  if (ec != std::errc() || p != v.data() + v.size() || parsed < lo || parsed > hi)
    return "bad value for '" + name + "': expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  out = parsed;
  return std::nullopt;
}

}  // namespace leakscope::http
