// Runs `leakscope symbolize-snapshot` as a short-lived child process, so symbolization (libdw's DWARF
// state, tens of MiB for a C++ service) never lives in the profiled process. The child inherits the
// dump(s) and the output as file descriptors, gets a clean environment (no LD_PRELOAD, MALLOC_CONF or
// LEAKSCOPE_* service variables, so it is neither profiled nor serving) and is killed past a deadline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace leakscope::profiler {

// $LEAKSCOPE_SYMBOLIZER (a path; "off" for none), else `leakscope` beside the executable or shared
// library that holds the profiler (DIR/leakscope, DIR/../bin/leakscope), else on PATH. "" when none.
std::string find_symbolizer_helper();

struct HelperRun {
  bool ok = false;
  std::string summary;              // the helper's stdout: one JSON line
  std::vector<std::string> errors;  // the helper's stderr lines
  std::string failure;              // why not ok
};

struct HelperFiles {
  int dump = -1;  // read
  int base = -1;  // read, optional
  int out = -1;   // written from offset 0
};

// `extra_args` follow "symbolize-snapshot DUMP [--base BASE] --out-fd N".
HelperRun run_symbolizer_helper(const std::string& helper, const HelperFiles& files,
                                const std::vector<std::string>& extra_args, std::chrono::milliseconds deadline);

}  // namespace leakscope::profiler
