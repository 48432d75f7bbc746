// `leakscope symbolize-snapshot`: the profiler's helper process. The profiled program does only what
// must happen inside it (prof.dump, the build-ids of its loaded images) and runs this command to
// symbolize, so the DWARF state and its memory live and die here, not in the service (as heaptrack
// splits heaptrack_interpret from its in-process tracker). Usable by hand on a saved dump too.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/sample_promotion.h"
#include "leakscope/analyzer/snapshot_assembly.h"
#include "leakscope/analyzer/symbolizer.h"
#include "leakscope/analyzer/writers.h"

namespace leakscope::cli {
namespace {

struct SymbolizeSnapshotArgs {
  std::string dump, base, output, format = "proto", default_sample_type;
  int out_fd = -1;
  std::vector<std::string> images, comments;
  int64_t time_nanos = 0, duration_nanos = 0;
  uint64_t promoted_size = 0;
  std::string binary_path;
};

void write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("writing the snapshot failed: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

// One JSON line on stdout for the profiler: what it needs to report without parsing the profile or
// reading the dump again (the sample promotion, when it was asked for).
std::string summary_json(const analyzer::Profile& p, const std::optional<uint64_t>& sample_promotion) {
  nlohmann::ordered_json totals = nlohmann::ordered_json::object();
  for (size_t i = 0; i < p.sample_types.size(); ++i) totals[p.sample_types[i].type] = p.total(static_cast<int>(i));
  nlohmann::ordered_json j{{"samples", p.samples.size()}, {"locations", p.locations.size()}, {"totals", totals}};
  if (sample_promotion) j["sample_promotion"] = *sample_promotion;
  return j.dump() + "\n";
}

}  // namespace

void register_symbolize_snapshot(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<SymbolizeSnapshotArgs>();
  auto* cmd = app.add_subcommand(
      "symbolize-snapshot",
      "The profiler's helper: a jemalloc prof.dump (and, for a delta, an earlier one) to a symbolized profile. "
      "Prints a one-line JSON summary (samples, totals per sample type) on stdout");
  cmd->add_option("dump", a->dump, "prof.dump output")->required();
  cmd->add_option("--base", a->base, "an earlier dump of the same process: write dump - base");
  auto* out = cmd->add_option("-o,--output", a->output, "output file");
  auto* fd = cmd->add_option("--out-fd", a->out_fd, "write to this inherited file descriptor instead");
  out->excludes(fd);
  cmd->add_option("--format", a->format, "proto (gzipped profile.proto) or legacy (heap text, as ?debug=1)")
      ->check(CLI::IsMember({"proto", "legacy"}));
  cmd->add_option("--image", a->images, "START-LIMIT=BUILDID of an image the process had loaded (repeatable)");
  cmd->add_option("--comment", a->comments, "a comment to record in the profile (repeatable)");
  cmd->add_option("--time-nanos", a->time_nanos, "the snapshot's time, ns since the epoch");
  cmd->add_option("--duration-nanos", a->duration_nanos, "for a delta: the time between the dumps, ns");
  cmd->add_option("--default-sample-type", a->default_sample_type, "the profile's default type, when it has it");
  cmd->add_option("--sample-promotion-size", a->promoted_size,
                  "the size jemalloc promotes sampled small objects to (arenas.lextent.0.size): report the dump's "
                  "sample promotion in the summary and in the leakscope:memory comment's sample_promotion field");
  cmd->add_option("--binary-path", a->binary_path,
                  "DIR[:DIR...] searched first for binaries; default $LEAKSCOPE_BINARY_PATH");
  cmd->callback([a, &exit_code] {
    if (a->output.empty() && a->out_fd < 0)
      throw std::invalid_argument("symbolize-snapshot: give -o FILE or --out-fd N");
    std::string dump = analyzer::read_input(a->dump), base;
    std::string_view base_view;
    analyzer::SnapshotParts parts;
    parts.dump = dump;
    if (!a->base.empty()) {
      base = analyzer::read_input(a->base);
      base_view = base;
      parts.base = &base_view;
    }
    for (const auto& image : a->images) parts.images.push_back(analyzer::parse_loaded_image(image));
    std::optional<uint64_t> promotion;
    if (a->promoted_size > 0) promotion = analyzer::sample_promotion_bytes(dump, a->promoted_size);
    for (const auto& c : a->comments)
      parts.comments.push_back(promotion ? analyzer::with_sample_promotion(c, *promotion) : c);
    parts.time_nanos = a->time_nanos;
    parts.duration_nanos = a->duration_nanos;
    parts.default_sample_type = a->default_sample_type;
    std::string dirs = a->binary_path;
    if (dirs.empty())
      if (const char* env = std::getenv("LEAKSCOPE_BINARY_PATH")) dirs = env;
    analyzer::Symbolizer symbolizer(analyzer::SymbolizeOptions{analyzer::split_binary_path(dirs)});
    analyzer::Profile p = analyzer::assemble_snapshot(parts, &symbolizer);
    std::string bytes = a->format == "legacy" ? analyzer::write_legacy_heap_text(p) : analyzer::write_proto_gz(p);
    if (a->out_fd >= 0)
      write_all(a->out_fd, bytes);
    else
      write_file(a->output, bytes);
    std::cout << summary_json(p, promotion) << std::flush;
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
