#include <iostream>
#include <map>
#include <memory>
#include <numeric>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/fleet_trend.h"
#include "leakscope/analyzer/series_files.h"
#include "leakscope/analyzer/trend_series.h"
#include "series_inputs.h"

namespace leakscope::cli {

namespace {
struct TrendArgs {
  std::vector<std::string> snapshots;
  std::string instance;
  ProfileOptions opt;
  bool json = false, fail_on_leak = false;
  size_t nodecount = 20;
  analyzer::TrendThresholds thresholds;
};
analyzer::TrendOptions trend_options(const TrendArgs& args) {
  return {args.opt.sample_index, stack_options(args.opt), args.thresholds};
}

// `members` of `profiles`, as one series.
std::vector<analyzer::SeriesSnapshot> series_of(const std::vector<analyzer::Profile>& profiles,
                                                const std::vector<analyzer::SeriesInput>& inputs,
                                                const std::vector<size_t>& members) {
  std::vector<analyzer::SeriesSnapshot> series;
  for (size_t m : members) series.push_back({&profiles[m], inputs[m].path});
  return series;
}
}  // namespace

void register_trend(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TrendArgs>();
  auto* cmd = app.add_subcommand(
      "trend",
      "Leak suspects from a series of heap snapshots: steady growth above sampling noise, per function (and per "
      "instance of a collected fleet)");
  cmd->add_option(
         "snapshots", args->snapshots,
         "two or more snapshots (ordered by their timestamps, else as given), or directories of a "
         "collected series (DIR/<instance>.<seq>.pb.gz, see collect): several instances are judged "
         "each on its own, then across the fleet. Every snapshot counts: one that cannot be read, or lacks the "
         "series' sample type, is one error line naming it, exit 2 (serve skips it with a warning instead); "
         "hidden and temporary (.tmp) files in a DIR are left out")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--instance", args->instance,
                  "in a DIR written by `leakscope collect` with several instances: judge this one only");
  add_profile_options(cmd, args->opt);
  cmd->add_flag(
      "--json", args->json,
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
    std::vector<analyzer::SeriesInput> inputs;
    if (args->instance.empty()) {
      inputs = analyzer::expand_series_dirs(args->snapshots);
    } else {
      for (auto& path : series_sources(args->snapshots, args->instance)) inputs.push_back({path, args->instance});
    }
    std::vector<analyzer::Profile> profiles;
    for (const auto& in : inputs) profiles.push_back(load_profile(in.path, args->opt));
    // Several instances (a collected fleet): each judged on its own, then across the fleet.
    std::map<std::string, std::vector<size_t>> by_instance;
    for (size_t i = 0; i < profiles.size(); ++i) {
      std::string instance = analyzer::instance_of(profiles[i]);
      by_instance[instance.empty() ? inputs[i].instance : instance].push_back(i);
    }
    if (by_instance.size() <= 1) {
      std::vector<size_t> all(profiles.size());
      std::iota(all.begin(), all.end(), 0);
      analyzer::SeriesTrend t = analyzer::make_series_trend(series_of(profiles, inputs, all), trend_options(*args));
      std::cout << (args->json ? analyzer::render_series_trend_json(t)
                               : analyzer::render_series_trend_text(t, args->nodecount));
      exit_code = args->fail_on_leak && !t.trend.suspects.empty() ? 1 : 0;
      return;
    }
    std::vector<analyzer::InstanceTrend> judged;
    std::vector<std::string> too_short;
    for (const auto& [instance, members] : by_instance) {
      std::string name = instance.empty() ? "(no instance label)" : instance;
      if (members.size() < 2)
        too_short.push_back(name);
      else
        judged.push_back({name, analyzer::make_trend(series_of(profiles, inputs, members), trend_options(*args))});
    }
    analyzer::FleetTrend f = analyzer::make_fleet_trend(std::move(judged), std::move(too_short));
    std::cout << (args->json ? analyzer::render_fleet_json(f) : analyzer::render_fleet_text(f, args->nodecount));
    exit_code = args->fail_on_leak && !f.suspects.empty() ? 1 : 0;
  });
}

}  // namespace leakscope::cli
