#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/diff_report.h"

namespace leakscope::cli {

namespace {
struct DiffArgs {
  std::string base, now;
  ProfileOptions opt;
  bool normalize = false, json = false;
  size_t nodecount = 30;
};
}  // namespace

void register_diff(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand(
      "diff", "Growth and shrinkage from BASE to NEW per function (matched by name, so ASLR does not matter)");
  cmd->add_option("base", args->base, "the earlier snapshot (a file, -, a pipe or an http(s) URL)")->required();
  cmd->add_option("new", args->now, "the later snapshot (a file, -, a pipe or an http(s) URL)")->required();
  add_profile_options(cmd, args->opt);
  cmd->add_flag("--normalize", args->normalize,
                "scale BASE by NEW's total / BASE's total first, both over all samples before --focus/--ignore "
                "(pprof's -normalize; the same factor as report, flame, dot and serve)");
  cmd->add_option("--nodecount", args->nodecount, "show at most N rows (default 30; 0: all)");
  cmd->add_flag(
      "--json", args->json,
      R"(print {"sample_type","unit","base_total","new_total","normalized","rows":[{"name","base","new","delta"}]})");
  cmd->callback([args, &exit_code] {
    analyzer::Profile now = load_profile(args->now, args->opt);
    int ni = analyzer::sample_index_for(now, args->opt.sample_index, args->now);
    analyzer::Profile base = load_profile(args->base, args->opt);
    int bi = analyzer::sample_index_for(base, now.sample_types[ni].type, args->base);
    analyzer::StackOptions so = stack_options(args->opt);
    analyzer::DiffReport r = analyzer::diff_profiles(base, analyzer::StackTable(base, so), bi, now,
                                                     analyzer::StackTable(now, so), ni, args->normalize);
    std::cout << (args->json ? analyzer::render_diff_json(r, args->nodecount)
                             : analyzer::render_diff_text(r, args->base, args->now, args->nodecount));
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
