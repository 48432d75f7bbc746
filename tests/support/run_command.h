// Runs a shell command for tests, capturing stdout, stderr and the exit code.
#pragma once

#include <string>

namespace leakscope::test {

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

CommandResult run_command(const std::string& command);
std::string read_file(const std::string& path);
// A fresh directory under the build tree for one test's files.
std::string scratch_dir(const std::string& name);
std::string shell_quote(const std::string& s);

}  // namespace leakscope::test
