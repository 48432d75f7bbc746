// The port a `leakscope serve` child announced on stderr ("leakscope serve: http://127.0.0.1:PORT/").
#pragma once

#include <chrono>
#include <regex>
#include <string>

#include "child_process.h"

namespace leakscope::test {

// Waits up to `bound` for the announcement; 0 when none came.
inline int serve_port(ChildProcess& serve, std::chrono::milliseconds bound = std::chrono::seconds(60)) {
  if (!serve.wait_for_output("leakscope serve: http://", bound)) return 0;
  std::smatch m;
  std::string err = serve.err();
  return std::regex_search(err, m, std::regex(R"(http://127\.0\.0\.1:(\d+)/)")) ? std::stoi(m[1]) : 0;
}

// A series is read in the background after its first snapshot: waits up to `bound` for serve's
// "read N snapshots" line, after which every snapshot named at start is in (or was skipped).
inline bool serve_read_series(ChildProcess& serve, std::chrono::milliseconds bound = std::chrono::seconds(60)) {
  return serve.wait_for_output("leakscope serve: read ", bound);
}

}  // namespace leakscope::test
