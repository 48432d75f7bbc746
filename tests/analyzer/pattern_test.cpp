#include "leakscope/analyzer/pattern.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace leakscope::analyzer {
namespace {

std::string error_of(const std::string& pattern, const std::string& option) {
  try {
    Pattern::compile(pattern, option);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Pattern, SpeaksPprofsDialect) {
  // Go regexp syntax that ECMAScript lacks: inline flags, Unicode classes, (?P<name>...), \z.
  EXPECT_TRUE(Pattern::compile("(?i)^recv_CONTENT$", "t").matches("recv_content"));
  EXPECT_TRUE(Pattern::compile(R"(^\pL+::\pL+$)", "t").matches("relay::consume"));
  EXPECT_TRUE(Pattern::compile(R"((?P<ns>\w+)::recv\z)", "t").matches("amqp::recv"));
  EXPECT_TRUE(Pattern::compile("[[:upper:]]", "t").matches("NotifyClose"));
  // Searched, not anchored, as Go's MatchString.
  EXPECT_TRUE(Pattern::compile("Close", "t").matches("NotifyClose"));
  EXPECT_FALSE(Pattern::compile("^Close", "t").matches("NotifyClose"));
}

TEST(Pattern, RejectsWhatGoRejects) {
  // Lookaround and backreferences are not Go regexp (they are what makes backtracking necessary).
  EXPECT_NE(error_of("(?=a)b", "--focus"), "");
  EXPECT_NE(error_of(R"((a)\1)", "--focus"), "");
}

TEST(Pattern, ErrorIsOneLineNamingTheOption) {
  EXPECT_EQ(error_of("(", "--focus"), R"(--focus: invalid pattern "(": missing ): ()");
  EXPECT_EQ(error_of("a**", "hide"), R"(hide: invalid pattern "a**": bad repetition operator: **)");
}

TEST(Pattern, PathologicalPatternEndsAndMatchesNothing) {
  // Backtracking engines take exponential time here; RE2 is linear in the text.
  Pattern p = Pattern::compile(R"((.*.*)*[^\s\s]^)", "--focus");
  EXPECT_FALSE(p.matches(std::string(20000, 'a')));
  EXPECT_FALSE(p.matches("std::vector<int>::_M_realloc_insert"));
  EXPECT_TRUE(Pattern::compile("(a|aa)*$", "t").matches(std::string(100000, 'a') + "b"));
}

TEST(Pattern, EmptyPatternObjectMatchesNothing) {
  EXPECT_FALSE(Pattern().matches("anything"));
  EXPECT_TRUE(Pattern::compile("", "t").matches("anything"));  // as Go: the empty pattern matches everywhere
}

}  // namespace
}  // namespace leakscope::analyzer
