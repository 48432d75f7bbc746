// The Timeline view of `leakscope serve` over a snapshot series: memory over time (totals, the top
// functions, the profiler's allocated/resident figures when the snapshots carry them), a window
// chosen by dragging on the chart or clicking two snapshots, and the trend verdict for that window;
// and the same facts as JSON for GET /api/timeline.
#pragma once

#include <cstddef>
#include <string>

#include "leakscope/viz/snapshot_series.h"

namespace leakscope::viz {

struct TimelineWindow {
  size_t from = 0, to = 0;  // snapshot indices, from <= to
  bool chosen = false;      // false: no window in the URL (the whole series)
};

// The page's body below the navigation; `query` is the view state for links (carries the window).
std::string render_timeline_section(const SnapshotSeries& series, const TimelineWindow& w, const std::string& query);

// {"sample_type","unit","window":{"from","to"},"loading":{"read","expected"} (null once the whole
// series is read),"snapshots":[{"index","file","time","offset_s","total",
// "allocated","resident","rss"}],"suspects":[...],"growing":[...]}; suspects and growing rows are
// `leakscope trend --json`'s, over the window.
std::string render_timeline_json(const SnapshotSeries& series, const TimelineWindow& w);

// GET /api/series, what the Timeline page polls (cheap: no verdict):
// {"snapshots","generation","loading":{"read","expected"} or null}; `generation` changes with every
// snapshot added.
std::string render_series_state_json(const SnapshotSeries& series);

}  // namespace leakscope::viz
