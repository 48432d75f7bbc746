// Runs one scenario end to end: a private broker, fake-fcm, fcm-relay taking periodic heap snapshots,
// loadgen (and a fault proxy when the scenario cuts connections); then `leakscope trend` for the
// verdict and `leakscope report` for the pages. Every process it starts is stopped when it returns,
// on success, failure or interruption.
#pragma once

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "leakscope/scenarios/scenario.h"

namespace leakscope::scenarios {

struct RunOptions {
  std::string variant = "leaky";  // leaky | fixed
  double duration_s = 0;          // 0: the scenario's default
  uint64_t messages = 0;          // > 0: publish this many (the duration follows from the rate)
  int lg_sample = -1;             // >= 0: heap sampling 2^N bytes instead of the scenario's (19: production)
  std::string out_dir;
  std::string bin_dir;                      // fcm-relay, fake-fcm, loadgen and leakscope
  bool tty = false;                         // progress rewrites one line
  const std::atomic<bool>* stop = nullptr;  // set on Ctrl-C / SIGTERM
};

struct RunResult {
  bool interrupted = false;
  bool passed = false;
  nlohmann::ordered_json verdict;
  std::string verdict_path, report_path;
};

// `path` relative to the current directory when it lies inside it (so printed paths can be pasted and
// read the same on every machine), else as given.
std::string display_path(const std::string& path);

// Throws std::runtime_error when a part cannot start (broker, relay...), after stopping the rest.
RunResult run_scenario(const ScenarioSpec& spec, const RunOptions& options, std::ostream& progress);

}  // namespace leakscope::scenarios
