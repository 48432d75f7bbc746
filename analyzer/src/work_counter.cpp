#include "leakscope/analyzer/work_counter.h"

#include <charconv>

namespace leakscope::analyzer {

namespace {
constexpr std::string_view kPrefix = "leakscope:work=";
}

std::string format_work_comment(int64_t value, const std::string& unit) {
  return std::string(kPrefix) + std::to_string(value) + (unit.empty() ? "" : " " + unit);
}

std::optional<WorkCount> work_count_of(const Profile& p) {
  for (const auto& c : p.comments) {
    if (c.rfind(kPrefix, 0) != 0) continue;
    std::string_view rest = std::string_view(c).substr(kPrefix.size());
    WorkCount w;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), w.value);
    if (ec != std::errc()) continue;
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    if (!rest.empty() && rest.front() == ' ') w.unit = std::string(rest.substr(1));
    return w;
  }
  return std::nullopt;
}

}  // namespace leakscope::analyzer
