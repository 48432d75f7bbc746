#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "viz_cli.h"
#include "commands.h"
#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/diff_report.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/memory_figures.h"
#include "leakscope/analyzer/top_report.h"
#include "leakscope/analyzer/units.h"
#include "leakscope/viz/dot_writer.h"
#include "leakscope/viz/flame_svg.h"
#include "leakscope/viz/graphviz_render.h"
#include "leakscope/viz/html_page.h"
#include "leakscope/viz/line_chart.h"
#include "leakscope/viz/markup.h"
#include "leakscope/viz/views.h"

namespace leakscope::cli {

namespace {
struct ReportArgs {
  std::string profile, base, out_dir, title = "leakscope report", trend_json, memory_csv;
  ProfileOptions opt;
  bool normalize = false;
  size_t rows = 20;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string iso_time(int64_t nanos) {
  if (nanos <= 0) return "not recorded";
  std::time_t t = static_cast<std::time_t>(nanos / 1000000000);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return buf;
}

// The page is ~1260 px wide and the SVG 1200: scale its height alike, so no blank band.
int embedded_height(const viz::FlameSvgStats& st) { return st.height * 1260 / 1200 + 4; }

// The verdict section from `leakscope trend --json` output.
void add_trend(viz::HtmlPage& page, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, "", std::string("expected `leakscope trend --json` output: ") + e.what());
  }
  if (!j.is_object() || !j.contains("suspects") || !j["suspects"].is_array())
    throw InputError(path, "", "expected `leakscope trend --json` output (no \"suspects\" array)");
  std::string unit = j.value("unit", "bytes");
  page.heading("Leak verdict", "verdict");
  const auto& suspects = j["suspects"];
  if (suspects.empty()) {
    page.paragraph("No leak suspect in " + std::to_string(j.value("snapshots", 0)) + " snapshots.", "verdict-clean");
    return;
  }
  page.paragraph("Leak suspect: " + suspects[0].value("name", "?") + " (" + std::to_string(suspects.size()) +
                     " suspect(s) over " + std::to_string(j.value("snapshots", 0)) + " snapshots)",
                 "verdict-leak");
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : suspects)
    rows.push_back({s.value("name", "?"), format_delta(s.value("growth", int64_t{0}), unit),
                    format_value(static_cast<int64_t>(s.value("slope_bytes_per_s", 0.0)), unit) + "/s",
                    viz::format_double("%.3f", s.value("r2", 0.0)), viz::format_double("%.2f", s.value("monotonicity", 0.0)),
                    format_percent(s.value("share", 0.0))});
  page.table({"suspect", "growth", "slope", "R\u00b2", "rising steps", "share of growth"}, rows, 1, "suspects");
}
}  // namespace

