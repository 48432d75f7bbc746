#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/age_report.h"
#include "leakscope/analyzer/fleet_trend.h"
#include "series_inputs.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/series_files.h"
#include "leakscope/analyzer/trend_ages.h"
#include "leakscope/analyzer/trend_report.h"
#include "leakscope/analyzer/work_counter.h"

namespace leakscope::cli {

namespace {
struct TrendArgs {
  std::vector<std::string> snapshots;
  std::string instance;
  ProfileOptions opt;
  bool json = false, fail_on_leak = false;
  size_t nodecount = 20;
  TrendThresholds thresholds;
};
// `members` of `profiles` in series order: by collection time when every snapshot has one, else as given.
std::vector<size_t> series_order(const std::vector<Profile>& profiles, const std::vector<size_t>& members) {
  std::vector<size_t> order = members;
  if (std::all_of(members.begin(), members.end(), [&](size_t m) { return profiles[m].time_nanos > 0; }))
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return profiles[a].time_nanos < profiles[b].time_nanos; });
  return order;
}

// One series (`members` of `profiles`), in series_order.
TrendReport trend_of(const std::vector<Profile>& profiles, const std::vector<SeriesInput>& inputs,
                     const std::vector<size_t>& members, const TrendArgs& args) {
  const Profile& first = profiles[members.front()];
  int index = sample_index_for(first, args.opt.sample_index, inputs[members.front()].path);
  const ValueType type = first.sample_types[index];
  bool have_times = std::all_of(members.begin(), members.end(), [&](size_t m) { return profiles[m].time_nanos > 0; });
  std::vector<size_t> order = series_order(profiles, members);
  StackOptions so = stack_options(args.opt);
  std::vector<Aggregate> series;
  std::vector<double> times;
  int64_t period = 1;
  std::vector<int64_t> work;
  std::string work_unit;
  for (size_t k = 0; k < order.size(); ++k) {
    const Profile& p = profiles[order[k]];
    if (auto w = work_count_of(p)) {
      work.push_back(w->value);
      work_unit = w->unit;
    }
    int i = sample_index_for(p, type.type, inputs[order[k]].path);
    series.push_back(aggregate(p, StackTable(p, so), i));
    times.push_back(have_times ? static_cast<double>(p.time_nanos - profiles[order[0]].time_nanos) / 1e9
                               : static_cast<double>(k));
    period = std::max(period, p.period);
  }
  if (work.size() != series.size()) work.clear();  // only when every snapshot has a count
  TrendReport r = make_trend(series, times, type, period, args.thresholds, work, work_unit);
  r.times_from_files = !have_times;
  return r;
}

// The trend's report, with the age shapes of its rows when the newest snapshot carries ages.
std::string render_with_ages(const TrendReport& r, const Profile& newest, const StackTable& stacks, int index,
                             bool json, size_t nodecount) {
  AgeReport ages = make_age_report(newest, stacks, index, 0);
  if (!ages.has_ages()) return json ? render_trend_json(r) : render_trend_text(r, nodecount);
  TrendAges a = trend_ages(r, ages);
  if (!json) return render_trend_text(r, nodecount) + render_trend_ages_text(a, r.sample_type.unit);
  auto j = nlohmann::ordered_json::parse(render_trend_json(r));
  j["age"] = trend_ages_json(a);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}
}  // namespace

