#include "leakscope/analyzer/trend_ages.h"

#include <cstdio>

#include "leakscope/analyzer/units.h"

namespace leakscope::analyzer {
namespace {

std::string reading_for(bool suspect, AgeShape shape) {
  if (suspect) {
    if (shape == AgeShape::kEveryAge) return "age agrees";
    if (shape == AgeShape::kOneAge || shape == AgeShape::kYoung) return "age disagrees";
    return "";
  }
  return shape == AgeShape::kEveryAge ? "age says leak-like" : "";
}

}  // namespace

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
      x.reading = reading_for(suspect, x.shape);
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
