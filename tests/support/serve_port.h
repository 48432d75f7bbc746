// Readiness of a `leakscope serve` child, from its JSON event lines on stderr (not its human text):
// {"event":"listening","what":"serve","port":P,...} once it listens, and
// {"event":"series_read","snapshots":N,"skipped":K} once a series named at start is read.
#pragma once

#include <chrono>
#include <string>

#include "child_process.h"

namespace leakscope::test {

// Waits up to `bound` for the listening event; its port, or 0 when none came.
inline int serve_port(ChildProcess& serve, std::chrono::milliseconds bound = std::chrono::seconds(60)) {
  auto event = serve.wait_for_event("listening", bound, {{"what", "serve"}});
  return event ? event->value("port", 0) : 0;
}

// A series is read in the background after its first snapshot: waits up to `bound` for the
// series_read event, after which every snapshot named at start is in (or was skipped).
inline bool serve_read_series(ChildProcess& serve, std::chrono::milliseconds bound = std::chrono::seconds(60)) {
  return serve.wait_for_event("series_read", bound).has_value();
}

}  // namespace leakscope::test
