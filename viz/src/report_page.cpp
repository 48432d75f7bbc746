#include "leakscope/viz/report_page.h"

#include <ctime>
#include <filesystem>

#include "leakscope/analyzer/diff_report.h"
#include "leakscope/analyzer/graph.h"
#include "leakscope/analyzer/memory_figures.h"
#include "leakscope/analyzer/top_report.h"
#include "leakscope/analyzer/units.h"
#include "leakscope/viz/dot_writer.h"
#include "leakscope/viz/flame_svg.h"
#include "leakscope/viz/graphviz_render.h"
#include "leakscope/viz/html_page.h"
#include "leakscope/viz/markup.h"

namespace leakscope::viz {

namespace {
// What every section reads: the inputs and the stack tables, built once.
struct Sections {
  const ReportInput& in;
  const analyzer::Profile& now;
  const analyzer::ValueType& type;
  ViewInput view;   // with the tables
  ViewInput alone;  // the profile without its base
  HtmlPage& page;
  ReportPage& out;
  bool has_base() const { return view.base != nullptr; }
};

std::string iso_time(int64_t nanos) {
  if (nanos <= 0) return "not recorded";
  std::time_t t = static_cast<std::time_t>(nanos / 1000000000);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return buf;
}

// The page is ~1260 px wide and the SVG 1200: scale its height alike, so no blank band.
int embedded_height(const FlameSvgStats& st) { return st.height * 1260 / 1200 + 4; }

void add_facts(const Sections& s) {
  const analyzer::Profile& now = s.now;
  std::vector<std::pair<std::string, std::string>> facts{{"Profile", s.in.profile_name}};
  if (s.has_base()) facts.push_back({"Base", s.in.base_name});
  facts.push_back({"Type", s.type.type + " (" + s.type.unit + ")"});
  facts.push_back({"Total", analyzer::format_value(now.total(s.view.now_index), s.type.unit)});
  if (s.has_base())
    facts.push_back({"Base total", analyzer::format_value(s.view.base->total(s.view.base_index), s.type.unit)});
  facts.push_back({"Time", iso_time(now.time_nanos)});
  if (now.period > 0) facts.push_back({"Sampling period", analyzer::format_value(now.period, now.period_type.unit)});
  std::string maps;
  for (size_t i = 0; i < now.mappings.size() && i < 6; ++i)
    maps += (i ? ", " : "") + std::filesystem::path(now.mappings[i].file).filename().string();
  if (now.mappings.size() > 6) maps += " and " + std::to_string(now.mappings.size() - 6) + " more";
  if (!maps.empty()) facts.push_back({"Mappings", maps});
  s.page.facts(facts);
}

void add_verdict(const Sections& s, const analyzer::TrendReport& t) {
  const std::string& unit = t.sample_type.unit;
  s.page.heading("Leak verdict", "verdict");
  if (t.suspects.empty()) {
    s.page.paragraph("No leak suspect in " + std::to_string(t.snapshots) + " snapshots.", "verdict-clean");
    return;
  }
  s.page.paragraph("Leak suspect: " + t.suspects[0].name + " (" + std::to_string(t.suspects.size()) +
                       " suspect(s) over " + std::to_string(t.snapshots) + " snapshots)",
                   "verdict-leak");
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : t.suspects)
    rows.push_back({r.name, analyzer::format_delta(r.growth, unit),
                    analyzer::format_value(static_cast<int64_t>(r.slope_per_s), unit) + "/s",
                    format_double("%.3f", r.r2), format_double("%.2f", r.monotonicity),
                    analyzer::format_percent(r.share)});
  s.page.table({"suspect", "growth", "slope", "R\u00b2", "rising steps", "share of growth"}, rows, 1, "suspects");
}

void add_rss(const Sections& s) {
  auto figures = analyzer::memory_figures_of(s.now);
  if (!figures) return;
  int inuse = s.now.sample_index("inuse_space");
  std::vector<std::vector<std::string>> rows;
  for (const auto& part : analyzer::rss_breakdown(*figures, inuse >= 0 ? s.now.total(inuse) : -1))
    rows.push_back({part.total ? "= " + part.name : part.name, part.note, analyzer::format_value(part.bytes, "bytes")});
  s.page.heading("Where the RSS goes (at this snapshot)", "rss");
  s.page.table({"part", "what it is", "bytes"}, rows, 2, "rss-table");
}

void add_growth(const Sections& s) {
  const ViewInput& v = s.view;
  analyzer::DiffReport diff =
      analyzer::diff_profiles(*v.base, *v.base_stacks, v.base_index, *v.now, *v.now_stacks, v.now_index, v.normalize);
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < diff.rows.size() && i < s.in.rows; ++i) {
    const auto& r = diff.rows[i];
    rows.push_back({r.name, analyzer::format_value(r.base, s.type.unit), analyzer::format_value(r.now, s.type.unit),
                    analyzer::format_delta(r.delta(), s.type.unit)});
  }
  s.page.heading("Growth since the base (flat, per function)", "growth");
  s.page.table({"function", "base", "new", "\u0394"}, rows, 1, "growth-table");
  FlameSvgOptions fo;
  fo.title = "Differential Flame Graph";
  fo.differential = true;
  fo.sample_type = s.type;
  FlameSvgStats st;
  s.out.files.push_back({"diff-flame.svg", render_flame_svg(flame_tree_for(v, false), fo, &st)});
  s.page.heading("Differential flame graph (base \u2192 profile)", "diff-flame");
  s.page.embed_svg("diff-flame.svg", embedded_height(st), "diff-flame-object");
}

