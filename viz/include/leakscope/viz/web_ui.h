// `leakscope serve`: a web UI in the spirit of `pprof -http`, served on loopback by default. Views:
// Top, Graph, Flame Graph, Peek, Source; a sample-type menu; Refine (focus, ignore, hide, reset);
// search; download of the profile. Given a snapshot series instead: a Timeline view (memory over
// time, a window chosen on the chart, the trend verdict for it, GET /api/timeline); Top, Graph,
// Flame Graph, Peek and Source show the window's growth (?from=I&to=J). Everything is rendered
// server-side from the analyzer and viz (no script libraries, no CDN), so it works on a machine with
// no network.
#pragma once

#include <memory>
#include <string>

#include "leakscope/analyzer/profile.h"

namespace leakscope::viz {

class SnapshotSeries;

struct WebUiInput {
  std::string profile_name, base_name;
  analyzer::Profile now;
  analyzer::Profile base;
  bool has_base = false;
  bool normalize = false;
  bool keep_allocator_frames = false;
  std::vector<std::string> source_path;
  // Set: serve this series (profile_name, now, base unused); snapshots may be added while serving.
  std::shared_ptr<SnapshotSeries> series;
};

class WebUi {
 public:
  explicit WebUi(WebUiInput input);
  ~WebUi();
  // Binds `address` ("host:port", port 0: a free one); returns the port. Throws std::runtime_error.
  int bind(const std::string& address);
  // Serves until stop() (from another thread or a signal watcher).
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::viz
