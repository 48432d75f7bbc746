#include "leakscope/analyzer/fleet_trend.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace leakscope::analyzer {

FleetTrend make_fleet_trend(std::vector<InstanceTrend> instances, std::vector<std::string> too_short) {
  FleetTrend f;
  std::sort(instances.begin(), instances.end(),
            [](const InstanceTrend& a, const InstanceTrend& b) { return a.instance < b.instance; });
  std::map<std::string, std::vector<std::pair<double, std::string>>> where;
  for (const auto& it : instances)
    for (const auto& row : it.report.suspects) where[row.name].emplace_back(row.slope_per_s, it.instance);
  for (auto& [name, on] : where) {
    std::sort(on.begin(), on.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    FleetSuspect s{name, {}};
    for (const auto& [slope, instance] : on) s.instances.push_back(instance);
    f.suspects.push_back(std::move(s));
  }
  std::stable_sort(f.suspects.begin(), f.suspects.end(), [](const FleetSuspect& a, const FleetSuspect& b) {
    return a.instances.size() > b.instances.size();
  });
  f.instances = std::move(instances);
  f.too_short = std::move(too_short);
  return f;
}

namespace {
std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}
}  // namespace

std::string render_fleet_text(const FleetTrend& f, size_t max_rows) {
  std::string out;
  for (const auto& it : f.instances) {
    out += "=== Instance " + it.instance + "\n";
    out += render_trend_text(it.report, max_rows) + "\n";
  }
  for (const auto& name : f.too_short) out += "=== Instance " + name + ": fewer than 2 snapshots, not judged\n\n";
  size_t judged = f.instances.size();
  out += "=== Fleet: " + std::to_string(judged) + " instances judged\n";
  out += "Leak suspects across the fleet (" + std::to_string(f.suspects.size()) + ")\n";
  for (const auto& s : f.suspects)
    out += "  " + s.name + "  on " + std::to_string(s.instances.size()) + " of " + std::to_string(judged) + ": " +
           joined(s.instances) + "\n";
  std::vector<std::string> leaking;
  for (const auto& it : f.instances)
    if (!it.report.suspects.empty()) leaking.push_back(it.instance);
  out += leaking.empty() ? "Verdict: no leak suspect on any instance\n"
                         : "Verdict: LEAK SUSPECTED on " + joined(leaking) + " (" + std::to_string(leaking.size()) +
                               " of " + std::to_string(judged) + " instances)\n";
  return out;
}

std::string render_fleet_json(const FleetTrend& f) {
  using json = nlohmann::ordered_json;
  json j;
  j["instances"] = json::array();
  for (const auto& it : f.instances) {
    json one = trend_json(it.report);  // the single-series report, as it is
    one["instance"] = it.instance;
    j["instances"].push_back(std::move(one));
  }
  j["too_short"] = f.too_short;
  j["fleet_suspects"] = json::array();
  for (const auto& s : f.suspects) j["fleet_suspects"].push_back({{"name", s.name}, {"instances", s.instances}});
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace leakscope::analyzer
