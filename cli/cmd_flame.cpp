#include <iostream>
#include <memory>

#include "commands.h"
#include "leakscope/analyzer/units.h"
#include "leakscope/viz/flame_svg.h"
#include "leakscope/viz/palette.h"
#include "leakscope/viz/views.h"
#include "viz_cli.h"

namespace leakscope::cli {

namespace {
struct FlameArgs {
  std::string profile, base, output;
  ProfileOptions opt;
  viz::FlameSvgOptions svg;
  std::string minwidth = "0.1";
  bool reverse = false, normalize = false;
};
}  // namespace

void register_flame(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<FlameArgs>();
  auto* cmd = app.add_subcommand(
      "flame", "Interactive flame graph SVG (tooltips, click to zoom, regex search); with --base a differential one");
  cmd->add_option(
         "profile", args->profile,
         "jemalloc dump, legacy heap text, profile.proto (.pb.gz), folded stacks, or flamegraph.pl's two-column "
         "diff folded stacks (drawn as a differential graph); a file, - (stdin), a pipe or an http(s) URL")
      ->required();
  cmd->add_option("-o,--output", args->output, "the SVG to write ('-': stdout)")->required();
  add_profile_options(cmd, args->opt);
  cmd->add_option("--base", args->base,
                  "differential: width by PROFILE, red where it grew since BASE, blue where it shrank");
  cmd->add_flag("--normalize", args->normalize,
                "differential: scale BASE by PROFILE's total / BASE's total first, both over all samples before "
                "--focus/--ignore (as `leakscope diff --normalize`)");
  cmd->add_flag("--negate", args->svg.negate, "differential: width by BASE, so frames that vanished are visible");
  auto* title =
      cmd->add_option("--title", args->svg.title, "title (default: Flame Graph, or Differential Flame Graph)");
  cmd->add_option("--subtitle", args->svg.subtitle, "second title line (default: sample type and total)");
  cmd->add_option("--width", args->svg.width, "image width in px (default 1200)")->check(CLI::Range(100, 100000));
  cmd->add_option("--minwidth", args->minwidth,
                  "leave out boxes narrower than this: px (0.1) or % of the width (0.5%)");
  cmd->add_flag("--inverted", args->svg.inverted, "icicle graph: root at the top");
  cmd->add_flag("--reverse", args->reverse, "merge stacks from the leaf: the bottom row is the allocating functions");
  cmd->add_option("--colors", args->svg.palette,
                  "hot (default), mem, io, red, green, blue, aqua, yellow, or module (one hue per library)");
  cmd->add_option("--countname", args->svg.countname,
                  "print values as 'N COUNTNAME' instead of with the sample type's unit");
  cmd->callback([args, title, &exit_code] {
    auto& a = *args;
    viz::check_palette(a.svg.palette);
    a.svg.minwidth_px = viz::parse_minwidth(a.minwidth, a.svg.width);
    ProfileAndBase in = load_profile_and_base(a.profile, a.base, a.opt);
    viz::ViewInput view = view_of(in, a.opt, a.normalize);
    a.svg.differential = viz::is_differential(view);
    if (a.svg.negate && !a.svg.differential)
      throw std::invalid_argument("--negate needs a differential graph (--base, or two-column diff folded input)");
    if (a.svg.differential && title->count() == 0) a.svg.title = "Differential Flame Graph";
    viz::FlameTree tree = viz::flame_tree_for(view, a.reverse);
    a.svg.sample_type = in.now.sample_types[in.now_index];
    if (a.svg.subtitle.empty() && !a.svg.differential)
      a.svg.subtitle =
          a.svg.sample_type.type + ", total " + analyzer::format_value(tree.nodes()[0].value, a.svg.sample_type.unit);
    viz::FlameSvgStats stats;
    std::string svg = viz::render_flame_svg(tree, a.svg, &stats);
    write_file(a.output, svg);
    if (a.output != "-")
      std::cerr << "leakscope flame: wrote " << a.output << " (" << stats.boxes << " boxes, " << stats.elided
                << " narrower than " << a.minwidth << (a.minwidth.back() == '%' ? "" : " px") << " left out, "
                << svg.size() / 1024 << " KiB)\n";
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
