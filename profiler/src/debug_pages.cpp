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
<tr><td><a href="allocs">allocs</a></td><td>The same profile with alloc_space (all bytes allocated since start) as the default type; needs MALLOC_CONF=prof_accum:true, else it is the heap profile. Use: <code>go tool pprof http://HOST/debug/pprof/allocs</code></td></tr>
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
<polyline id="line-sampled_heap" stroke="#9467bd" stroke-dasharray="4 3"/>
<polyline id="line-profiler" stroke="#7f7f7f"/>
<text id="ymax" x="4" y="14" font-size="12"></text>
</svg>
<div class="legend"><span style="color:#d62728">■ allocated (service)</span><span style="color:#ff7f0e">■ active</span><span style="color:#1f77b4">■ resident</span><span style="color:#2ca02c">■ RSS</span><span style="color:#9467bd">■ sampled heap (snapshots)</span><span style="color:#7f7f7f">■ profiler's own</span></div>
<p>The profiler's own memory (its arena, the 16 KiB extents jemalloc gives sampled objects, jemalloc's records of sampled stacks) is not in the service line. RSS = jemalloc resident + other anonymous + file-backed.</p>
</div>
<p id="promotion"></p>
<table id="latest"></table>
<script>
const series = ["allocated", "active", "resident", "rss", "sampled_heap", "profiler"];
function human(b) {
  const u = ["B", "kB", "MB", "GB", "TB"]; let i = 0;
  while (Math.abs(b) >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return (i ? b.toFixed(2) : b) + u[i];
}
function draw(points) {
  const w = 900, h = 320, pad = 20;
  const ymax = Math.max(1, ...points.flatMap(p => series.map(s => p[s] || 0)));
  const t0 = points.length ? points[0].t : 0, t1 = points.length ? points[points.length - 1].t : 1;
  const x = t => pad + (w - 2 * pad) * (t1 > t0 ? (t - t0) / (t1 - t0) : 1);
  const y = v => h - pad - (h - 2 * pad) * v / ymax;
  for (const s of series) {
    document.getElementById("line-" + s).setAttribute("points",
      points.filter(p => p[s] !== undefined).map(p => x(p.t).toFixed(1) + "," + y(p[s]).toFixed(1)).join(" "));
  }
  document.getElementById("ymax").textContent = human(ymax);
  const last = points[points.length - 1];
  if (last) {
    document.getElementById("latest").innerHTML = series.map(s =>
      "<tr><td>" + s + "</td><td class='value' data-series='" + s + "'>" + (last[s] === undefined ? "–" : human(last[s])) + "</td></tr>").join("");
  }
  // Sample promotion is read off snapshots: say how old the figure in "profiler's own" is.
  document.getElementById("promotion").textContent = !last ? "" : last.sample_promotion_time === undefined
    ? "Sample promotion: not measured (no snapshot since start or since prof.reset); profiler's own leaves it out."
    : "Sample promotion in profiler's own: as of the snapshot at " + new Date(last.sample_promotion_time * 1000).toISOString() +
      " (" + Math.max(0, last.t - last.sample_promotion_time).toFixed(0) + " s before the latest sample).";
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
  for (const auto& s : history) {
    nlohmann::json point = {{"t", s.time_nanos / 1e9},
                            {"allocated", s.service_allocated()},
                            {"active", s.active},
                            {"resident", s.resident},
                            {"rss", s.rss},
                            {"profiler", s.profiler_own()},
                            {"rss_other_anon", s.rss_other_anon()},
                            {"rss_file", s.rss_file}};
    if (s.sampled_heap >= 0) point["sampled_heap"] = s.sampled_heap;
    if (s.sample_promotion_time_nanos != 0) point["sample_promotion_time"] = s.sample_promotion_time_nanos / 1e9;
    arr.push_back(std::move(point));
  }
  return arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

nlohmann::ordered_json memory_decomposition_json(const AllocatorStats& s) {
  nlohmann::ordered_json sampled = nullptr;
  if (s.sampled_heap >= 0) sampled = {{"bytes", s.sampled_heap}, {"time", s.sampled_heap_time_nanos / 1e9}};
  // The promotion is read off a snapshot: when (null before one, and after a prof.reset).
  nlohmann::ordered_json promotion_time = nullptr;
  if (s.sample_promotion_time_nanos != 0) promotion_time = s.sample_promotion_time_nanos / 1e9;
  return {{"sampled_heap", sampled},
          {"jemalloc",
           {{"allocated", s.allocated},
            {"active", s.active},
            {"fragmentation", s.fragmentation()},
            {"metadata", s.metadata},
            {"resident", s.resident},
            {"retained", s.retained},
            {"mapped", s.mapped}}},
          {"service_allocated", s.service_allocated()},
          {"thread_caches", s.thread_caches},
          {"profiler",
           {{"allocated", s.profiler_allocated},
            {"resident", s.profiler_resident},
            {"sample_promotion", s.sample_promotion},
            {"sample_promotion_time", promotion_time},
            {"allocator_internal", s.allocator_internal}}},
          {"rss",
           {{"total", s.rss},
            {"jemalloc_resident", s.rss_jemalloc()},
            {"other_anon", s.rss_other_anon()},
            {"file", s.rss_file},
            {"shmem", s.rss_shmem}}}};
}

}  // namespace

std::string vars_json(const AllocatorStats& s) {
  nlohmann::ordered_json j = {{"allocated", s.allocated},
                              {"active", s.active},
                              {"resident", s.resident},
                              {"mapped", s.mapped},
                              {"retained", s.retained},
                              {"metadata", s.metadata},
                              {"rss", s.rss},
                              {"profiling_active", s.profiling_active},
                              {"fast_unwinder", s.fast_unwinder},
                              {"sample_period_bytes", s.sample_period},
                              {"snapshots", s.snapshots},
                              {"program_profiling_resets", s.program_profiling_resets},
                              {"sampling_paused_for_dumps_ns", s.sampling_paused_nanos}};
  return nlohmann::ordered_json{{"memstats", j}, {"memory", memory_decomposition_json(s)}}.dump(
             2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

std::string stats_text_block(const AllocatorStats& s) {
  auto line = [](const char* name, uint64_t v) { return std::string("# ") + name + " = " + std::to_string(v) + "\n"; };
  std::string out =
      "\n# leakscope allocator statistics (jemalloc)\n" + line("Allocated", s.allocated) + line("Active", s.active) +
      line("Fragmentation", s.fragmentation()) + line("Resident", s.resident) + line("Mapped", s.mapped) +
      line("Retained", s.retained) + line("Metadata", s.metadata) + line("ServiceAllocated", s.service_allocated()) +
      line("ProfilerAllocated", s.profiler_allocated) + line("ProfilerResident", s.profiler_resident) +
      line("SamplePromotion", s.sample_promotion) +
      (s.sample_promotion_time_nanos != 0
           ? line("SamplePromotionTimeSeconds", static_cast<uint64_t>(s.sample_promotion_time_nanos / 1000000000))
           : std::string("# SamplePromotionTimeSeconds = none (no snapshot since start or prof.reset)\n")) +
      line("AllocatorInternal", s.allocator_internal) + line("ThreadCaches", s.thread_caches);
  if (s.sampled_heap >= 0) out += line("SampledHeap", static_cast<uint64_t>(s.sampled_heap));
  out += "# RSS = JemallocResident + OtherAnon + File + Shmem\n" + line("RSS", s.rss) +
         line("JemallocResident", s.rss_jemalloc()) + line("OtherAnon", s.rss_other_anon()) + line("File", s.rss_file) +
         line("Shmem", s.rss_shmem) + line("SamplePeriod", s.sample_period) +
         line("ProfilingActive", s.profiling_active ? 1 : 0) + line("Snapshots", s.snapshots) +
         line("SamplingPausedForDumpsMicroseconds", s.sampling_paused_nanos / 1000);
  return out;
}

}  // namespace leakscope::profiler
