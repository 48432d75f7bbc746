// scenario-run (scenarios/run): replays one leak scenario end to end and writes verdict.json and an
// HTML report. Exit codes: 0 the verdict holds (leaky: the expected suspect; fixed: clean, nothing
// lost), 1 it does not, 2 bad usage or a part failed to start, 130 interrupted.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "leakscope/scenarios/scenario_runner.h"

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  using namespace leakscope::scenarios;
  std::string names;
  for (const auto& s : all_scenarios()) names += (names.empty() ? "" : ", ") + s.name;
  CLI::App app{
      "Replays a leak from fcm-relay's history against a private RabbitMQ broker and asks leakscope for a "
      "verdict.\nScenarios: " +
      names +
      ".\nExit codes: 0 verdict holds, 1 it does not, 2 usage or startup "
      "error, 130 interrupted."};
  app.name("scenarios/run");
  std::string name;
  RunOptions o;
  bool list = false;
  app.add_option("name", name, "scenario: " + names);
  app.add_option("--variant", o.variant, "leaky (the historic defect on) or fixed (production mode)")
      ->check(CLI::IsMember({"leaky", "fixed"}));
  auto* duration = app.add_option("--duration", o.duration_s, "seconds of load (default: the scenario's)")
                       ->check(CLI::Range(3.0, 3600.0));
  app.add_option("--messages", o.messages, "jobs to publish (instead of --duration)")->excludes(duration);
  app.add_option("--lg-sample", o.lg_sample,
                 "heap sampling: mean 2^N bytes between samples (default: the scenario's; production: 19)")
      ->check(CLI::Range(0, 30));
  app.add_option("--out", o.out_dir, "output directory (default: scenario-runs/NAME-VARIANT)");
  app.add_flag("--list", list, "print the scenarios and their stories");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "scenarios/run: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (list) {
    for (const auto& s : all_scenarios()) std::cout << s.name << ": " << s.story << "\n\n";
    return 0;
  }
  try {
    if (name.empty()) throw std::invalid_argument("name a scenario (" + names + ")");
    const ScenarioSpec& spec = find_scenario(name);
    if (o.out_dir.empty()) o.out_dir = "scenario-runs/" + name + "-" + o.variant;
    o.out_dir = std::filesystem::absolute(o.out_dir).string();
    o.bin_dir = std::filesystem::canonical("/proc/self/exe").parent_path().string();
    o.tty = isatty(STDERR_FILENO);
    o.stop = &g_stop;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_signal);
    RunResult r = run_scenario(spec, o, std::cerr);
    if (r.interrupted) return 130;
    const auto& v = r.verdict;
    std::cout << "\n"
              << spec.name << " (" << o.variant << "): " << v["result"].get<std::string>() << "\n"
              << "  published " << v["published"] << ", delivered " << v["delivered"] << ", still queued "
              << v["still_queued"] << ", lost " << v["lost"] << ", duplicates " << v["duplicates"] << "\n"
              << "  relay RSS " << v["rss_start"].get<int64_t>() / 1048576 << " MiB -> "
              << v["rss_end"].get<int64_t>() / 1048576 << " MiB over " << v["snapshots"] << " heap snapshots\n"
              << "  verdict: " << display_path(r.verdict_path) << "\n  report:  " << display_path(r.report_path)
              << "\n";
    return r.passed ? 0 : 1;
  } catch (const std::invalid_argument& e) {
    std::cerr << "scenarios/run: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "scenarios/run: " << e.what() << "\n";
    return 2;
  }
}
