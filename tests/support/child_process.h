// Tests start their programs with the one launcher (process::ChildProcess), logging into the test
// scratch dir, and find a profiled program's debug endpoints from the profiler's readiness event.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "leakscope/process/child_process.h"

namespace leakscope::test {

class ChildProcess : public process::ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides)
      : process::ChildProcess(argv, env_overrides, LEAKSCOPE_TEST_SCRATCH) {}
};

// The profiler's event lines {"event":"listening","what":"debug","addr":...,"port":P,"pid":N} in `text`.
inline std::vector<nlohmann::json> debug_listening_events(const std::string& text) {
  return process::event_lines(text, "listening", {{"what", "debug"}});
}

// The port of the child's debug endpoints from the first such event on its stderr so far, or -1.
inline int debug_port(const process::ChildProcess& child) {
  auto events = debug_listening_events(child.err());
  return events.empty() ? -1 : events[0].value("port", -1);
}

// Waits (bounded) for the profiler's event; its port, or -1 on timeout or exit.
inline int wait_for_debug_port(process::ChildProcess& child,
                               std::chrono::milliseconds bound = std::chrono::seconds(30)) {
  auto event = child.wait_for_event("listening", bound, {{"what", "debug"}});
  return event ? event->value("port", -1) : -1;
}

}  // namespace leakscope::test