void add_top(const Sections& s, const analyzer::Graph& now_graph) {
  analyzer::TopReport top = analyzer::make_top(now_graph, s.type, {false, static_cast<int>(s.in.rows), 0.005});
  std::vector<std::vector<std::string>> rows;
  int64_t sum = 0;
  auto pct = [&](int64_t v) {
    return analyzer::format_percent(top.total ? static_cast<double>(v) / static_cast<double>(top.total) : 0);
  };
  for (const auto& r : top.rows) {
    sum += r.flat;
    rows.push_back({r.name, analyzer::format_value(r.flat, s.type.unit), pct(r.flat), pct(sum),
                    analyzer::format_value(r.cum, s.type.unit), pct(r.cum)});
  }
  s.page.heading("Top (flat)", "top");
  s.page.table({"function", "flat", "flat%", "sum%", "cum", "cum%"}, rows, 1, "top-table");
}

void add_flame(const Sections& s, const analyzer::Graph& now_graph) {
  FlameSvgOptions fo;
  fo.sample_type = s.type;
  fo.subtitle = s.type.type + ", total " + analyzer::format_value(now_graph.total(), s.type.unit);
  FlameSvgStats st;
  s.out.files.push_back({"flame.svg", render_flame_svg(flame_tree_for(s.alone, false), fo, &st)});
  s.page.heading("Flame graph", "flame");
  s.page.embed_svg("flame.svg", embedded_height(st), "flame-object");
}

void add_call_graph(const Sections& s) {
  std::string dot = render_dot(call_graph_for(s.view, {}), file_legend(s.in.profile_name, s.in.base_name));
  s.out.files.push_back({"graph.svg", render_graphviz(dot, "svg")});
  s.out.files.push_back({"graph.dot", std::move(dot)});
  s.page.heading(s.has_base() ? "Call graph of the growth" : "Call graph", "graph");
  s.page.embed_svg("graph.svg", 700, "graph-object");
}
}  // namespace

ReportPage make_report_page(const ReportInput& in) {
  const analyzer::Profile& now = *in.view.now;
  const analyzer::ValueType& type = now.sample_types[in.view.now_index];
  // Every section reads the same stack tables: built once here unless the caller has them.
  std::optional<analyzer::StackTable> own_now, own_base;
  ViewInput view = in.view;
  if (!view.now_stacks) view.now_stacks = &own_now.emplace(now, view.stacks);
  if (view.base && !view.base_stacks) view.base_stacks = &own_base.emplace(*view.base, view.stacks);
  ViewInput alone = view;
  alone.base = nullptr;
  alone.base_stacks = nullptr;

  ReportPage out;
  HtmlPage page(in.title);
  Sections s{in, now, type, view, alone, page, out};
  add_facts(s);
  if (in.verdict) add_verdict(s, *in.verdict);
  if (in.memory) {
    page.heading("Memory over time", "memory");
    page.raw(render_line_chart(*in.memory, "bytes"));
  }
  add_rss(s);
  analyzer::Graph now_graph(now, *view.now_stacks, view.now_index);
  if (s.has_base()) add_growth(s);
  add_top(s, now_graph);
  add_flame(s, now_graph);
  add_call_graph(s);
  out.index_html = page.html();
  return out;
}

}  // namespace leakscope::viz
