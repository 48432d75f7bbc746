#include "leakscope/analyzer/trend_json_reader.h"

#include <nlohmann/json.hpp>

#include "leakscope/analyzer/input_error.h"

namespace leakscope::analyzer {

namespace {
constexpr const char* kExpected = "expected `leakscope trend --json` output";

TrendRow suspect_of(const nlohmann::json& s) {
  TrendRow row;
  row.kind = TrendRow::Kind::kSuspect;
  row.name = s.value("name", "?");
  row.growth = s.value("growth", int64_t{0});
  row.slope_per_s = s.value("slope_bytes_per_s", 0.0);
  row.r2 = s.value("r2", 0.0);
  row.monotonicity = s.value("monotonicity", 0.0);
  row.share = s.value("share", 0.0);
  row.rule = s.value("rule", "");
  row.why = s.value("why", "");
  return row;
}
}  // namespace

TrendReport read_trend_json(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, "", std::string(kExpected) + ": " + e.what());
  }
  if (!j.is_object() || !j.contains("suspects") || !j["suspects"].is_array())
    throw InputError(source, "", std::string(kExpected) + " (no \"suspects\" array)");
  TrendReport r;
  try {
    r.snapshots = j.value("snapshots", size_t{0});
    r.sample_type = {j.value("sample_type", "inuse_space"), j.value("unit", "bytes")};
    r.duration_s = j.value("duration_s", 0.0);
    r.period = j.value("period", int64_t{1});
    for (const auto& s : j["suspects"]) {
      if (!s.is_object()) throw InputError(source, "", std::string(kExpected) + " (a suspect that is not an object)");
      r.suspects.push_back(suspect_of(s));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, "", std::string(kExpected) + ": " + e.what());
  }
  return r;
}

}  // namespace leakscope::analyzer
