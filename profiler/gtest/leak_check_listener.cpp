
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "leakscope/profiler/gtest_leak_check.h"
#include "leakscope/profiler/jemalloc_control.h"

namespace leakscope::profiler {
namespace {

bool skip_current = false;

// Wraps every test (fixture set-up and tear-down included) in a LeakCheck.
class LeakCheckListener : public ::testing::EmptyTestEventListener {
 public:
  explicit LeakCheckListener(LeakCheckConfig config) : check_(std::move(config)) {}

  void OnTestStart(const ::testing::TestInfo&) override {
    skip_current = false;
    check_.start();
  }

  void OnTestEnd(const ::testing::TestInfo& info) override {
    LeakReport r = check_.finish();
    if (skip_current || info.result()->Skipped() || !r.leaked) return;
    std::string path = write_leak_delta(r, std::string(info.test_suite_name()) + "." + info.name());
    ADD_FAILURE() << "the test left memory live\n" << r.text() << (path.empty() ? "" : "delta profile: " + path);
  }

 private:
  LeakCheck check_;
};

}  // namespace

std::string current_test_name() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info ? std::string(info->test_suite_name()) + "." + info->name() : "leak-check";
}

std::string write_leak_delta(const LeakReport& r, const std::string& name) {
  if (r.delta_proto_gz.empty()) return "";
  const char* dir = std::getenv("LEAKSCOPE_LEAKCHECK_OUTPUT_DIR");
  std::string path = (dir && *dir ? std::string(dir) : std::string(".")) + "/" + name + ".leak.pb.gz";
  std::ofstream out(path, std::ios::binary);
  out.write(r.delta_proto_gz.data(), static_cast<std::streamsize>(r.delta_proto_gz.size()));
  return out ? path : "";
}

bool activate_leak_check_profiling() { return set_profiling_active(true) && set_thread_profiling_active(true); }

void skip_listener_leak_check() { skip_current = true; }

}  // namespace leakscope::profiler

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  using namespace leakscope::profiler;
  if (!activate_leak_check_profiling())
    std::fprintf(stderr, "leak check: jemalloc profiling is not enabled; checking totals only, without sites\n");
  // Appended after the default printer: OnTestEnd runs in reverse order, so this one reports first.
  LeakCheckConfig config;
  try {
    config = LeakCheckConfig::from_environment();
  } catch (const std::invalid_argument& e) {  // "<file>:<line>: what was expected"
    std::fprintf(stderr, "leak check: %s\n", e.what());
    return 2;
  }
  // GoogleTest's own records of a test's results (failures, properties) outlive the test by design.
  // Only TestResult: every test body runs under other testing:: frames, and suppressions match any frame.
  config.suppressions.push_back(
      {leakscope::analyzer::Pattern::compile("^testing::TestResult::", "leak check"), "GoogleTest's result records"});
  ::testing::UnitTest::GetInstance()->listeners().Append(new LeakCheckListener(std::move(config)));
  return RUN_ALL_TESTS();
}
