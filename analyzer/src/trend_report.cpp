#include "leakscope/analyzer/trend_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "leakscope/analyzer/units.h"

namespace leakscope::analyzer {
namespace {

void fit(const std::vector<double>& t, const std::vector<int64_t>& y, double& slope, double& r2) {
  size_t n = t.size();
  double mt = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mt += t[i];
    my += static_cast<double>(y[i]);
  }
  mt /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double stt = 0, sty = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    double dt = t[i] - mt, dy = static_cast<double>(y[i]) - my;
    stt += dt * dt;
    sty += dt * dy;
    syy += dy * dy;
  }
  slope = stt > 0 ? sty / stt : 0;
  r2 = (stt > 0 && syy > 0) ? (sty * sty) / (stt * syy) : 0;
}

// Mean of the last third minus mean of the first third: where the series settled, not where a
// sawtooth or a spike happened to stand at the two ends.
int64_t settled_growth(const std::vector<int64_t>& v) {
  size_t w = std::max<size_t>(1, (v.size() + 2) / 3);
  double first = 0, last = 0;
  for (size_t i = 0; i < w; ++i) {
    first += static_cast<double>(v[i]);
    last += static_cast<double>(v[v.size() - 1 - i]);
  }
  return static_cast<int64_t>(std::llround((last - first) / static_cast<double>(w)));
}

// The counting view of one row: where a leak's sampled bytes rise in several steps and never fall.
void count_steps(TrendRow& row, int64_t period) {
  const auto& v = row.values;
  double growth = static_cast<double>(v.back() - v.front());
  int64_t high = v.front(), largest_step = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    row.rising_steps += v[i] > v[i - 1];
    row.falling_steps += v[i] < v[i - 1];
    largest_step = std::max(largest_step, v[i] - v[i - 1]);
    high = std::max(high, v[i]);
    row.max_drop = std::max(row.max_drop, high - v[i]);
  }
  row.periods = growth / static_cast<double>(period);
  row.largest_step_share = growth > 0 ? static_cast<double>(largest_step) / growth : 0;
  row.drop_share = growth > 0 ? static_cast<double>(row.max_drop) / growth : (row.max_drop > 0 ? 1 : 0);
}

// The last third of the steps (at least one): a leak keeps rising there, a filled pool does not.
size_t late_window(const TrendRow& row) { return std::max<size_t>(1, (row.values.size() - 1) / 3); }

void late_steps(TrendRow& row, const std::vector<double>& times) {
  size_t from = row.values.size() - 1 - late_window(row);
  row.late_growth = row.values.back() - row.values[from];
  row.late_expected = row.slope_per_s * (times.back() - times[from]);
}

std::string percent(double share) { return std::to_string(std::lround(share * 100)) + "%"; }

