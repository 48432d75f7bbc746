#include <map>

#include "leakscope/analyzer/writers.h"

namespace leakscope::analyzer {

std::string write_folded(const Profile& p, const StackTable& stacks, int index) {
  // Merge identical stacks; std::map keeps the output sorted like stackcollapse does.
  std::map<std::string, int64_t> merged;
  std::string key;
  for (size_t i = 0; i < stacks.sample_count(); ++i) {
    const auto& st = stacks.stack(i);
    if (st.empty()) continue;
    key.clear();
    for (size_t k = st.size(); k-- > 0;) {
      key += stacks.name(st[k]);
      if (k) key += ';';
    }
    merged[key] += p.samples[i].values[index];
  }
  std::string out;
  for (const auto& [stack, v] : merged)
    if (v) out += stack + " " + std::to_string(v) + "\n";
  return out;
}

}  // namespace leakscope::analyzer
