// `trend` with allocation ages: when the newest snapshot carries ages (age_report.h), each suspect
// and growing row gets its age shape there, and what that says about the verdict:
//   a suspect that is every-age      "age agrees": live bytes allocated all along and kept;
//   a suspect that is one-age/young  "age disagrees": a cache that filled in the window, or churn;
//   a growing row that is every-age  "age says leak-like": watch it, the counting rules may not
//                                    have enough snapshots yet.
// The age decides in one case, where it is unambiguous and its numbers can be checked: a suspect
// whose live bytes are one-age (>= 90% in one older epoch) while the newest epoch, whose part of the
// window is long enough for the window's slope to put >= 4 sampling periods in it, holds less than
// min_late_share of what that slope predicts there: it filled once and stopped, a cache, not a leak. It
// moves to the growing rows, "age decides", and its why says so (apply_age_evidence). A leak that
// started in an older epoch keeps feeding the newest and stays a suspect. Otherwise the verdict
// (suspects, exit code) stays the trend rules' and the age is evidence beside it.
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
// Moves the suspects the age rules out to `trend.growing` (their TrendRow::age says why); needs the
// snapshot's age clock and real times (not file order). Returns how many it moved.
size_t apply_age_evidence(TrendReport& trend, const AgeReport& last);
TrendAges trend_ages(const TrendReport& trend, const AgeReport& last);
std::string render_trend_ages_text(const TrendAges& a, const std::string& unit);
nlohmann::ordered_json trend_ages_json(const TrendAges& a);

}  // namespace leakscope::analyzer