void register_trend(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TrendArgs>();
  auto* cmd = app.add_subcommand(
      "trend",
      "Leak suspects from a series of heap snapshots: steady growth above sampling noise, per function (and per "
      "instance of a collected fleet)");
  cmd->add_option("snapshots", args->snapshots,
                  "two or more snapshots (ordered by their timestamps, else as given), or directories of a "
                  "collected series (DIR/<instance>.<seq>.pb.gz, see collect): several instances are judged "
                  "each on its own, then across the fleet")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--instance", args->instance,
                  "in a DIR written by `leakscope collect` with several instances: judge this one only");
  add_profile_options(cmd, args->opt);
  cmd->add_flag("--json", args->json,
                R"(print {"snapshots","sample_type","unit","suspects":[{"name","slope_bytes_per_s","growth","r2",...,"rule","why"}],...})"
                " and, when the newest snapshot has allocation ages, \"age\":{\"rows\":[{\"name\",\"shape\",\"reading\"}]}");
  cmd->add_flag("--fail-on-leak", args->fail_on_leak, "exit 1 when there is a leak suspect (a CI verdict)");
  cmd->add_option("--nodecount", args->nodecount, "rows per table in the text report (0: all)");
  cmd->add_option("--min-r2", args->thresholds.min_r2, "suspects need a linear fit at least this good (default 0.8)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-monotonicity", args->thresholds.min_monotonicity,
                  "suspects need at least this share of rising steps (default 0.7)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-late-share", args->thresholds.min_late_share,
                  "suspects by the fit must still rise at the end: the last third of the steps brings at least this "
                  "share of what the fitted slope predicts for them (default 0.25; 0 turns it off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--noise-sigmas", args->thresholds.noise_sigmas,
                  "growth must exceed this many sampling standard deviations (default 3)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-sampled-periods", args->thresholds.min_sampled_periods,
                  "sampled counting: growth of at least this many sampling periods (default 2.5)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-sampled-bytes", args->thresholds.min_sampled_bytes,
                  "sampled counting also needs this much growth in bytes (default 1 MiB: at fine sampling the steady "
                  "fit decides)");
  cmd->add_option("--min-rising-steps", args->thresholds.min_rising_steps,
                  "sampled counting: rose in at least this many steps (default 2)");
  cmd->add_option("--max-step-share", args->thresholds.max_step_share,
                  "sampled counting: no single step brought more than this share of the growth (default 0.7)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-drop-share", args->thresholds.max_drop_share,
                  "sampled counting: never fell by more than this share of the growth (default 0.1)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &exit_code] {
    std::vector<SeriesInput> inputs;
    if (args->instance.empty()) {
      inputs = expand_series_dirs(args->snapshots);
    } else {
      for (auto& path : series_sources(args->snapshots, args->instance)) inputs.push_back({path, args->instance});
    }
    std::vector<Profile> profiles;
    for (const auto& in : inputs) profiles.push_back(load_profile(in.path, args->opt));
    // Several instances (a collected fleet): each judged on its own, then across the fleet.
    std::map<std::string, std::vector<size_t>> by_instance;
    for (size_t i = 0; i < profiles.size(); ++i) {
      std::string instance = instance_of(profiles[i]);
      by_instance[instance.empty() ? inputs[i].instance : instance].push_back(i);
    }
    if (by_instance.size() <= 1) {
      if (profiles.size() < 2)
        throw InputError(inputs.front().path, "", "a trend needs two or more snapshots, got one");
      std::vector<size_t> all(profiles.size());
      std::iota(all.begin(), all.end(), 0);
      TrendReport r = trend_of(profiles, inputs, all, *args);
      size_t newest = series_order(profiles, all).back();  // the one whose ages are shown
      int newest_index = sample_index_for(profiles[newest], r.sample_type.type, inputs[newest].path);
      std::cout << render_with_ages(r, profiles[newest], StackTable(profiles[newest], stack_options(args->opt)),
                                    newest_index, args->json, args->nodecount);
      exit_code = args->fail_on_leak && !r.suspects.empty() ? 1 : 0;
      return;
    }
    std::vector<InstanceTrend> judged;
    std::vector<std::string> too_short;
    for (const auto& [instance, members] : by_instance) {
      std::string name = instance.empty() ? "(no instance label)" : instance;
      if (members.size() < 2)
        too_short.push_back(name);
      else
        judged.push_back({name, trend_of(profiles, inputs, members, *args)});
    }
    FleetTrend f = make_fleet_trend(std::move(judged), std::move(too_short));
    std::cout << (args->json ? render_fleet_json(f) : render_fleet_text(f, args->nodecount));
    exit_code = args->fail_on_leak && !f.suspects.empty() ? 1 : 0;
  });
}

}  // namespace leakscope::cli
