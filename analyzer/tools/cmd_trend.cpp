#include <algorithm>
#include <iostream>
#include <memory>
#include <numeric>

#include "cli_common.h"
#include "commands.h"
#include "series_inputs.h"
#include "leakscope/analyzer/input_error.h"
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
}  // namespace

void register_trend(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TrendArgs>();
  auto* cmd = app.add_subcommand(
      "trend", "Leak suspects from a series of heap snapshots: steady growth above sampling noise, per function");
  cmd->add_option("snapshots", args->snapshots,
                  "two or more snapshots (ordered by their timestamps, else as given), or a DIR of them (in name "
                  "order, numbers compared as numbers; `leakscope collect`'s <instance>.<seq>.pb.gz by sequence)")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--instance", args->instance, "in a DIR written by `leakscope collect` with several instances: this one");
  add_profile_options(cmd, args->opt);
  cmd->add_flag("--json", args->json,
                R"(print {"snapshots","sample_type","unit","suspects":[{"name","slope_bytes_per_s","growth","r2",...,"rule","why"}],...})");
  cmd->add_flag("--fail-on-leak", args->fail_on_leak, "exit 1 when there is a leak suspect (a CI verdict)");
  cmd->add_option("--nodecount", args->nodecount, "rows per table in the text report (0: all)");
  cmd->add_option("--min-r2", args->thresholds.min_r2, "suspects need a linear fit at least this good (default 0.8)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-monotonicity", args->thresholds.min_monotonicity,
                  "suspects need at least this share of rising steps (default 0.7)")
      ->check(CLI::Range(0.0, 1.0));
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
    args->snapshots = series_sources(args->snapshots, args->instance);
    if (args->snapshots.size() < 2)
      throw InputError(args->snapshots.front(), "", "a trend needs two or more snapshots, got one");
    std::vector<Profile> profiles;
    for (const auto& path : args->snapshots) profiles.push_back(load_profile(path, args->opt));
    int index = sample_index_for(profiles.front(), args->opt.sample_index, args->snapshots.front());
    const ValueType type = profiles.front().sample_types[index];
    bool have_times = std::all_of(profiles.begin(), profiles.end(), [](const Profile& p) { return p.time_nanos > 0; });
    std::vector<size_t> order(profiles.size());
    std::iota(order.begin(), order.end(), 0);
    if (have_times)
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return profiles[a].time_nanos < profiles[b].time_nanos; });
    StackOptions so = stack_options(args->opt);
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
      int i = sample_index_for(p, type.type, args->snapshots[order[k]]);
      series.push_back(aggregate(p, StackTable(p, so), i));
      times.push_back(have_times ? static_cast<double>(p.time_nanos - profiles[order[0]].time_nanos) / 1e9
                                 : static_cast<double>(k));
      period = std::max(period, p.period);
    }
    if (work.size() != series.size()) work.clear();  // only when every snapshot has a count
    TrendReport r = make_trend(series, times, type, period, args->thresholds, work, work_unit);
    r.times_from_files = !have_times;
    std::cout << (args->json ? render_trend_json(r) : render_trend_text(r, args->nodecount));
    exit_code = args->fail_on_leak && !r.suspects.empty() ? 1 : 0;
  });
}

}  // namespace leakscope::cli
