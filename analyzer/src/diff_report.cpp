#include "leakscope/analyzer/diff_report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "leakscope/analyzer/units.h"

namespace leakscope::analyzer {

DiffReport make_diff(const Aggregate& base, const Aggregate& now, const ValueType& type) {
  DiffReport r;
  r.sample_type = type;
  r.base_total = base.total;
  r.new_total = now.total;
  std::unordered_map<std::string, DiffRow> rows;
  for (const auto& [name, v] : base.nodes) rows[name].base = v.flat;
  for (const auto& [name, v] : now.nodes) rows[name].now = v.flat;
  for (auto& [name, row] : rows) {
    if (row.delta() == 0) continue;
    row.name = name;
    r.rows.push_back(std::move(row));
  }
  std::sort(r.rows.begin(), r.rows.end(), [](const DiffRow& a, const DiffRow& b) {
    int64_t x = std::llabs(a.delta()), y = std::llabs(b.delta());
    return x != y ? x > y : a.name < b.name;
  });
  return r;
}

double normalize_scale(const Profile& base, int base_index, const Profile& now, int now_index) {
  int64_t base_total = base.total(base_index);
  return base_total ? static_cast<double>(now.total(now_index)) / static_cast<double>(base_total) : 1.0;
}

DiffReport diff_profiles(const Profile& base, const StackTable& base_stacks, int base_index, const Profile& now,
                         const StackTable& now_stacks, int now_index, bool normalize) {
  double scale = normalize ? normalize_scale(base, base_index, now, now_index) : 1.0;
  DiffReport r = make_diff(aggregate(base, base_stacks, base_index, scale), aggregate(now, now_stacks, now_index),
                           now.sample_types[now_index]);
  r.normalized = normalize;
  r.base_scale = scale;
  return r;
}

namespace {
double share(int64_t v, int64_t total) { return total ? static_cast<double>(v) / static_cast<double>(total) : 0; }
std::string signed_percent(double f) { return (f > 0 ? "+" : "") + format_percent(f); }
std::string format_scale(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", s);
  return buf;
}
}  // namespace

std::string render_diff_text(const DiffReport& r, const std::string& base_name, const std::string& new_name,
                             size_t max_rows) {
  const std::string& unit = r.sample_type.unit;
  std::string out;
  out += "Type: " + r.sample_type.type + "\n";
  out += "Base: " + base_name + "  total " + format_value(r.base_total, unit) +
         (r.normalized
              ? "  (normalized: base \u00d7" + format_scale(r.base_scale) + ", whole profiles matched before filters)"
              : "") +
         "\n";
  out += "New:  " + new_name + "  total " + format_value(r.new_total, unit) + "\n";
  int64_t d = r.new_total - r.base_total;
  out += "Change: " + format_delta(d, unit) + " (" + signed_percent(share(d, r.base_total)) + " of base total)\n";
  out += "Δ%base and Δ%new are each row's change as a share of the base total and of the new total.\n";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%11s %9s %9s %10s %10s  %s\n", "delta", "Δ%base", "Δ%new", "base", "new", "name");
  out += buf;
  size_t n = 0;
  for (const auto& row : r.rows) {
    if (max_rows && n++ >= max_rows) {
      out += "... " + std::to_string(r.rows.size() - max_rows) + " more rows (use --nodecount 0 for all)\n";
      break;
    }
    std::snprintf(buf, sizeof buf, "%11s %9s %9s %10s %10s  ", format_delta(row.delta(), unit).c_str(),
                  signed_percent(share(row.delta(), r.base_total)).c_str(),
                  signed_percent(share(row.delta(), r.new_total)).c_str(), format_value(row.base, unit).c_str(),
                  format_value(row.now, unit).c_str());
    out += buf + row.name + "\n";
  }
  if (r.rows.empty()) out += "(no change)\n";
  return out;
}

std::string render_diff_json(const DiffReport& r, size_t max_rows) {
  nlohmann::ordered_json j;
  j["sample_type"] = r.sample_type.type;
  j["unit"] = r.sample_type.unit;
  j["base_total"] = r.base_total;
  j["new_total"] = r.new_total;
  j["normalized"] = r.normalized;
  auto rows = nlohmann::ordered_json::array();
  size_t n = 0;
  for (const auto& row : r.rows) {
    if (max_rows && n++ >= max_rows) break;
    rows.push_back({{"name", row.name}, {"base", row.base}, {"new", row.now}, {"delta", row.delta()}});
  }
  j["rows"] = std::move(rows);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace leakscope::analyzer
