#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/age_report.h"
#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/top_report.h"

namespace leakscope::cli {

namespace {
struct TopArgs {
  std::string profile, base;
  ProfileOptions opt;
  bool cum = false, json = false, by_age = false;
  int nodecount = 0;
  double nodefraction = 0.005;
};

// `top --by-age`: one profile's live bytes split by allocation epoch.
void print_top_by_age(const TopArgs& args, const analyzer::Profile& p, const analyzer::StackTable& stacks, int index) {
  if (!args.base.empty() || args.cum) throw CLI::ValidationError("--by-age", "is not for use with --base or --cum");
  analyzer::AgeReport r =
      analyzer::make_age_report(p, stacks, index, args.nodefraction, static_cast<size_t>(args.nodecount));
  if (!r.has_ages())
    throw analyzer::InputError(args.profile, "",
                               "expected allocation ages (age_epoch labels), found none: profile the program with "
                               "LEAKSCOPE_AGE_EPOCH=SECONDS");
  std::cout << (args.json ? analyzer::render_age_json(r) : analyzer::render_age_text(r, {"File: " + args.profile}));
}
}  // namespace

void register_top(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TopArgs>();
  auto* cmd = app.add_subcommand("top", "Top functions by flat (or cumulative) value, like `pprof -top`");
  cmd->add_option("profile", args->profile, kProfileArgHelp)->required();
  add_profile_options(cmd, args->opt);
  cmd->add_option("--base", args->base, "subtract this profile first (pprof -base): what changed since BASE");
  cmd->add_flag("--cum", args->cum, "sort by cumulative value");
  cmd->add_option("--nodecount", args->nodecount, "show at most N rows (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--nodefraction", args->nodefraction, "hide nodes below this fraction of the total (default 0.005)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--by-age", args->by_age,
                "live bytes per function by allocation age (profiles taken with LEAKSCOPE_AGE_EPOCH set), each row "
                "read as every-age (leak-like), one-age (cache-like) or young (churn-like); not with --base or --cum");
  cmd->add_flag("--json", args->json,
                R"(print {"sample_type","unit","total","dropped_nodes","rows":[{"name","flat","cum"[,"inline"]}]})");
  cmd->callback([args, &exit_code] {
    analyzer::Profile p = load_profile(args->profile, args->opt);
    int index = analyzer::sample_index_for(p, args->opt.sample_index, args->profile);
    analyzer::StackOptions so = stack_options(args->opt);
    analyzer::StackTable stacks(p, so);
    if (args->by_age) {
      print_top_by_age(*args, p, stacks, index);
      exit_code = 0;
      return;
    }
    std::vector<analyzer::GraphSource> sources{{&p, &stacks, index}};
    std::vector<std::string> header{"File: " + args->profile};
    analyzer::Profile b;
    std::optional<analyzer::StackTable> base_stacks;
    if (!args->base.empty()) {
      b = load_profile(args->base, args->opt);
      int bi = analyzer::sample_index_for(b, p.sample_types[index].type, args->base);
      sources.push_back({&b, &base_stacks.emplace(b, so), bi, -1.0});  // pprof -base: subtracted
      header.push_back("Base: " + args->base + " (subtracted)");
    }
    if (stacks.filtered_samples())
      header.push_back("Filtered out " + std::to_string(stacks.filtered_samples()) + " samples (--focus/--ignore)");
    analyzer::TopReport r = analyzer::make_top(analyzer::Graph(sources), p.sample_types[index],
                                               {args->cum, args->nodecount, args->nodefraction});
    std::cout << (args->json ? analyzer::render_top_json(r) : analyzer::render_top_text(r, header));
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
