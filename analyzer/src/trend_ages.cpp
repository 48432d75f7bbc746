#include "leakscope/analyzer/trend_ages.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "leakscope/analyzer/units.h"

namespace leakscope::analyzer {
namespace {

// The newest epoch must have run long enough for a leak at the window's slope to leave this many
// sampling periods in it: at fewer, a leak could miss it by sampling alone (Poisson: 0 samples of a
// mean of 4 in 1.8% of runs).
constexpr double kMinExpectedPeriods = 4;

std::string percent(double share) { return std::to_string(std::lround(share * 100)) + "%"; }

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

// Why the age rules `row` out as a leak, or "" when it does not.
std::string cache_by_age(const TrendRow& row, const AgeRow& age, const AgeReport& last, const TrendReport& trend) {
  if (age.shape != AgeShape::kOneAge || last.clock_ms < 0 || last.epochs.empty() || age.total <= 0) return "";
  const AgeColumn& newest = last.epochs.back();
  // Only the part of the window the newest epoch covers: a new leak in a function that also holds an
  // old cache fills that part and no more.
  double newest_s = std::min(static_cast<double>(last.clock_ms - newest.allocated_from_ms) / 1e3, trend.duration_s);
  double expected = row.slope_per_s * newest_s;
  if (row.slope_per_s <= 0 || expected < kMinExpectedPeriods * static_cast<double>(trend.period)) return "";
  int64_t in_newest = age.by_epoch.back();
  if (static_cast<double>(in_newest) >= trend.thresholds.min_late_share * expected) return "";
  size_t dominant = 0;
  for (size_t k = 0; k < age.by_epoch.size(); ++k)
    if (age.by_epoch[k] > age.by_epoch[dominant]) dominant = k;
  const std::string& unit = trend.sample_type.unit;
  const AgeColumn& d = last.epochs[dominant];
  return "one-age (cache-like): " +
         percent(static_cast<double>(age.by_epoch[dominant]) / static_cast<double>(age.total)) +
         " of its live bytes were allocated in e" + std::to_string(dominant) + " (" +
         seconds_text(static_cast<double>(d.allocated_from_ms) / 1e3) + " to " +
         seconds_text(static_cast<double>(d.allocated_to_ms) / 1e3) + " after start), and the newest epoch e" +
         std::to_string(newest.index) + " (the window's last " + seconds_text(newest_s) + ") holds " +
         format_value(in_newest, unit) + " of the " + format_value(std::llround(expected), unit) +
         " the window's slope predicts for it (< " + percent(trend.thresholds.min_late_share) +
         "): filled once and stopped, not a leak";
}

std::string reading_for(bool suspect, AgeShape shape) {
  if (suspect) {
    if (shape == AgeShape::kEveryAge) return "age agrees";
    if (shape == AgeShape::kOneAge || shape == AgeShape::kYoung) return "age disagrees";
    return "";
  }
  return shape == AgeShape::kEveryAge ? "age says leak-like" : "";
}

}  // namespace

size_t apply_age_evidence(TrendReport& trend, const AgeReport& last) {
  if (!last.has_ages() || trend.times_from_files) return 0;  // file order: the slope is not per second
  size_t moved = 0;
  std::erase_if(trend.suspects, [&](TrendRow& row) {
    const AgeRow* age = find_age_row(last, row.name);
    std::string why = age ? cache_by_age(row, *age, last, trend) : "";
    if (why.empty()) return false;
    row.age = why;
    row.why = "age decides: " + why + "; suspected by " + row.rule + ": " + row.why;
    row.rule.clear();
    row.kind = TrendRow::Kind::kGrowing;
    trend.growing.push_back(std::move(row));
    ++moved;
    return true;
  });
  std::sort(trend.growing.begin(), trend.growing.end(), [](const TrendRow& a, const TrendRow& b) {
    return a.slope_per_s != b.slope_per_s ? a.slope_per_s > b.slope_per_s : a.name < b.name;
  });
  return moved;
}

TrendAges trend_ages(const TrendReport& trend, const AgeReport& last) {
  TrendAges a;
  a.epoch_ms = last.epoch_ms;
  a.epochs = last.epochs.size();
  auto add = [&](const std::vector<TrendRow>& rows, bool suspect) {
    for (const auto& row : rows) {
      TrendAgeRow x;
      x.name = row.name;
      x.suspect = suspect;
      if (const AgeRow* age = find_age_row(last, row.name)) {
        x.shape = age->shape;
        x.why = age->why;
        x.by_epoch = age->by_epoch;
      } else {
        x.why = "no live bytes with an age in the newest snapshot";
      }
      x.reading = row.age.empty() ? reading_for(suspect, x.shape) : "age decides: not a leak";
      a.rows.push_back(std::move(x));
    }
  };
  add(trend.suspects, true);
  add(trend.growing, false);
  return a;
}

std::string render_trend_ages_text(const TrendAges& a, const std::string& unit) {
  std::string out = "\nAge of live bytes in the newest snapshot (" + std::to_string(a.epochs) + " epochs of " +
                    std::to_string(a.epoch_ms) + " ms, each twice the one before; `leakscope top --by-age`)\n";
  if (a.rows.empty()) return out + "  no suspect or growing function\n";
  char buf[128];
  for (const auto& row : a.rows) {
    std::string bytes;
    for (int64_t v : row.by_epoch) bytes += (bytes.empty() ? "" : " ") + (v ? format_value(v, unit) : std::string("."));
    std::snprintf(buf, sizeof buf, "  %-8s %-10s %-18s ", row.suspect ? "suspect" : "growing",
                  age_shape_name(row.shape), row.reading.empty() ? "-" : row.reading.c_str());
    out += buf + row.name + "\n      " + row.why + (bytes.empty() ? "" : "; by epoch: " + bytes) + "\n";
  }
  return out;
}

nlohmann::ordered_json trend_ages_json(const TrendAges& a) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : a.rows)
    rows.push_back({{"name", row.name},
                    {"suspect", row.suspect},
                    {"shape", age_shape_name(row.shape)},
                    {"reading", row.reading},
                    {"why", row.why},
                    {"by_epoch", row.by_epoch}});
  return {{"epoch_ms", a.epoch_ms}, {"epochs", a.epochs}, {"rows", std::move(rows)}};
}

}  // namespace leakscope::analyzer