std::string fixed1(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

// What the counting rule saw, and what (if anything) it missed; empty `misses` means it holds.
std::string counting_facts(const TrendRow& row, const TrendThresholds& th, int64_t period,
                           std::vector<std::string>& misses) {
  size_t steps = row.values.size() - 1;
  std::string facts =
      "rose in " + std::to_string(row.rising_steps) + " of " + std::to_string(steps) + " steps, " +
      (row.max_drop == 0 ? std::string("never fell") : "fell at most " + percent(row.drop_share) + " of growth") +
      ", largest step " + percent(row.largest_step_share) + " of growth, " + fixed1(row.periods) + " periods sampled";
  if (row.periods < th.min_sampled_periods)
    misses.push_back(fixed1(row.periods) + " periods < " + fixed1(th.min_sampled_periods));
  else if (row.periods * static_cast<double>(period) < static_cast<double>(th.min_sampled_bytes))
    misses.push_back("rose by less than " + format_value(th.min_sampled_bytes, "bytes"));
  if (row.rising_steps < th.min_rising_steps)
    misses.push_back("rose in " + std::to_string(row.rising_steps) + " < " + std::to_string(th.min_rising_steps) +
                     " steps");
  if (row.periods > 0 && row.largest_step_share > th.max_step_share)
    misses.push_back("largest step " + percent(row.largest_step_share) + " > " + percent(th.max_step_share) +
                     " (arrived at once)");
  if (row.drop_share > th.max_drop_share)
    misses.push_back("fell " + percent(row.drop_share) + " > " + percent(th.max_drop_share) +
                     " of growth (freed again)");
  return facts;
}

std::string steady_facts(const TrendRow& row, const TrendThresholds& th, size_t snapshots, const std::string& unit,
                         std::vector<std::string>& misses) {
  char buf[160];
  if (row.noise > 0)
    std::snprintf(buf, sizeof buf, "R^2 %.2f, %s of steps not falling, growth %.1fx the %.0f-sigma noise", row.r2,
                  percent(row.monotonicity).c_str(), static_cast<double>(row.growth) / row.noise, th.noise_sigmas);
  else
    std::snprintf(buf, sizeof buf, "R^2 %.2f, %s of steps not falling", row.r2, percent(row.monotonicity).c_str());
  std::string facts = buf;
  if (snapshots < 3) misses.push_back("fewer than 3 snapshots");
  if (row.r2 < th.min_r2) {
    std::snprintf(buf, sizeof buf, "R^2 < %.2f", th.min_r2);
    misses.push_back(buf);
  }
  if (row.monotonicity < th.min_monotonicity)
    misses.push_back("fewer than " + percent(th.min_monotonicity) + " of steps rising");
  if (row.late_expected > 0) {
    std::string late_facts = "last " + std::to_string(late_window(row)) + " steps " +
                             format_delta(row.late_growth, unit) + " of the " +
                             format_delta(std::llround(row.late_expected), unit) + " the slope predicts";
    facts += ", " + late_facts;
    if (static_cast<double>(row.late_growth) < th.min_late_share * row.late_expected)
      misses.push_back("levelled off: " + late_facts + " (< " + percent(th.min_late_share) + ")");
  }
  return facts;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

TrendReport make_trend(const std::vector<Aggregate>& series, const std::vector<double>& times, const ValueType& type,
                       int64_t period, const TrendThresholds& th, const std::vector<int64_t>& work,
                       const std::string& work_unit) {
  std::set<std::string> names;
  TrendColumns c;
  for (const auto& a : series) {
    c.totals.push_back(a.total);
    for (const auto& [name, v] : a.nodes) names.insert(name);
  }
  for (const auto& name : names) {
    std::vector<int64_t> values;
    for (const auto& a : series) {
      auto it = a.nodes.find(name);
      values.push_back(it == a.nodes.end() ? 0 : it->second.flat);
    }
    c.names.push_back(name);
    c.values.push_back(std::move(values));
  }
  return make_trend(std::move(c), times, type, period, th, work, work_unit);
}

TrendReport make_trend(TrendColumns c, const std::vector<double>& times, const ValueType& type, int64_t period,
                       const TrendThresholds& th, const std::vector<int64_t>& work, const std::string& work_unit) {
  TrendReport r;
  bool with_work = work.size() == c.totals.size() && !c.totals.empty();
  std::vector<double> work_axis;
  if (with_work) {
    r.work = work;
    r.work_unit = work_unit.empty() ? "unit of work" : work_unit;
    for (auto w : work) work_axis.push_back(static_cast<double>(w));
  }
  r.sample_type = type;
  r.snapshots = c.totals.size();
  r.period = std::max<int64_t>(period, 1);
  r.thresholds = th;
  r.duration_s = times.empty() ? 0 : times.back() - times.front();
  r.totals = std::move(c.totals);
  // In name order, so the sum of growth (and each share) does not depend on how columns were laid out.
  std::vector<size_t> by_name(c.names.size());
  for (size_t f = 0; f < by_name.size(); ++f) by_name[f] = f;
  std::sort(by_name.begin(), by_name.end(), [&](size_t a, size_t b) { return c.names[a] < c.names[b]; });
  std::vector<TrendRow> rows;
  rows.reserve(by_name.size());
  double positive_growth = 0;
  for (size_t f : by_name) {
    TrendRow row;
    row.name = std::move(c.names[f]);
    row.values = std::move(c.values[f]);
    row.growth = settled_growth(row.values);
    if (row.growth > 0) positive_growth += static_cast<double>(row.growth);
    rows.push_back(std::move(row));
  }
  for (auto& row : rows) {
    fit(times, row.values, row.slope_per_s, row.r2);
    if (with_work) {
      double unused_r2;
      fit(work_axis, row.values, row.slope_per_work, unused_r2);
    }
    size_t rising = 0;
    for (size_t i = 1; i < row.values.size(); ++i) rising += row.values[i] >= row.values[i - 1];
    row.monotonicity =
        row.values.size() > 1 ? static_cast<double>(rising) / static_cast<double>(row.values.size() - 1) : 0;
    row.share = positive_growth > 0 && row.growth > 0 ? static_cast<double>(row.growth) / positive_growth : 0;
    // An unsampled estimate of B bytes at sampling period R > 1 has a standard deviation of at most
    // about sqrt(B*R) (small allocations); with R = 1 every allocation is recorded: no noise.
    double peak = static_cast<double>(*std::max_element(row.values.begin(), row.values.end()));
    row.noise = r.period > 1
                    ? std::max(th.noise_sigmas * std::sqrt(std::max(peak, 0.0) * static_cast<double>(r.period)),
                               th.min_periods * static_cast<double>(r.period))
                    : 0.0;
    count_steps(row, r.period);
    if (times.size() == row.values.size() && times.size() > 1) late_steps(row, times);
    bool above_noise = static_cast<double>(row.growth) > row.noise && row.slope_per_s > 0;
    std::vector<std::string> steady_misses, counting_misses;
    std::string steady = steady_facts(row, th, r.snapshots, type.unit, steady_misses);
    std::string counting = counting_facts(row, th, r.period, counting_misses);
    if (!above_noise)
      steady_misses.insert(steady_misses.begin(), row.growth > 0 ? "growth within sampling noise" : "no growth");
    bool sampled = r.period > 1;
    bool steady_ok = above_noise && steady_misses.empty();
    bool counting_ok = sampled && r.snapshots >= 3 && counting_misses.empty();
    // Rose without falling, by more than a few periods: worth showing, even when it is a one-off.
    bool rose = sampled && row.periods >= th.min_sampled_periods &&
                row.periods * static_cast<double>(r.period) >= static_cast<double>(th.min_sampled_bytes) &&
                row.drop_share <= th.max_drop_share;
    if (steady_ok || counting_ok) {
      row.kind = TrendRow::Kind::kSuspect;
      row.rule = steady_ok && counting_ok ? "steady fit and sampled counting"
                 : steady_ok              ? "steady fit"
                                          : "sampled counting";
      row.why = steady_ok ? steady : counting;
      if (steady_ok && sampled) row.why += "; " + counting;
      r.suspects.push_back(row);
    } else if (above_noise || rose) {
      row.kind = TrendRow::Kind::kGrowing;
      row.why = "steady fit: " + steady + " (no: " + joined(steady_misses) + ")";
      if (sampled) row.why += "; sampled counting: " + counting + " (no: " + joined(counting_misses) + ")";
      r.growing.push_back(row);
    } else {
      ++r.stable;
    }
  }
  auto strongest = [](const TrendRow& a, const TrendRow& b) {
    return a.slope_per_s != b.slope_per_s ? a.slope_per_s > b.slope_per_s : a.name < b.name;
  };
  std::sort(r.suspects.begin(), r.suspects.end(), strongest);
  std::sort(r.growing.begin(), r.growing.end(), strongest);
  return r;
}

std::string render_trend_text(const TrendReport& r, size_t max_rows) {
  const std::string& unit = r.sample_type.unit;
  char buf[512];
  std::string out = "Type: " + r.sample_type.type + "\n";
  std::snprintf(buf, sizeof buf, "Snapshots: %zu over %.1f s%s; total %s -> %s\n", r.snapshots, r.duration_s,
                r.times_from_files ? " (no timestamps: file order, 1 s apart)" : "",
                format_value(r.totals.front(), unit).c_str(), format_value(r.totals.back(), unit).c_str());
  out += buf;
  std::snprintf(buf, sizeof buf,
                "Suspect: grew by more than %.0f sampling sigmas (period %s), R^2 >= %.2f, >= %.0f%% of steps rising,\n"
                "         the last third of the steps >= %.0f%% of the slope's growth\n",
                r.thresholds.noise_sigmas, format_value(r.period, unit).c_str(), r.thresholds.min_r2,
                r.thresholds.min_monotonicity * 100, r.thresholds.min_late_share * 100);
  out += buf;
  if (r.period > 1) {
    std::snprintf(
        buf, sizeof buf,
        "     or: sampled counting: rose by >= %.1f periods and >= %s in >= %zu steps, no step > %.0f%% of it, "
        "never fell by > %.0f%% of it\n",
        r.thresholds.min_sampled_periods, format_value(r.thresholds.min_sampled_bytes, "bytes").c_str(),
        r.thresholds.min_rising_steps, r.thresholds.max_step_share * 100, r.thresholds.max_drop_share * 100);
    out += buf;
  }
  auto table = [&](const char* title, const std::vector<TrendRow>& rows) {
    out += std::string("\n") + title + " (" + std::to_string(rows.size()) + ")\n";
    if (rows.empty()) return;
    std::snprintf(buf, sizeof buf, "%12s %12s %6s %6s %7s %7s %8s  %s\n", "growth", "per second", "R^2", "mono",
                  "share", "rose", "periods", "name");
    out += buf;
    size_t n = 0;
    for (const auto& row : rows) {
      if (max_rows && n++ >= max_rows) break;
      std::string rose = std::to_string(row.rising_steps) + "/" + std::to_string(row.values.size() - 1);
      std::snprintf(buf, sizeof buf, "%12s %12s %6.2f %6.2f %7s %7s %8.1f  ", format_delta(row.growth, unit).c_str(),
                    format_delta(static_cast<int64_t>(row.slope_per_s), unit).c_str(), row.r2, row.monotonicity,
                    format_percent(row.share).c_str(), rose.c_str(), row.periods);
      out += buf;
      if (!r.work_unit.empty()) {
        std::snprintf(buf, sizeof buf, "(%s per %s)  ", format_delta(std::llround(row.slope_per_work), unit).c_str(),
                      r.work_unit.c_str());
        out += buf;
      }
      out += row.name + "\n";
      out += "      " + (row.rule.empty() ? std::string("why not: ") : row.rule + ": ") + row.why + "\n";
    }
  };
  table("Leak suspects", r.suspects);
  table("Growing, not steadily enough to suspect", r.growing);
  out += "\nStable: " + std::to_string(r.stable) + "\n";
  out += r.suspects.empty() ? "Verdict: no leak suspect\n"
                            : "Verdict: LEAK SUSPECTED in " + r.suspects.front().name + "\n";
  return out;
}

nlohmann::ordered_json trend_json(const TrendReport& r) {
  using json = nlohmann::ordered_json;
  bool has_work = !r.work_unit.empty();
  auto rows = [has_work](const std::vector<TrendRow>& v) {
    json a = json::array();
    for (const auto& row : v) {
      json x = {{"name", row.name},
                {"slope_bytes_per_s", row.slope_per_s},
                {"growth", row.growth},
                {"r2", row.r2},
                {"monotonicity", row.monotonicity},
                {"share", row.share},
                {"noise", row.noise},
                {"late_growth", row.late_growth},
                {"late_expected", row.late_expected},
                {"periods", row.periods},
                {"rising_steps", row.rising_steps},
                {"falling_steps", row.falling_steps},
                {"largest_step_share", row.largest_step_share},
                {"max_drop", row.max_drop},
                {"drop_share", row.drop_share},
                {"rule", row.rule},
                {"why", row.why},
                {"first", row.values.front()},
                {"last", row.values.back()},
                {"values", row.values}};
      if (has_work) x["slope_per_work"] = row.slope_per_work;
      if (!row.age.empty()) x["age_evidence"] = row.age;
      a.push_back(std::move(x));
    }
    return a;
  };
  json j;
  j["snapshots"] = r.snapshots;
  j["sample_type"] = r.sample_type.type;
  j["unit"] = r.sample_type.unit;
  j["duration_s"] = r.duration_s;
  j["times_from_files"] = r.times_from_files;
  j["period"] = r.period;
  if (has_work) {
    j["work_unit"] = r.work_unit;
    j["work"] = r.work;
  }
  j["thresholds"] = {{"min_r2", r.thresholds.min_r2},
                     {"min_monotonicity", r.thresholds.min_monotonicity},
                     {"noise_sigmas", r.thresholds.noise_sigmas},
                     {"min_periods", r.thresholds.min_periods},
                     {"min_late_share", r.thresholds.min_late_share},
                     {"min_sampled_periods", r.thresholds.min_sampled_periods},
                     {"min_sampled_bytes", r.thresholds.min_sampled_bytes},
                     {"min_rising_steps", r.thresholds.min_rising_steps},
                     {"max_step_share", r.thresholds.max_step_share},
                     {"max_drop_share", r.thresholds.max_drop_share}};
  j["totals"] = r.totals;
  j["suspects"] = rows(r.suspects);
  j["growing"] = rows(r.growing);
  j["stable"] = r.stable;
  return j;
}

std::string render_trend_json(const TrendReport& r) {
  return trend_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace leakscope::analyzer
