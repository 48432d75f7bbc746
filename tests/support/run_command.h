// Runs a program for tests (through the one launcher, process::ChildProcess), capturing stdout,
// stderr and the exit code.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace leakscope::test {

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// argv as given, no shell, so a path with spaces stays one word; argv[0] without a '/' is looked up in
// PATH. Exit code -1 when it was still running after `bound` (it is then stopped).
CommandResult run_program(const std::vector<std::string>& argv, std::chrono::seconds bound = std::chrono::seconds(600));
// The same with extra environment variables (NAME=value, replacing inherited ones of that name).
CommandResult run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::seconds bound = std::chrono::seconds(600));
// A shell command line, for tests whose point is a shell feature (a pipe, a redirection, a FIFO writer
// in the background): /bin/sh -c COMMAND through run_program.
CommandResult run_command(const std::string& command);
std::string read_file(const std::string& path);
// A fresh directory under the build tree for one test's files.
std::string scratch_dir(const std::string& name);
std::string shell_quote(const std::string& s);

}  // namespace leakscope::test
