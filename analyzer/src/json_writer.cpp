#include <nlohmann/json.hpp>

#include "leakscope/analyzer/writers.h"

namespace leakscope::analyzer {

std::string write_json(const Profile& p) {
  using json = nlohmann::ordered_json;
  json j;
  auto types = json::array();
  for (const auto& t : p.sample_types) types.push_back({{"type", t.type}, {"unit", t.unit}});
  j["sample_types"] = types;
  j["default_sample_type"] = p.default_sample_type;
  j["period_type"] = {{"type", p.period_type.type}, {"unit", p.period_type.unit}};
  j["period"] = p.period;
  j["time_nanos"] = p.time_nanos;
  j["duration_nanos"] = p.duration_nanos;
  j["drop_frames"] = p.drop_frames;
  j["comments"] = p.comments;
  auto maps = json::array();
  for (const auto& m : p.mappings)
    maps.push_back({{"id", m.id},
                    {"start", m.start},
                    {"limit", m.limit},
                    {"offset", m.offset},
                    {"file", m.file},
                    {"build_id", m.build_id}});
  j["mappings"] = maps;
  auto funcs = json::array();
  for (const auto& f : p.functions)
    funcs.push_back({{"id", f.id},
                     {"name", f.name},
                     {"system_name", f.system_name},
                     {"filename", f.filename},
                     {"start_line", f.start_line}});
  j["functions"] = funcs;
  auto locs = json::array();
  for (const auto& l : p.locations) {
    auto lines = json::array();
    for (const auto& ln : l.lines) lines.push_back({{"function_id", ln.function_id}, {"line", ln.line}});
    locs.push_back({{"id", l.id}, {"mapping_id", l.mapping_id}, {"address", l.address}, {"lines", lines}});
  }
  j["locations"] = locs;
  auto samples = json::array();
  for (const auto& s : p.samples) {
    auto labels = json::array();
    for (const auto& lb : s.labels) {
      json x = {{"key", lb.key}};
      if (!lb.str.empty())
        x["str"] = lb.str;
      else
        x["num"] = lb.num;
      labels.push_back(x);
    }
    samples.push_back({{"location_ids", s.location_ids}, {"values", s.values}, {"labels", labels}});
  }
  j["samples"] = samples;
  return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace leakscope::analyzer
