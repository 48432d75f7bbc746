// Linked with the installed leakscope::gtest_leakcheck main: Clean frees what it makes and passes;
// Leaks keeps 64 KiB from consumer_test_keeps_blocks() and must fail, naming that function.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace {

std::vector<std::unique_ptr<char[]>> kept;

__attribute__((noinline)) void consumer_test_keeps_blocks() {
  for (int i = 0; i < 64; ++i) kept.push_back(std::make_unique<char[]>(1024));
}

TEST(InstalledLeakCheck, Clean) {
  std::vector<std::unique_ptr<char[]>> local;
  for (int i = 0; i < 64; ++i) local.push_back(std::make_unique<char[]>(1024));
  EXPECT_EQ(local.size(), 64u);
}

TEST(InstalledLeakCheck, Leaks) {
  consumer_test_keeps_blocks();
  EXPECT_EQ(kept.size(), 64u);
}

}  // namespace
