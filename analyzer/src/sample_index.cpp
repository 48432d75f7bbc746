#include "leakscope/analyzer/sample_index.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "leakscope/analyzer/input_error.h"

namespace leakscope::analyzer {

int sample_index_for(const Profile& p, const std::string& requested, const std::string& source) {
  if (requested.empty()) return p.default_sample_index();
  int i = p.sample_index(requested);
  if (i >= 0) return i;
  if (std::all_of(requested.begin(), requested.end(), ::isdigit)) {
    long n = std::strtol(requested.c_str(), nullptr, 10);
    if (n >= 0 && n < static_cast<long>(p.sample_types.size())) return static_cast<int>(n);
  }
  std::string have;
  for (const auto& t : p.sample_types) have += (have.empty() ? "" : ", ") + t.type;
  throw InputError(source, "", "no sample type '" + requested + "'; this profile has: " + have);
}

}  // namespace leakscope::analyzer
