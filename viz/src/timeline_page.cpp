#include "leakscope/viz/timeline_page.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "leakscope/analyzer/units.h"
#include "leakscope/http/query_params.h"
#include "leakscope/viz/line_chart.h"
#include "leakscope/viz/markup.h"

namespace leakscope::viz {

extern const char kTimelineScript[];  // assets/timeline.js, embedded at build time

namespace {

constexpr size_t kChartFunctions = 5;

// A trend over fewer snapshots has no steps to judge.
bool has_verdict(const TimelineWindow& w) { return w.to >= w.from + 2; }

TimelineWindow whole_if_unchosen(const SnapshotSeries& s, TimelineWindow w) {
  if (!w.chosen) w = {0, s.size() - 1, false};
  return w;
}

// An RE2 pattern matching exactly `name` (focus, peek and source take patterns).
std::string exact_pattern(const std::string& name) {
  std::string out = "^";
  for (char c : name) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out + "$";
}

std::string with_query(const std::string& path, const std::string& query, const std::string& more) {
  std::string q = query;
  if (!more.empty()) q += (q.empty() ? "" : "&") + more;
  return path + (q.empty() ? "" : "?" + q);
}

std::vector<ChartSeries> chart_series(const SnapshotSeries& s, const std::vector<SnapshotSummary>& snaps,
                                      const std::vector<double>& times) {
  std::vector<ChartSeries> out;
  ChartSeries total{"total " + s.sample_type().type, times, {}};
  for (const auto& x : snaps) total.y.push_back(static_cast<double>(x.total));
  out.push_back(std::move(total));
  // The top functions stacked under the total: the gap between the stack's top and the total is
  // every other function.
  for (const auto& name : s.top_functions(kChartFunctions)) {
    ChartSeries f{name, times, {}, true};
    for (int64_t v : s.values_of(name)) f.y.push_back(static_cast<double>(v));
    out.push_back(std::move(f));
  }
  // The profiler's figures, when every snapshot carries them (a partial line would mislead).
  bool figures = std::all_of(snaps.begin(), snaps.end(), [](const SnapshotSummary& x) { return x.memory.has_value(); });
  if (figures && s.sample_type().unit == "bytes") {
    ChartSeries allocated{"jemalloc allocated", times, {}}, resident{"jemalloc resident", times, {}},
        rss{"RSS", times, {}};
    for (const auto& x : snaps) {
      allocated.y.push_back(static_cast<double>(x.memory->allocated));
      resident.y.push_back(static_cast<double>(x.memory->resident));
      rss.y.push_back(static_cast<double>(x.memory->rss));
    }
    out.push_back(std::move(allocated));
    out.push_back(std::move(resident));
    if (std::all_of(rss.y.begin(), rss.y.end(), [](double v) { return v > 0; })) out.push_back(std::move(rss));
  }
  return out;
}

std::string snapshot_label(const SnapshotSummary& s, size_t index, double offset_s, const analyzer::ValueType& type) {
  return "snapshot " + std::to_string(index) + " (" + std::filesystem::path(s.file).filename().string() + ", " +
         format_double("%.1f", offset_s) + " s, total " + analyzer::format_value(s.total, type.unit) + ")";
}

std::string verdict_table(const analyzer::TrendReport& r, const std::string& query) {
  if (r.suspects.empty())
    return "<p id=\"no-suspects\">No leak suspect in this window (" + std::to_string(r.growing.size()) + " growing, " +
           std::to_string(r.stable) + " stable).</p>\n";
  std::string rows;
  for (const auto& row : r.suspects) {
    std::string focus = "focus=" + http::encode_query_component(exact_pattern(row.name));
    std::string regex = "regex=" + http::encode_query_component(exact_pattern(row.name));
    auto link = [&](const char* path, const std::string& more, const char* text) {
      return "<a href=\"" + xml_escape(with_query(path, query, more)) + "\">" + text + "</a>";
    };
    rows += "<tr class=\"suspect\"><td class=\"name\">" + xml_escape(row.name) + "</td><td class=\"n\">" +
            analyzer::format_value(row.growth, r.sample_type.unit) + "</td><td>" + xml_escape(row.rule) + "</td><td>" +
            xml_escape(row.why) + "</td><td>" + link("/ui/top", focus, "top") + " " +
            link("/ui/graph", focus, "graph") + " " + link("/ui/flame", focus, "flame") + " " +
            link("/ui/peek", regex, "peek") + " " + link("/ui/source", regex, "source") + "</td></tr>\n";
  }
  return "<table class=\"data\" id=\"suspects\"><thead><tr><th>suspect</th><th class=\"n\">growth</th><th>rule</th>"
         "<th>why</th><th>views</th></tr></thead><tbody>\n" +
         rows + "</tbody></table>\n";
}

}  // namespace

std::string render_timeline_section(const SnapshotSeries& series, const TimelineWindow& chosen,
                                    const std::string& query) {
  TimelineWindow w = whole_if_unchosen(series, chosen);
  uint64_t generation = series.generation();  // before the summaries: a stale one costs a reload, no more
  auto snaps = series.summaries();
  auto times = series.times_s();
  ChartFrame frame;
  std::string chart =
      render_line_chart(chart_series(series, snaps, times), series.sample_type().unit, 1100, 320, &frame);
  nlohmann::json t = times;
  std::string out;
  LoadProgress loading = series.progress();
  if (!loading.done())
    out += "<p id=\"loading\" data-read=\"" + std::to_string(loading.read) + "\" data-expected=\"" +
           std::to_string(loading.expected) + "\">Reading the series: " + std::to_string(loading.read) + " of " +
           std::to_string(loading.expected) + " snapshots so far (this page reloads when all are in).</p>\n";
  out += "<p>" + std::to_string(snaps.size()) + " snapshots" +
         (series.has_times() ? "" : " (no timestamps: file order, 1 s apart)") +
         ". Drag across the chart, or click two snapshots, to choose a window: every view then shows the "
         "growth between its ends.</p>\n";
  out += "<div id=\"timeline-chart\" style=\"position:relative;user-select:none;cursor:crosshair\" data-left=\"" +
         format_double("%.3f", frame.left) + "\" data-plot-width=\"" + format_double("%.3f", frame.plot_width) +
         "\" data-xmax=\"" + format_double("%.6f", frame.xmax) + "\" data-times=\"" + xml_escape(t.dump()) +
         "\" data-generation=\"" + std::to_string(generation) + "\" data-from=\"" +
         (chosen.chosen ? std::to_string(w.from) : "") + "\" data-to=\"" + (chosen.chosen ? std::to_string(w.to) : "") +
         "\">\n" + chart + "</div>\n";
  const analyzer::ValueType type = series.sample_type();
  out += "<p id=\"window-facts\">" + std::string(chosen.chosen ? "Window: " : "Whole series: ") +
         xml_escape(snapshot_label(snaps[w.from], w.from, times[w.from], type)) + " \u2192 " +
         xml_escape(snapshot_label(snaps[w.to], w.to, times[w.to], type)) + "</p>\n";
  out += "<h2>Trend verdict for " + std::string(chosen.chosen ? "the window" : "the whole series") + "</h2>\n";
  out += has_verdict(w) ? verdict_table(series.trend(w.from, w.to), query)
                        : "<p id=\"no-suspects\">A verdict needs at least three snapshots in the window.</p>\n";
  out += "<script>\n" + std::string(kTimelineScript) + "</script>\n";
  return out;
}

std::string render_timeline_json(const SnapshotSeries& series, const TimelineWindow& chosen) {
  using json = nlohmann::ordered_json;
  TimelineWindow w = whole_if_unchosen(series, chosen);
  auto snaps = series.summaries();
  auto times = series.times_s();
  json j;
  j["sample_type"] = series.sample_type().type;
  j["unit"] = series.sample_type().unit;
  j["window"] = {{"from", w.from}, {"to", w.to}};
  LoadProgress loading = series.progress();
  j["loading"] = loading.done() ? json(nullptr) : json{{"read", loading.read}, {"expected", loading.expected}};
  json a = json::array();
  for (size_t i = 0; i < snaps.size(); ++i) {
    const auto& s = snaps[i];
    json x = {{"index", i}, {"file", s.file}};
    x["time"] = s.time_nanos > 0 ? json(static_cast<double>(s.time_nanos) / 1e9) : json(nullptr);
    x["offset_s"] = times[i];
    x["total"] = s.total;
    if (s.memory) {
      x["allocated"] = s.memory->allocated;
      x["resident"] = s.memory->resident;
      x["rss"] = s.memory->rss;
    }
    a.push_back(std::move(x));
  }
  j["snapshots"] = std::move(a);
  json trend = has_verdict(w) ? json::parse(analyzer::render_trend_json(series.trend(w.from, w.to))) : json::object();
  j["suspects"] = trend.value("suspects", json::array());
  j["growing"] = trend.value("growing", json::array());
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_series_state_json(const SnapshotSeries& series) {
  nlohmann::ordered_json j;
  j["generation"] = series.generation();
  j["snapshots"] = series.size();
  LoadProgress loading = series.progress();
  j["loading"] = loading.done() ? nlohmann::ordered_json(nullptr)
                                : nlohmann::ordered_json{{"read", loading.read}, {"expected", loading.expected}};
  return j.dump() + "\n";
}

}  // namespace leakscope::viz
