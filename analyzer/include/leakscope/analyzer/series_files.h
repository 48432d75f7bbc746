// A collected series on disk, as `leakscope collect` writes it and trend/serve read it:
// DIR/<instance>.<seq>.pb.gz, one profile.proto per poll, where <instance> is the polled process's
// host:port and <seq> counts up from 000001 per instance (zero-padded: name order is poll order).
// Each profile carries its collection time in time_nanos (what trend orders by) and an `instance`
// string label on every sample (so merged or relabelled profiles, and pprof's -tagfocus, still tell
// the processes apart). Kept here so writer and readers share one definition.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

inline constexpr const char* kInstanceLabel = "instance";

struct SeriesFile {
  std::string path;
  std::string instance;
  uint64_t seq = 0;
};

// "<instance>.<seq, 6 digits or more>.pb.gz"
std::string series_file_name(const std::string& instance, uint64_t seq);

// The series files in `dir` (other files are not listed), by instance, then seq. Throws InputError
// when `dir` cannot be read.
std::vector<SeriesFile> list_series_files(const std::string& dir);

// Profile arguments with each directory replaced by its snapshots: a collected series' files (by
// instance, then seq; `instance` is the file name's, used when a profile carries no instance label),
// else every file in it by name, numbers compared as numbers (snapshot.2 before snapshot.10). Hidden
// and temporary (.tmp, .partial) files are left out.
struct SeriesInput {
  std::string path;
  std::string instance;
};
// Throws InputError for an empty or unreadable directory.
std::vector<SeriesInput> expand_series_dirs(const std::vector<std::string>& args);

// Sets the `instance` label on every sample (replacing one already there).
void set_instance_label(Profile& p, const std::string& instance);
// The `instance` label of the profile's samples; empty when it has none (a profile without samples:
// its file name tells, SeriesFile::instance).
std::string instance_of(const Profile& p);

}  // namespace leakscope::analyzer
