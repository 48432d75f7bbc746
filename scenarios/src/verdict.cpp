#include "leakscope/scenarios/verdict.h"

namespace leakscope::scenarios {

RunVerdict decide_verdict(const RunFacts& f) {
  RunVerdict v;
  if (f.variant == "leaky") {
    v.passed = f.top_suspect == f.expected_suspect;
    v.result = v.passed ? "leak detected in " + f.top_suspect
                        : "FAILED: expected suspect " + f.expected_suspect + ", got " +
                              (f.top_suspect.empty() ? "none" : f.top_suspect);
    return v;
  }
  bool reconnected = !f.cut_connections || f.connected_at_end;
  v.passed = f.suspects == 0 && f.lost == 0 && f.loadgen_ok && reconnected;
  if (v.passed) {
    v.result = "clean: no suspect, nothing lost";
    return v;
  }
  v.result =
      "FAILED: " + (f.top_suspect.empty() ? "" : "suspect " + f.top_suspect + "; ") + std::to_string(f.lost) + " lost";
  if (!f.loadgen_ok) v.result += "; loadgen failed";
  if (!reconnected) v.result += "; relay not connected to the broker at the end";
  return v;
}

}  // namespace leakscope::scenarios
