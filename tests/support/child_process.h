// Tests start their programs with the scenarios' ChildProcess, logging into the test scratch dir.
#pragma once

#include "leakscope/scenarios/child_process.h"

namespace leakscope::test {

class ChildProcess : public scenarios::ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides)
      : scenarios::ChildProcess(argv, env_overrides, LEAKSCOPE_TEST_SCRATCH) {}
};

using scenarios::debug_port;

}  // namespace leakscope::test
