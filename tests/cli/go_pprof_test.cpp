// Real Go heap profiles (written by runtime/pprof in a program built here), with
// `go tool pprof` as the referee for totals and rows.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "pprof_text.h"
#include "run_command.h"

namespace leakscope::test {
namespace {

const std::string kLeakscope = LEAKSCOPE_BIN;

class GoHeap : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(scratch_dir("go"));
    std::vector<std::string> env = {"GOCACHE=" + *dir_ + "/gocache", "GOPATH=" + *dir_ + "/gopath", "GOFLAGS=-mod=mod",
                                    "GO111MODULE=off"};
    auto b = run_program({"go", "build", "-o", *dir_ + "/heapgen", std::string(GO_HEAPGEN_SRC) + "/main.go"}, env);
    ASSERT_EQ(b.exit_code, 0) << b.err;
    for (const char* rate : {"1", "4096"}) {
      std::string sub = *dir_ + "/rate" + rate;
      run_program({"mkdir", "-p", sub});
      auto r = run_program({*dir_ + "/heapgen", sub, rate});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  static std::string* dir_;
};
std::string* GoHeap::dir_ = nullptr;

TopTable leakscope_top(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kLeakscope, "top", "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_leakscope_top_json(r.out);
}

TopTable pprof_top(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"go", "tool", "pprof", "-top", "-unit=B"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_pprof_top(r.out);
}

// peek's context lines as (caller/node/callee, name, integers) in order, percentages left out: pprof
// prints "100%" where leakscope prints "100.00%".
std::vector<std::string> peek_rows(const std::string& text) {
  std::vector<std::string> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t bar = line.find('|');
    if (bar == std::string::npos || line.find("context") != std::string::npos || line.find("---") == 0) continue;
    std::string row = line.compare(bar, 4, "|   ") == 0 ? "edge" : "node";
    std::istringstream numbers(line.substr(0, bar));
    for (std::string w; numbers >> w;)
      if (w.find('%') == std::string::npos) row += " " + w;
    std::string name = line.substr(bar + 1);
    row += " " + name.substr(name.find_first_not_of(' '));
    rows.push_back(row);
  }
  return rows;
}

// Recursion: pprof's graph has no self edges, so f is not its own caller; g calls f in one stack.
TEST(GoPeek, RecursiveCallersAndCalleesMatchPprof) {
  std::string dir = scratch_dir("go_peek");
  std::ofstream(dir + "/rec.folded") << "main;f;f;g 10\nmain;f 5\nmain;f;g;f;g 3\n";
  auto c = run_program({kLeakscope, "convert", dir + "/rec.folded", "-o", dir + "/rec.pb.gz"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto ours = run_program({kLeakscope, "peek", dir + "/rec.pb.gz", "^f$"});
  auto theirs = run_program({"go", "tool", "pprof", "-peek", "^f$", dir + "/rec.pb.gz"});
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  EXPECT_EQ(peek_rows(ours.out), (std::vector<std::string>{"edge 18 main", "edge 3 g", "node 5 18 f", "edge 13 g"}));
  EXPECT_EQ(peek_rows(ours.out), peek_rows(theirs.out));
}

TEST_F(GoHeap, ProtoAllFourSampleTypesMatchPprof) {
  std::string profile = *dir_ + "/rate1/heap.pb.gz";
  for (const char* type : {"inuse_space", "inuse_objects", "alloc_space", "alloc_objects"}) {
    SCOPED_TRACE(type);
    auto ours = leakscope_top({"--sample-index", type, profile});
    auto theirs = pprof_top({std::string("-sample_index=") + type, profile});
    EXPECT_GT(theirs.total, 0);
    EXPECT_EQ(ours.total, theirs.total);
    EXPECT_EQ(ours.first_row, theirs.first_row);
    EXPECT_EQ(ours.rows, theirs.rows);
  }
}

TEST_F(GoHeap, DefaultSampleTypeIsInuseSpaceAsInPprof) {
  std::string profile = *dir_ + "/rate1/heap.pb.gz";
  auto r = run_program({kLeakscope, "top", "--json", profile});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\"sample_type\": \"inuse_space\""), std::string::npos);
  EXPECT_EQ(leakscope_top({profile}).rows, pprof_top({profile}).rows);
}

TEST_F(GoHeap, KnownFunctionsCarryTheirAllocations) {
  auto ours = leakscope_top({"--sample-index", "inuse_space", *dir_ + "/rate1/heap.pb.gz"});
  ASSERT_TRUE(ours.rows.count("main.retainLarge"));
  EXPECT_GE(ours.rows["main.retainLarge"].first, 40 * (64 << 10));
  ASSERT_TRUE(ours.rows.count("main.level1"));
  EXPECT_GE(ours.rows["main.level1"].second, ours.rows["main.retainLarge"].first);
  auto alloc = leakscope_top({"--sample-index", "alloc_space", *dir_ + "/rate1/heap.pb.gz"});
  ASSERT_TRUE(alloc.rows.count("main.churn"));
  EXPECT_GE(alloc.rows["main.churn"].first, 5000 * 1024);
}

// Sampled profiles: Go's proto is pre-scaled by the runtime; the legacy text is scaled by the
// reader with period = N/2 from "@ heap/N". pprof's legacy parser is the referee for both.
TEST_F(GoHeap, SampledProtoAndLegacyTextTotalsMatchPprof) {
  for (const char* rate : {"1", "4096"}) {
    SCOPED_TRACE(rate);
    std::string sub = *dir_ + "/rate" + rate;
    for (const char* type : {"inuse_space", "alloc_objects"}) {
      SCOPED_TRACE(type);
      auto ours_pb = leakscope_top({"--sample-index", type, sub + "/heap.pb.gz"});
      auto theirs_pb = pprof_top({std::string("-sample_index=") + type, sub + "/heap.pb.gz"});
      EXPECT_EQ(ours_pb.total, theirs_pb.total);
      auto ours_txt = leakscope_top({"--sample-index", type, sub + "/heap.txt"});
      auto theirs_txt = pprof_top({std::string("-sample_index=") + type, *dir_ + "/heapgen", sub + "/heap.txt"});
      EXPECT_EQ(ours_txt.total, theirs_txt.total);
    }
  }
}

TEST_F(GoHeap, LegacyTextIsSymbolizedFromItsOwnComments) {
  // No binary given: the "#\t0xpc\tfunc+off\tfile:line" lines name the frames.
  auto ours = leakscope_top({"--sample-index", "inuse_space", *dir_ + "/rate1/heap.txt"});
  EXPECT_TRUE(ours.rows.count("main.retainLarge")) << ours.first_row;
}

TEST_F(GoHeap, ReadsWhatGoToolPprofProtoWrites) {
  std::string out = *dir_ + "/pprof-written.pb.gz";
  auto w = run_program({"go", "tool", "pprof", "-proto", "-output", out, *dir_ + "/rate1/heap.pb.gz"});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  for (const char* type : {"inuse_space", "alloc_objects"}) {
    SCOPED_TRACE(type);
    auto ours = leakscope_top({"--sample-index", type, out});
    EXPECT_EQ(ours.rows, pprof_top({std::string("-sample_index=") + type, out}).rows);
    EXPECT_EQ(ours.total, pprof_top({std::string("-sample_index=") + type, *dir_ + "/rate1/heap.pb.gz"}).total);
  }
}

TEST_F(GoHeap, ConvertRoundTripKeepsPprofView) {
  std::string out = *dir_ + "/roundtrip.pb.gz";
  auto r = run_program({kLeakscope, "convert", *dir_ + "/rate1/heap.pb.gz", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(pprof_top({out}).rows, pprof_top({*dir_ + "/rate1/heap.pb.gz"}).rows);
  EXPECT_EQ(leakscope_top({out}).rows, pprof_top({out}).rows);
}

// Patterns are pprof's dialect (Go regexp = RE2): inline flags, Unicode and POSIX classes and
// alternations select the same samples and frames in both tools, for focus, ignore and hide.
TEST_F(GoHeap, PatternsSelectWhatGoToolPprofSelects) {
  std::string profile = *dir_ + "/rate1/heap.pb.gz";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"focus", "level2"},
      {"focus", R"(^main\.(retainLarge|churn)$)"},
      {"focus", "(?i)RETAIN"},
      {"focus", R"(\pL+\.level\d)"},
      {"focus", "retain[[:upper:]]"},
      {"ignore", "(?i)^MAIN\\.CHURN$"},
      {"hide", R"(level[12])"},
  };
  for (const auto& [option, pattern] : cases) {
    SCOPED_TRACE(option + " " + pattern);
    auto ours = leakscope_top({"--sample-index", "alloc_space", "--" + option, pattern, profile});
    auto theirs = pprof_top({"-sample_index=alloc_space", "-" + option + "=" + pattern, profile});
    EXPECT_FALSE(theirs.rows.empty());
    EXPECT_EQ(ours.rows, theirs.rows);  // same functions with the same flat and cum
    // (Totals differ by design: pprof's percentages stay of the unfocused total, leakscope's of what is kept.)
  }
}

}  // namespace
}  // namespace leakscope::test
