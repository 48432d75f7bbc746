#include "run_command.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "leakscope/process/child_process.h"

namespace leakscope::test {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string scratch_dir(const std::string& name) {
  auto dir = std::filesystem::path(LEAKSCOPE_TEST_SCRATCH) / (name + "." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

namespace {

// ChildProcess takes a path; tests name tools (go, jeprof, openssl) as a shell would.
std::string resolve_in_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = (std::filesystem::path(dir.empty() ? "." : dir) / program).string();
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;  // ChildProcess then names what it could not start
}

}  // namespace

CommandResult run_program(const std::vector<std::string>& argv, std::chrono::seconds bound) {
  return run_program(argv, {}, bound);
}

CommandResult run_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::seconds bound) {
  static int counter = 0;
  std::string base =
      std::string(LEAKSCOPE_TEST_SCRATCH) + "/cmd." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  process::ChildOptions options;
  options.out_path = base + ".out";
  options.err_path = base + ".err";
  options.env = env;
  std::vector<std::string> resolved = argv;
  if (!resolved.empty()) resolved[0] = resolve_in_path(resolved[0]);
  CommandResult r;
  {
    process::ChildProcess child(resolved, options);
    r.exit_code = child.wait_exit(bound);  // -1: still running after the bound (then stopped)
  }
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return r;
}

CommandResult run_command(const std::string& command) { return run_program({"/bin/sh", "-c", command}); }

}  // namespace leakscope::test
