// GoogleTest integration of LeakCheck (leak_check.h). Link `leakscope_gtest_leakcheck` instead of
// gtest_main (CMake: leakscope_add_leak_checked_test(target)): its main installs a listener that
// wraps every TEST in a LeakCheck and fails the test, with a table of the holding functions, when it
// leaves more live than the thresholds allow. GoogleTest records failures raised in OnTestEnd against
// the test that just ran (gtest.cc calls OnTestEnd before it stops associating results with it), and
// runs *End events in reverse listener order, so the failure is printed before "[  FAILED  ]".
// The delta profile of a failing check is written to LEAKSCOPE_LEAKCHECK_OUTPUT_DIR (default: the
// current directory) as <suite>.<test>.leak.pb.gz, for `leakscope top/flame/list`.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "leakscope/profiler/leak_check.h"

namespace leakscope::profiler {

// Writes r.delta_proto_gz as <dir>/<name>.leak.pb.gz; returns the path, or "" when there is none.
std::string write_leak_delta(const LeakReport& r, const std::string& name);
// The name of the running test, "Suite.Test" ("leak-check" outside a test).
std::string current_test_name();
// Turns sampling on for the whole process (what the main does); false when jemalloc refuses.
bool activate_leak_check_profiling();

// Skips the per-test check of the listener for the running test (for tests that measure leaks
// on purpose and keep what they made).
void skip_listener_leak_check();

}  // namespace leakscope::profiler

// Runs `statement` n times through LeakCheck::repeat and fails (non-fatally) with the report when it
// keeps leaving memory live after the warm-up run.
#define LEAKSCOPE_EXPECT_NO_LEAK_N(statement, n)                                                                  \
  do {                                                                                                            \
    ::leakscope::profiler::LeakReport leakscope_report_ =                                                         \
        ::leakscope::profiler::LeakCheck::repeat((n), [&] { statement; });                                        \
    if (leakscope_report_.leaked) {                                                                               \
      std::string leakscope_path_ =                                                                               \
          ::leakscope::profiler::write_leak_delta(leakscope_report_, ::leakscope::profiler::current_test_name()); \
      ADD_FAILURE() << #statement << " leaks\n"                                                                   \
                    << leakscope_report_.text()                                                                   \
                    << (leakscope_path_.empty() ? "" : "delta profile: " + leakscope_path_);                      \
    }                                                                                                             \
  } while (0)
#define LEAKSCOPE_EXPECT_NO_LEAK(statement) LEAKSCOPE_EXPECT_NO_LEAK_N(statement, 5)
