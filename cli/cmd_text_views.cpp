// leakscope traces / peek / list: pprof's text views beyond top.
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/text_views.h"

namespace leakscope::cli {

namespace {
struct ViewArgs {
  std::string profile, regex, source_path;
  ProfileOptions opt;
  size_t nodecount = 50;
};

// Registers a subcommand with the profile argument and the shared options; `with_regex` adds REGEX.
CLI::App* add_view(CLI::App& app, const std::string& name, const std::string& help, bool with_regex,
                   std::shared_ptr<ViewArgs> args) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("profile", args->profile, kProfileArgHelp)->required();
  if (with_regex)
    cmd->add_option("regex", args->regex,
                    "functions to show (a pattern in pprof's dialect, RE2 syntax, searched in the name)")
        ->required();
  add_profile_options(cmd, args->opt);
  return cmd;
}

std::vector<std::string> split_dirs(const std::string& s) {
  std::vector<std::string> dirs;
  std::stringstream ss(s);
  for (std::string d; std::getline(ss, d, ':');)
    if (!d.empty()) dirs.push_back(d);
  return dirs;
}
}  // namespace

void register_traces(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ViewArgs>();
  auto* cmd =
      add_view(app, "traces", "Every distinct stack with its value, largest first (like `pprof -traces`)", false, args);
  cmd->add_option("--nodecount", args->nodecount, "show at most N stacks (default 50; 0: all)");
  cmd->callback([args, &exit_code] {
    analyzer::Profile p = load_profile(args->profile, args->opt);
    int index = analyzer::sample_index_for(p, args->opt.sample_index, args->profile);
    std::cout << "File: " << args->profile << "\n"
              << analyzer::render_traces(p, analyzer::StackTable(p, stack_options(args->opt)), index, args->nodecount);
    exit_code = 0;
  });
}

void register_peek(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ViewArgs>();
  auto* cmd =
      add_view(app, "peek", "Callers and callees of matching functions, with the weight through each edge", true, args);
  cmd->callback([args, &exit_code] {
    analyzer::Pattern functions = analyzer::Pattern::compile(args->regex, "regex");
    analyzer::Profile p = load_profile(args->profile, args->opt);
    int index = analyzer::sample_index_for(p, args->opt.sample_index, args->profile);
    std::cout << "File: " << args->profile << "\n"
              << analyzer::render_peek(p, analyzer::StackTable(p, stack_options(args->opt)), index, functions);
    exit_code = 0;
  });
}

void register_list(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ViewArgs>();
  auto* cmd = add_view(
      app, "list", "Source lines of matching functions with per-line flat and cum (like `pprof -list`)", true, args);
  cmd->add_option("--source-path", args->source_path,
                  "DIR[:DIR...] to find sources whose recorded path does not exist here (matched by path suffix)");
  cmd->callback([args, &exit_code] {
    analyzer::Pattern functions = analyzer::Pattern::compile(args->regex, "regex");
    analyzer::Profile p = load_profile(args->profile, args->opt);
    int index = analyzer::sample_index_for(p, args->opt.sample_index, args->profile);
    analyzer::StackOptions so = stack_options(args->opt);
    so.granularity = analyzer::Granularity::kLines;
    std::vector<std::string> dirs = split_dirs(args->source_path);
    dirs.push_back(".");
    std::cout << "File: " << args->profile << "\n"
              << analyzer::render_list(p, analyzer::StackTable(p, so), index, functions, dirs);
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
