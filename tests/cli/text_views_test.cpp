// leakscope traces, peek and list through the real CLI, on the fixed call-graph profile and on a
// real jemalloc dump whose source is in this tree.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "run_command.h"

namespace leakscope::test {
namespace {

const std::string kLeakscope = LEAKSCOPE_BIN;
const std::string kProfile = std::string(TEST_DATA_DIR) + "/callgraph.folded";

std::string ok(std::vector<std::string> args) {
  args.insert(args.begin(), kLeakscope);
  auto r = run_program(args);
  EXPECT_EQ(r.exit_code, 0) << args[1] << ": " << r.err;
  return r.out;
}

TEST(TextViews, TracesListsDistinctStacksLargestFirst) {
  std::string out = ok({"traces", kProfile, "--nodecount", "0"});
  // The fixed profile's stacks are its lines that are not comments, all distinct.
  std::istringstream folded(read_file(kProfile));
  int stacks = 0;
  for (std::string line; std::getline(folded, line);) stacks += !line.empty() && line[0] != '#';
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(Showing (\d+) distinct stacks)"))) << out;
  EXPECT_EQ(std::stoi(m[1]), stacks) << out;
  size_t parse = out.find("      5000   parse\n             handle\n             serve\n             main\n");
  size_t encode = out.find("      3000   encode\n             respond\n");
  ASSERT_NE(parse, std::string::npos) << out;
  ASSERT_NE(encode, std::string::npos) << out;
  EXPECT_LT(parse, encode);
  EXPECT_NE(ok({"traces", kProfile, "--nodecount", "2"}).find("(" + std::to_string(stacks - 2) + " more stacks"),
            std::string::npos);
}

TEST(TextViews, PeekShowsCallersAndCalleesWithEdgeWeights) {
  std::string out = ok({"peek", kProfile, "^handle$"});
  // handle: called from serve (8500), calls parse (5000) and respond (3500); callers above, callees below.
  std::regex shape(
      R"(\s+8500 100\.00% \|   serve\n\s+0\s+0\.00%\s+8500\s+81\.39%\s+\| handle\n\s+5000\s+58\.82% \|   parse\n\s+3500\s+41\.18% \|   respond\n)");
  EXPECT_TRUE(std::regex_search(out, shape)) << out;
  EXPECT_NE(ok({"peek", kProfile, "nosuchfunction"}).find("No function matches"), std::string::npos);
}

TEST(TextViews, ListShowsTheAllocatingSourceLine) {
  std::string dir = scratch_dir("list");
  auto r =
      run_program({std::string(KNOWN_ALLOCS_BIN), dir + "/k.heap", "3"}, {"MALLOC_CONF=prof:true,lg_prof_sample:0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string out = ok({"list", dir + "/k.heap", "^keep_small$"});
  EXPECT_NE(out.find("ROUTINE ======================== keep_small in "), std::string::npos) << out;
  // The malloc(1000) line carries all 10 x 1 KiB; the lines around it show dots.
  std::regex hot(
      R"(\s+10\.00kB\s+10\.00kB\s+\d+:\s+for \(int i = 0; i < 10; \+\+i\) kept\.push_back\(malloc\(1000\)\);)");
  EXPECT_TRUE(std::regex_search(out, hot)) << out;
  EXPECT_NE(out.find("         .          . "), std::string::npos) << out;
}

TEST(TextViews, ListWithoutSourceSaysSoAndStillGivesLineValues) {
  std::string dir = scratch_dir("list_nosrc");
  auto r =
      run_program({std::string(KNOWN_ALLOCS_BIN), dir + "/k.heap", "3"}, {"MALLOC_CONF=prof:true,lg_prof_sample:0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_program({kLeakscope, "convert", dir + "/k.heap", "-o", dir + "/k.pb.gz"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Rewrite the recorded source path to one that does not exist: leakscope must say so, not fail.
  std::string folded_free = ok({"list", dir + "/k.pb.gz", "^keep_small$", "--source-path", "/nonexistent"});
  EXPECT_NE(folded_free.find("keep_small"), std::string::npos);
  std::string bad = ok({"list", kProfile, "parse"});
  EXPECT_NE(bad.find("source not available"), std::string::npos) << bad;
  for (const char* view : {"list", "peek"}) {
    r = run_program({kLeakscope, view, kProfile, "("});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "leakscope: regex: invalid pattern \"(\": missing ): (\n") << view;
  }
}

}  // namespace
}  // namespace leakscope::test
