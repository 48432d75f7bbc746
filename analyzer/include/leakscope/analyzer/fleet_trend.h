// Trend over a fleet: the series of several instances (series_files.h), each judged on its own by
// make_trend's rules (a leak is growth within one process; summing processes would mix their
// noise), then across the fleet: each suspect with the instances it is suspected on.
#pragma once

#include <string>
#include <vector>

#include "leakscope/analyzer/trend_report.h"

namespace leakscope::analyzer {

struct InstanceTrend {
  std::string instance;
  TrendReport report;
};

struct FleetSuspect {
  std::string name;
  std::vector<std::string> instances;  // where it is a suspect, strongest slope first
};

struct FleetTrend {
  std::vector<InstanceTrend> instances;  // by name
  std::vector<std::string> too_short;    // instances with fewer than two snapshots: not judged
  std::vector<FleetSuspect> suspects;    // on the most instances first, then by name
};

FleetTrend make_fleet_trend(std::vector<InstanceTrend> instances, std::vector<std::string> too_short);
std::string render_fleet_text(const FleetTrend& f, size_t max_rows);
std::string render_fleet_json(const FleetTrend& f);

}  // namespace leakscope::analyzer
