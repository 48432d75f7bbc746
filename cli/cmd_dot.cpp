#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "leakscope/viz/dot_writer.h"
#include "leakscope/viz/graphviz_render.h"
#include "leakscope/viz/views.h"
#include "viz_cli.h"

namespace leakscope::cli {

namespace {
struct DotArgs {
  std::string profile, base, output, format;
  ProfileOptions opt;
  viz::CallGraphOptions graph;
  bool normalize = false;
};

std::string format_for(const std::string& output, const std::string& requested) {
  if (!requested.empty()) return requested;
  std::string ext = std::filesystem::path(output).extension().string();
  if (ext == ".svg") return "svg";
  if (ext == ".png") return "png";
  return "dot";
}
}  // namespace

void register_dot(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DotArgs>();
  auto* cmd = app.add_subcommand("dot",
                                 "pprof-style call graph: Graphviz dot text, or SVG/PNG rendered in-process with "
                                 "libgvc; with --base, growth in red");
  cmd->add_option("profile", args->profile, kProfileArgHelp)->required();
  cmd->add_option("-o,--output", args->output, "out.dot, out.svg or out.png ('-': dot text on stdout)")->required();
  cmd->add_option("--format", args->format, "dot|svg|png (default: from the output's extension)")
      ->check(CLI::IsMember({"dot", "svg", "png"}));
  add_profile_options(cmd, args->opt);
  cmd->add_option("--base", args->base, "draw PROFILE - BASE: red where memory grew, green where it shrank");
  cmd->add_flag("--normalize", args->normalize,
                "scale BASE by PROFILE's total / BASE's total first, both over all samples before --focus/--ignore "
                "(as `leakscope diff --normalize`)");
  cmd->add_option("--nodecount", args->graph.nodecount, "keep at most N nodes, largest cum first (default 80; 0: all)");
  cmd->add_option("--nodefraction", args->graph.nodefraction,
                  "drop nodes below this share of the total (default 0.005)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--edgefraction", args->graph.edgefraction,
                  "drop edges below this share of the total (default 0.001)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->callback([args, &exit_code] {
    auto& a = *args;
    std::string format = format_for(a.output, a.format);
    ProfileAndBase in = load_profile_and_base(a.profile, a.base, a.opt);
    viz::ViewInput view = view_of(in, a.opt, a.normalize);
    std::string dot = viz::render_dot(viz::call_graph_for(view, a.graph), viz::file_legend(a.profile, a.base));
    write_file(a.output, format == "dot" ? dot : viz::render_graphviz(dot, format));
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
