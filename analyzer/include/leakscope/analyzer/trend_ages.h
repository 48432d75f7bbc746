// `trend` with allocation ages: when the newest snapshot carries ages (age_report.h), each suspect
// and growing row gets its age shape there, and what that says about the verdict:
//   a suspect that is every-age      "age agrees": live bytes allocated all along and kept;
//   a suspect that is one-age/young  "age disagrees": a cache that filled in the window, or churn;
//   a growing row that is every-age  "age says leak-like": watch it, the counting rules may not
//                                    have enough snapshots yet.
// The verdict itself (suspects, exit code) stays the trend rules'; the age is evidence beside it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "leakscope/analyzer/age_report.h"
#include "leakscope/analyzer/trend_report.h"

namespace leakscope::analyzer {

struct TrendAgeRow {
  std::string name;
  bool suspect = false;
  AgeShape shape = AgeShape::kUnknown;
  std::string reading;  // "age agrees", "age disagrees", "age says leak-like", or ""
  std::string why;      // the shares (classify_age)
  std::vector<int64_t> by_epoch;
};

struct TrendAges {
  uint64_t epoch_ms = 0;
  size_t epochs = 0;
  std::vector<TrendAgeRow> rows;  // suspects first, in the trend's order
};

// `last` is the age report of the newest snapshot, at the trend's granularity and sample type.
TrendAges trend_ages(const TrendReport& trend, const AgeReport& last);
std::string render_trend_ages_text(const TrendAges& a, const std::string& unit);
nlohmann::ordered_json trend_ages_json(const TrendAges& a);

}  // namespace leakscope::analyzer
