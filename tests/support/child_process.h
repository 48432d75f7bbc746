// Tests start their programs with the one launcher (process::ChildProcess), logging into the test
// scratch dir.
#pragma once

#include <regex>
#include <string>

#include "leakscope/process/child_process.h"

namespace leakscope::test {

class ChildProcess : public process::ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides)
      : process::ChildProcess(argv, env_overrides, LEAKSCOPE_TEST_SCRATCH) {}
};

// The port from "debug endpoints on http://127.0.0.1:PORT/" in the child's stderr, or -1.
inline int debug_port(const process::ChildProcess& child) {
  static const std::regex rx(R"(debug endpoints on http://[^:]+:(\d+)/)");
  std::smatch m;
  std::string err = child.err();
  return std::regex_search(err, m, rx) ? std::stoi(m[1]) : -1;
}

}  // namespace leakscope::test
