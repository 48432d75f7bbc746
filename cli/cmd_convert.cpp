#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/writers.h"

namespace leakscope::cli {

namespace {
struct ConvertArgs {
  std::string profile, output;
  ProfileOptions opt;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

void register_convert(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ConvertArgs>();
  auto* cmd = app.add_subcommand(
      "convert",
      "Convert to profile.proto (.pb.gz), folded stacks (.folded) or JSON (.json), symbolized so the "
      "output reads anywhere without the binaries");
  cmd->add_option("profile", args->profile,
                  "input profile (any format leakscope reads): a file, - (stdin), a pipe or an http(s) URL")
      ->required();
  cmd->add_option("-o,--output", args->output, "output file; its extension picks the format")->required();
  add_profile_options(cmd, args->opt);
  cmd->callback([args, &exit_code] {
    const std::string& out = args->output;
    enum { kProto, kFolded, kJson } kind;
    if (ends_with(out, ".pb.gz") || ends_with(out, ".pb") || ends_with(out, ".proto"))
      kind = kProto;
    else if (ends_with(out, ".folded") || ends_with(out, ".txt"))
      kind = kFolded;
    else if (ends_with(out, ".json"))
      kind = kJson;
    else
      throw analyzer::InputError(out, "", "unknown output extension, expected .pb.gz, .folded or .json");

    analyzer::Profile p = load_profile(args->profile, args->opt);
    // Carry our allocator trimming into the file as pprof's drop_frames, so pprof shows what we show.
    if (!args->opt.keep_allocator_frames) p.drop_frames = analyzer::with_allocator_frames(p.drop_frames);
    std::string bytes;
    switch (kind) {
      case kProto:
        bytes = ends_with(out, ".pb.gz") ? analyzer::write_proto_gz(p) : analyzer::encode_proto(p);
        break;
      case kFolded: {
        int index = analyzer::sample_index_for(p, args->opt.sample_index, args->profile);
        analyzer::StackOptions so = stack_options(args->opt);
        so.keep_allocator_frames = true;  // drop_frames above already carries the trimming
        bytes = analyzer::write_folded(p, analyzer::StackTable(p, so), index);
        break;
      }
      case kJson:
        bytes = analyzer::write_json(p);
        break;
    }
    write_file(out, bytes);
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