void register_report(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report", "One offline HTML page: facts, top table, flame graph, call graph; with --base the growth table and the "
                "differential flame graph");
  cmd->add_option("profile", args->profile, kProfileArgHelp)
      ->required();
  cmd->add_option("-o,--output", args->out_dir, "directory to write index.html and its SVGs into")->required();
  add_profile_options(cmd, args->opt);
  cmd->add_option("--base", args->base, "an earlier snapshot: adds the growth table and differential views");
  cmd->add_flag("--normalize", args->normalize,
                "scale BASE by PROFILE's total / BASE's total first, both over all samples before --focus/--ignore "
                "(pprof's -normalize; the same factor as `leakscope diff --normalize`)");
  cmd->add_option("--title", args->title, "page title");
  cmd->add_option("--trend-json", args->trend_json, "add the verdict from `leakscope trend --json` output");
  cmd->add_option("--memory-csv", args->memory_csv, "add a memory-over-time chart: CSV 'seconds,series...' with a header");
  cmd->add_option("--rows", args->rows, "rows in the top and growth tables (default 20)");
  cmd->callback([args, &exit_code] {
    auto& a = *args;
    ProfileAndBase in = load_profile_and_base(a.profile, a.base, a.opt);
    const ValueType type = in.now.sample_types[in.now_index];
    viz::ViewInput view = view_of(in, a.opt, a.normalize);
    // Every section below reads the same stack tables: built once here.
    StackTable stacks(in.now, view.stacks);
    std::optional<StackTable> base_stacks;
    if (in.has_base()) base_stacks.emplace(in.base, view.stacks);
    view.now_stacks = &stacks;
    view.base_stacks = base_stacks ? &*base_stacks : nullptr;
    viz::ViewInput alone = view;
    alone.base = nullptr;
    alone.base_stacks = nullptr;
    std::filesystem::create_directories(a.out_dir);
    auto out = [&](const std::string& name) { return (std::filesystem::path(a.out_dir) / name).string(); };

    viz::HtmlPage page(a.title);
    std::vector<std::pair<std::string, std::string>> facts{{"Profile", a.profile}};
    if (in.has_base()) facts.push_back({"Base", a.base});
    facts.push_back({"Type", type.type + " (" + type.unit + ")"});
    facts.push_back({"Total", format_value(in.now.total(in.now_index), type.unit)});
    if (in.has_base()) facts.push_back({"Base total", format_value(in.base.total(in.base_index), type.unit)});
    facts.push_back({"Time", iso_time(in.now.time_nanos)});
    if (in.now.period > 0) facts.push_back({"Sampling period", format_value(in.now.period, in.now.period_type.unit)});
    std::string maps;
    for (size_t i = 0; i < in.now.mappings.size() && i < 6; ++i)
      maps += (i ? ", " : "") + std::filesystem::path(in.now.mappings[i].file).filename().string();
    if (in.now.mappings.size() > 6) maps += " and " + std::to_string(in.now.mappings.size() - 6) + " more";
    if (!maps.empty()) facts.push_back({"Mappings", maps});
    page.facts(facts);

    if (!a.trend_json.empty()) add_trend(page, a.trend_json);
    if (!a.memory_csv.empty()) {
      page.heading("Memory over time", "memory");
      page.raw(viz::render_line_chart(viz::read_chart_csv(read_text(a.memory_csv), a.memory_csv), "bytes"));
    }
    if (auto figures = memory_figures_of(in.now)) {
      int inuse = in.now.sample_index("inuse_space");
      std::vector<std::vector<std::string>> rows;
      for (const auto& part : rss_breakdown(*figures, inuse >= 0 ? in.now.total(inuse) : -1))
        rows.push_back({part.total ? "= " + part.name : part.name, part.note, format_value(part.bytes, "bytes")});
      page.heading("Where the RSS goes (at this snapshot)", "rss");
      page.table({"part", "what it is", "bytes"}, rows, 2, "rss-table");
    }

    Graph now_graph(in.now, stacks, in.now_index);
    if (in.has_base()) {
      DiffReport diff = diff_profiles(in.base, *base_stacks, in.base_index, in.now, stacks, in.now_index, a.normalize);
      std::vector<std::vector<std::string>> rows;
      for (size_t i = 0; i < diff.rows.size() && i < a.rows; ++i) {
        const auto& r = diff.rows[i];
        rows.push_back({r.name, format_value(r.base, type.unit), format_value(r.now, type.unit), format_delta(r.delta(), type.unit)});
      }
      page.heading("Growth since the base (flat, per function)", "growth");
      page.table({"function", "base", "new", "\u0394"}, rows, 1, "growth-table");
      viz::FlameSvgOptions fo;
      fo.title = "Differential Flame Graph";
      fo.differential = true;
      fo.sample_type = type;
      viz::FlameSvgStats st;
      write_file(out("diff-flame.svg"), viz::render_flame_svg(viz::flame_tree_for(view, false), fo, &st));
      page.heading("Differential flame graph (base \u2192 profile)", "diff-flame");
      page.embed_svg("diff-flame.svg", embedded_height(st), "diff-flame-object");
    }

    TopReport top = make_top(now_graph, type, {false, static_cast<int>(a.rows), 0.005});
    std::vector<std::vector<std::string>> top_rows;
    int64_t sum = 0;
    auto pct = [&](int64_t v) { return format_percent(top.total ? static_cast<double>(v) / static_cast<double>(top.total) : 0); };
    for (const auto& r : top.rows) {
      sum += r.flat;
      top_rows.push_back({r.name, format_value(r.flat, type.unit), pct(r.flat), pct(sum), format_value(r.cum, type.unit), pct(r.cum)});
    }
    page.heading("Top (flat)", "top");
    page.table({"function", "flat", "flat%", "sum%", "cum", "cum%"}, top_rows, 1, "top-table");

    viz::FlameSvgOptions fo;
    fo.sample_type = type;
    fo.subtitle = type.type + ", total " + format_value(now_graph.total(), type.unit);
    viz::FlameSvgStats st;
    write_file(out("flame.svg"), viz::render_flame_svg(viz::flame_tree_for(alone, false), fo, &st));
    page.heading("Flame graph", "flame");
    page.embed_svg("flame.svg", embedded_height(st), "flame-object");

    std::string dot = viz::render_dot(viz::call_graph_for(view, {}), viz::file_legend(a.profile, a.base));
    write_file(out("graph.dot"), dot);
    write_file(out("graph.svg"), viz::render_graphviz(dot, "svg"));
    page.heading(in.has_base() ? "Call graph of the growth" : "Call graph", "graph");
    page.embed_svg("graph.svg", 700, "graph-object");

    write_file(out("index.html"), page.html());
    std::cerr << "leakscope report: wrote " << out("index.html") << "\n";
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
