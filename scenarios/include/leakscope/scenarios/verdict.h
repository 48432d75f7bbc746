// A scenario run's pass/fail decision, apart from the run that gathers its facts, so each rule can
// be checked without a broker. Leaky: the trend must blame the expected function. Fixed: no suspect,
// nothing lost, loadgen finished, and a relay whose connection was being cut is connected at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace leakscope::scenarios {

struct RunFacts {
  std::string variant;           // leaky | fixed
  std::string expected_suspect;  // the function the leaky variant must be blamed on
  size_t suspects = 0;           // how many suspects the trend named
  std::string top_suspect;       // the first one's name; "" when none
  int64_t lost = 0;              // published - delivered - still queued
  bool loadgen_ok = true;        // loadgen published everything and exited 0
  bool cut_connections = false;  // the relay reached the broker through the fault proxy
  bool connected_at_end = true;  // the relay's fcm_relay_broker_connected at the end
};

struct RunVerdict {
  bool passed = false;
  std::string result;  // one line for verdict.json: what was found, or why it failed
};

RunVerdict decide_verdict(const RunFacts& facts);

}  // namespace leakscope::scenarios
