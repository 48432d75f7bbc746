// Options and steps shared by the leakscope subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/profile_source.h"
#include "leakscope/analyzer/sample_index.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::cli {

struct ProfileOptions {
  std::string binary_path;
  bool keep_allocator_frames = false;
  std::string sample_index;
  std::string granularity = "functions";
  std::string focus, ignore, hide;
  analyzer::SourceOptions
      source;  // for http(s) URLs: --seconds, --token (default $LEAKSCOPE_DEBUG_TOKEN), --ca-file, --timeout
};

// What a profile argument may be, for the commands' help.
inline constexpr const char* kProfileArgHelp =
    "jemalloc dump, legacy heap text, profile.proto (.pb.gz) or folded stacks: a file, - (stdin), a pipe, or an "
    "http(s) URL such as http://127.0.0.1:6060/debug/pprof/heap";

// --binary-path, --keep-allocator-frames, --sample-index, --granularity, --focus/--ignore/--hide,
// and the source options (add_source_options).
void add_profile_options(CLI::App* cmd, ProfileOptions& o);
// --seconds, --token, --ca-file, --timeout: how profiles given as http(s) URLs are fetched.
void add_source_options(CLI::App* cmd, ProfileOptions& o);

// Reads (a file, "-", a pipe or a URL) and (when it has bare addresses) symbolizes a profile.
analyzer::Profile load_profile(const std::string& path, const ProfileOptions& o);

analyzer::StackOptions stack_options(const ProfileOptions& o);

// A profile and, for comparisons, its base: the base's sample type is the one chosen for the profile.
struct ProfileAndBase {
  analyzer::Profile now;
  int now_index = 0;
  analyzer::Profile base;
  int base_index = -1;  // -1: no base
  bool has_base() const { return base_index >= 0; }
};
// Loads `path` and, when `base_path` is not empty, the base.
ProfileAndBase load_profile_and_base(const std::string& path, const std::string& base_path, const ProfileOptions& o);

// Writes atomically (temp file + rename): a failure never leaves partial output behind.
void write_file(const std::string& path, const std::string& bytes);

}  // namespace leakscope::cli
