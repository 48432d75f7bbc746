#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/trend_json_reader.h"
#include "leakscope/viz/report_page.h"
#include "viz_cli.h"

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
  if (!in) throw analyzer::InputError(path, "", "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

void register_report(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report",
      "One offline HTML page: facts, top table, flame graph, call graph; with --base the growth table and the "
      "differential flame graph");
  cmd->add_option("profile", args->profile, kProfileArgHelp)->required();
  cmd->add_option("-o,--output", args->out_dir, "directory to write index.html and its SVGs into")->required();
  add_profile_options(cmd, args->opt);
  cmd->add_option("--base", args->base, "an earlier snapshot: adds the growth table and differential views");
  cmd->add_flag("--normalize", args->normalize,
                "scale BASE by PROFILE's total / BASE's total first, both over all samples before --focus/--ignore "
                "(pprof's -normalize; the same factor as `leakscope diff --normalize`)");
  cmd->add_option("--title", args->title, "page title");
  cmd->add_option("--trend-json", args->trend_json, "add the verdict from `leakscope trend --json` output");
  cmd->add_option("--memory-csv", args->memory_csv,
                  "add a memory-over-time chart: CSV 'seconds,series...' with a header");
  cmd->add_option("--rows", args->rows, "rows in the top and growth tables (default 20)");
  cmd->callback([args, &exit_code] {
    auto& a = *args;
    ProfileAndBase in = load_profile_and_base(a.profile, a.base, a.opt);
    viz::ReportInput report;
    report.view = view_of(in, a.opt, a.normalize);
    report.profile_name = a.profile;
    report.base_name = a.base;
    report.title = a.title;
    report.rows = a.rows;
    std::optional<analyzer::TrendReport> verdict;
    if (!a.trend_json.empty())
      report.verdict = &verdict.emplace(analyzer::read_trend_json(read_text(a.trend_json), a.trend_json));
    if (!a.memory_csv.empty()) report.memory = viz::read_chart_csv(read_text(a.memory_csv), a.memory_csv);
    viz::ReportPage page = viz::make_report_page(report);
    std::filesystem::create_directories(a.out_dir);
    auto out = [&](const std::string& name) { return (std::filesystem::path(a.out_dir) / name).string(); };
    for (const auto& [name, bytes] : page.files) write_file(out(name), bytes);
    write_file(out("index.html"), page.index_html);
    std::cerr << "leakscope report: wrote " << out("index.html") << "\n";
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
