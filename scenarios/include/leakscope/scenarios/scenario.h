// The leak scenarios: each replays one story from the relay's history against a real broker, in a
// leaky variant (the historic defect switched on) and a fixed one (production mode).
#pragma once

#include <string>
#include <vector>

namespace leakscope::scenarios {

struct ScenarioVariant {
  std::vector<std::string> relay_flags;
};

struct ScenarioSpec {
  std::string name;
  std::string story;                   // what happened in production, in two sentences
  std::vector<std::string> fcm_flags;  // fake-fcm: latency, concurrency
  double publish_rate = 0;             // jobs per second, spread over the run
  int payload_bytes = 0;
  double cut_every_s = 0;  // > 0: the relay reaches the broker through a fault proxy cutting this often
  int lg_sample = 14;      // heap sampling: mean 2^N bytes between samples
  double snapshot_interval_s = 1;
  double default_duration_s = 20;
  std::string expected_suspect;  // the function the leaky variant must be blamed on
  ScenarioVariant leaky, fixed;
};

const std::vector<ScenarioSpec>& all_scenarios();
// Throws std::invalid_argument naming the known scenarios.
const ScenarioSpec& find_scenario(const std::string& name);

}  // namespace leakscope::scenarios
