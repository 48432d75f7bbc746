#include "debug_pages.h"

#include <nlohmann/json.hpp>

namespace leakscope::profiler {

std::string index_page() {
  return R"(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>/debug/pprof/</title></head>
<body>
<h1>/debug/pprof/</h1>
<p>leakscope heap profiling endpoints (Go net/http/pprof conventions).</p>
<table>
<tr><td><a href="heap">heap</a></td><td>Sampled heap profile (gzipped profile.proto; <a href="heap?debug=1">?debug=1</a> for text with allocator statistics, ?seconds=N for a delta, ?gc=1 to purge arenas first). Use: <code>go tool pprof http://HOST/debug/pprof/heap</code></td></tr>
<tr><td><a href="cmdline">cmdline</a></td><td>The command line of this process.</td></tr>
<tr><td><a href="/debug/vars">/debug/vars</a></td><td>Allocator statistics as JSON.</td></tr>
<tr><td><a href="/metrics">/metrics</a></td><td>Prometheus metrics.</td></tr>
<tr><td><a href="/debug/charts">/debug/charts</a></td><td>Live memory charts (last 10 minutes).</td></tr>
</table>
</body></html>
)";
}

// Self-contained (no CDN): polls /debug/charts/data every second and draws SVG polylines.
std::string charts_page() {
  return R"(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>leakscope memory charts</title>
<style>
body { font: 14px sans-serif; margin: 16px; }
.chart { margin-bottom: 18px; }
.chart h2 { font-size: 15px; margin: 4px 0; }
svg { background: #fafafa; border: 1px solid #ddd; }
polyline { fill: none; stroke-width: 2; }
.legend span { margin-right: 14px; }
</style></head>
<body>
<h1>Memory over time</h1>
<p id="status">waiting for data…</p>
<div class="chart"><h2>Bytes</h2>
<svg id="chart" width="900" height="320" viewBox="0 0 900 320">
<polyline id="line-allocated" stroke="#d62728"/>
<polyline id="line-active" stroke="#ff7f0e"/>
<polyline id="line-resident" stroke="#1f77b4"/>
<polyline id="line-rss" stroke="#2ca02c"/>
<text id="ymax" x="4" y="14" font-size="12"></text>
</svg>
<div class="legend"><span style="color:#d62728">■ allocated</span><span style="color:#ff7f0e">■ active</span><span style="color:#1f77b4">■ resident</span><span style="color:#2ca02c">■ RSS</span></div>
</div>
<table id="latest"></table>
<script>
const series = ["allocated", "active", "resident", "rss"];
function human(b) {
  const u = ["B", "kB", "MB", "GB", "TB"]; let i = 0;
  while (Math.abs(b) >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return (i ? b.toFixed(2) : b) + u[i];
}
function draw(points) {
  const w = 900, h = 320, pad = 20;
  const ymax = Math.max(1, ...points.flatMap(p => series.map(s => p[s])));
  const t0 = points.length ? points[0].t : 0, t1 = points.length ? points[points.length - 1].t : 1;
  const x = t => pad + (w - 2 * pad) * (t1 > t0 ? (t - t0) / (t1 - t0) : 1);
  const y = v => h - pad - (h - 2 * pad) * v / ymax;
  for (const s of series) {
    document.getElementById("line-" + s).setAttribute("points",
      points.map(p => x(p.t).toFixed(1) + "," + y(p[s]).toFixed(1)).join(" "));
  }
  document.getElementById("ymax").textContent = human(ymax);
  const last = points[points.length - 1];
  if (last) {
    document.getElementById("latest").innerHTML = series.map(s =>
      "<tr><td>" + s + "</td><td class='value' data-series='" + s + "'>" + human(last[s]) + "</td></tr>").join("");
  }
  document.getElementById("status").textContent = points.length + " samples";
  document.body.dataset.samples = points.length;
}
async function tick() {
  try {
    const r = await fetch("/debug/charts/data" + location.search);
    if (r.ok) draw(await r.json());
  } catch (e) { document.getElementById("status").textContent = "error: " + e; }
}
tick();
setInterval(tick, 1000);
</script>
</body></html>
)";
}

std::string charts_data_json(const std::vector<AllocatorStats>& history) {
  auto arr = nlohmann::json::array();
  for (const auto& s : history)
    arr.push_back({{"t", s.time_nanos / 1e9}, {"allocated", s.allocated}, {"active", s.active},
                   {"resident", s.resident}, {"rss", s.rss}});
  return arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string vars_json(const AllocatorStats& s) {
  nlohmann::ordered_json j = {{"allocated", s.allocated}, {"active", s.active},   {"resident", s.resident},
                              {"mapped", s.mapped},       {"retained", s.retained}, {"metadata", s.metadata},
                              {"rss", s.rss},             {"profiling_active", s.profiling_active},
                              {"fast_unwinder", s.fast_unwinder},
                              {"sample_period_bytes", s.sample_period}, {"snapshots", s.snapshots}};
  return nlohmann::ordered_json{{"memstats", j}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string stats_text_block(const AllocatorStats& s) {
  auto line = [](const char* name, uint64_t v) { return std::string("# ") + name + " = " + std::to_string(v) + "\n"; };
  return "\n# leakscope allocator statistics (jemalloc)\n" + line("Allocated", s.allocated) +
         line("Active", s.active) + line("Resident", s.resident) + line("Mapped", s.mapped) +
         line("Retained", s.retained) + line("Metadata", s.metadata) + line("RSS", s.rss) +
         line("SamplePeriod", s.sample_period) + line("ProfilingActive", s.profiling_active ? 1 : 0) +
         line("Snapshots", s.snapshots);
}

}  // namespace leakscope::profiler
