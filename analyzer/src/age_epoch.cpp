#include "leakscope/analyzer/age_epoch.h"

#include <string_view>

namespace leakscope::analyzer {

std::optional<AgeEpoch> take_age_frame(std::vector<uint64_t>& pcs) {
  if (pcs.empty() || !is_age_frame(pcs.back())) return std::nullopt;
  AgeEpoch e = decode_age_frame(pcs.back());
  pcs.pop_back();
  if (e.length_ms == 0 || e.index > 62) return std::nullopt;  // not one the profiler writes: dropped, no age
  return e;
}

std::vector<Label> age_labels(const AgeEpoch& e) {
  return {Label{"age_epoch", "", static_cast<int64_t>(e.index), ""}, Label{"allocated_from", "", e.start_ms(), "ms"},
          Label{"allocated_to", "", e.end_ms(), "ms"}};
}

std::optional<AgeEpoch> age_of(const Sample& s) {
  int64_t index = -1, from = -1, to = -1;
  for (const auto& l : s.labels) {
    if (!l.str.empty()) continue;
    if (l.key == "age_epoch")
      index = l.num;
    else if (l.key == "allocated_from")
      from = l.num;
    else if (l.key == "allocated_to")
      to = l.num;
  }
  if (index < 0 || index > 62 || from < 0 || to <= from) return std::nullopt;
  // to - from = L * 2^k
  uint64_t length = static_cast<uint64_t>(to - from) >> index;
  if (length == 0) return std::nullopt;
  return AgeEpoch{length, static_cast<unsigned>(index)};
}

namespace {
constexpr std::string_view kAgeClockPrefix = "leakscope:age-clock-ms=";
}

std::string format_age_clock_comment(uint64_t clock_ms) {
  return std::string(kAgeClockPrefix) + std::to_string(clock_ms);
}

std::optional<int64_t> age_clock_of(const Profile& p) {
  for (const auto& c : p.comments) {
    if (c.rfind(kAgeClockPrefix, 0) != 0) continue;
    std::string digits = c.substr(kAgeClockPrefix.size());
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoll(digits);
  }
  return std::nullopt;
}

}  // namespace leakscope::analyzer
