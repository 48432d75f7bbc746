#include "leakscope/analyzer/stack_table.h"

#include <gtest/gtest.h>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/readers.h"

namespace leakscope::analyzer {
namespace {

std::vector<std::string> leaf_first(const StackTable& t, size_t i) {
  std::vector<std::string> names;
  for (auto n : t.stack(i)) names.push_back(t.name(n));
  return names;
}

TEST(StackTable, TrimsFromTheRootMostAllocatorFrameAfterUserCode) {
  Profile p = read_folded(
      "main;handler;operator new;malloc;libjemalloc.so.2+0x1234 100\n"
      "main;std::vector::reserve;std::_Vector_base::_M_allocate;operator new;malloc 50\n"
      "malloc;je_prof_backtrace 7\n",
      "t");
  StackTable t(p, {});
  EXPECT_EQ(leaf_first(t, 0), (std::vector<std::string>{"handler", "main"}));
  EXPECT_EQ(leaf_first(t, 1), (std::vector<std::string>{"std::vector::reserve", "main"}));
  // Only allocator frames: nothing to attribute to, so nothing is removed.
  EXPECT_EQ(leaf_first(t, 2), (std::vector<std::string>{"je_prof_backtrace", "malloc"}));
}

TEST(StackTable, KeepAllocatorFramesLeavesStacksWhole) {
  Profile p = read_folded("main;handler;operator new;malloc 100\n", "t");
  StackOptions o;
  o.keep_allocator_frames = true;
  StackTable t(p, o);
  EXPECT_EQ(leaf_first(t, 0).front(), "malloc");
}

TEST(StackTable, FocusIgnoreHide) {
  Profile p = read_folded("main;a;x 1\nmain;b;x 2\nmain;c 4\n", "t");
  StackOptions o;
  o.focus = "^b$";
  EXPECT_EQ(aggregate(p, StackTable(p, o), 0).total, 2);
  o = {};
  o.ignore = "^x$";
  EXPECT_EQ(aggregate(p, StackTable(p, o), 0).total, 4);
  o = {};
  o.hide = "^x$";
  auto agg = aggregate(p, StackTable(p, o), 0);
  EXPECT_EQ(agg.nodes["a"].flat, 1);
  EXPECT_EQ(agg.nodes.count("x"), 0u);
}

TEST(Aggregate, RecursionCountsOnceInCum) {
  Profile p = read_folded("main;f;f;f 10\n", "t");
  auto agg = aggregate(p, StackTable(p, {}), 0);
  EXPECT_EQ(agg.nodes["f"].flat, 10);
  EXPECT_EQ(agg.nodes["f"].cum, 10);
  EXPECT_EQ(agg.nodes["main"].cum, 10);
}

TEST(StackTable, BadRegexIsAnError) {
  Profile p = read_folded("a 1\n", "t");
  StackOptions o;
  o.focus = "(unclosed";
  EXPECT_THROW(StackTable(p, o), std::invalid_argument);
}

TEST(StackTable, ProfilePatternsAreRe2AsInPprof) {
  // A profile's drop_frames/keep_frames are Go regexps too (pprof's Prune anchors them whole).
  Profile p = read_folded("main;handler;Alloc::grow;Alloc::raw 100\n", "t");
  p.drop_frames = R"((?i)alloc::\pL+)";
  p.keep_frames = "Alloc::grow";
  EXPECT_EQ(leaf_first(StackTable(p, {}), 0), (std::vector<std::string>{"Alloc::grow", "handler", "main"}));
  p.drop_frames = "(";
  try {
    StackTable t(p, {});
    ADD_FAILURE() << "a bad drop_frames was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "the profile's drop_frames: invalid pattern \"(\": missing ): (");
  }
}

}  // namespace
}  // namespace leakscope::analyzer
