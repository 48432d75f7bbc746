#include "cli_common.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/pattern.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/symbolizer.h"
#include "leakscope/analyzer/warnings.h"

namespace leakscope::cli {

void add_profile_options(CLI::App* cmd, ProfileOptions& o) {
  cmd->add_option("--binary-path", o.binary_path,
                  "DIR[:DIR...] searched first for binaries named in the profile (by base name or build-id); "
                  "default $LEAKSCOPE_BINARY_PATH");
  cmd->add_flag("--keep-allocator-frames", o.keep_allocator_frames,
                "keep malloc/operator new/jemalloc/libstdc++ allocator frames (trimmed by default, so the leaf is "
                "the function that allocated)");
  cmd->add_option("--sample-index", o.sample_index,
                  "inuse_space|inuse_objects|alloc_space|alloc_objects (or any type name or index); default: the "
                  "profile's default_sample_type, else its last type");
  cmd->add_option("--granularity", o.granularity, "functions|lines|files|addresses")
      ->check(CLI::IsMember({"functions", "lines", "files", "addresses"}));
  // Patterns are pprof's (Go regexp = RE2 syntax), searched in a frame's function name and file.
  cmd->add_option("--focus", o.focus, "keep only samples with a frame matching this pattern (RE2 syntax, as pprof)");
  cmd->add_option("--ignore", o.ignore, "drop samples with a frame matching this pattern");
  cmd->add_option("--hide", o.hide, "remove frames matching this pattern from stacks, keeping the samples");
  add_source_options(cmd, o);
}

void add_source_options(CLI::App* cmd, ProfileOptions& o) {
  const char* group = "Profiles from URLs";
  cmd->add_option("--seconds", o.source.seconds,
                  "for http(s) URLs: ask the endpoint for a delta profile over N seconds (adds ?seconds=N; the "
                  "transfer may take N s longer)")
      ->check(CLI::Range(1, 86400))
      ->group(group);
  cmd->add_option("--token", o.source.token,
                  "for http(s) URLs: the debug endpoints' token, sent as 'Authorization: Bearer'; default "
                  "$LEAKSCOPE_DEBUG_TOKEN")
      ->group(group);
  cmd->add_option("--ca-file", o.source.ca_file,
                  "for https URLs: verify the server against this PEM CA bundle instead of the system's CAs")
      ->check(CLI::ExistingFile)
      ->group(group);
  cmd->add_option("--timeout", o.source.timeout_seconds,
                  "for http(s) URLs: seconds the whole transfer may take, beyond --seconds (default 60)")
      ->check(CLI::Range(0.001, 86400.0))
      ->group(group);
}

analyzer::Profile load_profile(const std::string& path, const ProfileOptions& o) {
  // A typo in a pattern is reported before a profile is read (or fetched); compiled once, cached.
  for (auto [pattern, option] : {std::pair{&o.focus, "--focus"}, {&o.ignore, "--ignore"}, {&o.hide, "--hide"}})
    if (!pattern->empty()) analyzer::Pattern::compile(*pattern, option);
  analyzer::SourceOptions source = o.source;
  // Warned, not refused: diff, top --base and trend mix files and URLs, where these apply to the URLs.
  // Once per run, naming the first file: a trend over a directory must not repeat it per file.
  static bool warned = false;
  if (!warned && !analyzer::is_url(path) && (source.seconds > 0 || !source.token.empty() || !source.ca_file.empty())) {
    warned = true;
    analyzer::warn_once("--seconds, --token and --ca-file apply to http(s) URLs only; ignored for " + path);
  }
  if (source.token.empty())
    if (const char* env = std::getenv("LEAKSCOPE_DEBUG_TOKEN")) source.token = env;
  analyzer::Profile p = analyzer::read_profile_source(path, source);
  if (analyzer::needs_symbolization(p)) {
    analyzer::SymbolizeOptions so;
    std::string dirs = o.binary_path;
    if (dirs.empty())
      if (const char* env = std::getenv("LEAKSCOPE_BINARY_PATH")) dirs = env;
    so.binary_path = analyzer::split_binary_path(dirs);
    analyzer::symbolize(p, so);
  }
  return p;
}

ProfileAndBase load_profile_and_base(const std::string& path, const std::string& base_path, const ProfileOptions& o) {
  ProfileAndBase r;
  r.now = load_profile(path, o);
  r.now_index = analyzer::sample_index_for(r.now, o.sample_index, path);
  if (!base_path.empty()) {
    r.base = load_profile(base_path, o);
    r.base_index = analyzer::sample_index_for(r.base, r.now.sample_types[r.now_index].type, base_path);
  }
  return r;
}

analyzer::StackOptions stack_options(const ProfileOptions& o) {
  analyzer::StackOptions s;
  s.granularity = analyzer::parse_granularity(o.granularity);
  s.keep_allocator_frames = o.keep_allocator_frames;
  s.focus = o.focus;
  s.ignore = o.ignore;
  s.hide = o.hide;
  return s;
}

void write_file(const std::string& path, const std::string& bytes) {
  if (path == "-") {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    return;
  }
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw analyzer::InputError(path, "", std::string("cannot write: ") + std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw analyzer::InputError(path, "", "write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw analyzer::InputError(path, "", "cannot write: rename failed");
  }
}

}  // namespace leakscope::cli
