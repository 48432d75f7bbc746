// The sources a command that takes a snapshot series is given: files, URLs, and directories, which
// stand for the snapshots in them. `leakscope collect` writes `<instance>.<seq>.pb.gz`; a directory
// with several instances needs `instance` to say which one.
#pragma once

#include <string>
#include <vector>

namespace leakscope::cli {

// Each directory in `args` becomes its snapshot files in order (by instance and sequence number for
// collect's names, else by name with numbers compared as numbers); hidden and temporary files are
// left out. Throws InputError for an empty directory, or for several instances without `instance`.
std::vector<std::string> series_sources(const std::vector<std::string>& args, const std::string& instance = "");

// The snapshot files of one directory, as series_sources lists them.
std::vector<std::string> snapshot_files(const std::string& dir, const std::string& instance = "");

}  // namespace leakscope::cli
