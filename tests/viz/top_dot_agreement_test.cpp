// `leakscope top` and `leakscope dot` read one graph and prune it by one set of rules (issue #14), so on
// a real jemalloc profile every node both show has the same flat and cum, and at the same node
// fraction (no node count) they show the same nodes. inuse_objects is a count, so dot's labels are exact.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "viz_test_support.h"

namespace leakscope::test {
namespace {

using NodeWeights = std::map<std::string, std::pair<int64_t, int64_t>>;  // name -> (flat, cum)

std::string dot_unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (s[i] == '\\' && i + 1 < s.size()) ? s[++i] : s[i];
  return out;
}

// By name as dot draws it: without the "(inline)" marks that parse_leakscope_top_json adds for pprof.
NodeWeights top_rows(const std::string& json) {
  NodeWeights out;
  const nlohmann::json top = nlohmann::json::parse(json);
  for (const auto& row : top.at("rows"))
    out[row.at("name").get<std::string>()] = {row.at("flat").get<int64_t>(), row.at("cum").get<int64_t>()};
  return out;
}

NodeWeights top_nodes(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kLeakscope, "top", "--json", "--sample-index", "inuse_objects"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? top_rows(r.out) : NodeWeights{};
}

// Each node line: label="NAME\nFLAT (x%)[\nof CUM (y%)]"; cum equals flat when the label has one value.
NodeWeights dot_nodes(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kLeakscope, "dot", "--sample-index", "inuse_objects", "-o", "-"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  NodeWeights out;
  std::regex node(R"(\nN[0-9]+ \[label="(.*)\\n([-+]?[0-9]+) \([^)]*\)(?:\\nof ([-+]?[0-9]+) \([^)]*\))?" id=)");
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), node); it != std::sregex_iterator(); ++it) {
    int64_t flat = std::stoll((*it)[2].str());
    out[dot_unescape((*it)[1].str())] = {flat, (*it)[3].matched ? std::stoll((*it)[3].str()) : flat};
  }
  return out;
}

// The nodes both show, after checking each has the same weights in both.
size_t expect_agreement(const NodeWeights& top, const NodeWeights& dot) {
  size_t common = 0;
  for (const auto& [name, w] : top) {
    auto it = dot.find(name);
    if (it == dot.end()) continue;
    ++common;
    EXPECT_EQ(w, it->second) << name << " (flat, cum)";
  }
  return common;
}

class TopDotAgreement : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = scratch_dir("top_dot_agreement");
    ready_ = make_backlog_series(dir_);
  }
  void SetUp() override { ASSERT_TRUE(ready_); }
  static std::string snapshot(int i) { return dir_ + "/snapshot." + std::to_string(i) + ".heap"; }
  static inline std::string dir_;
  static inline bool ready_ = false;
};

TEST_F(TopDotAgreement, EveryNodeBothShowHasTheSameFlatAndCum) {
  NodeWeights top = top_nodes({snapshot(5)});
  NodeWeights dot = dot_nodes({snapshot(5)});
  EXPECT_GE(expect_agreement(top, dot), 3u) << "too few nodes in common to compare";
}

TEST_F(TopDotAgreement, TheSameNodeFractionShowsTheSameNodes) {
  for (const char* fraction : {"0", "0.005", "0.05"}) {
    NodeWeights top = top_nodes({snapshot(5), "--nodefraction", fraction});
    NodeWeights dot = dot_nodes({snapshot(5), "--nodefraction", fraction, "--nodecount", "0"});
    EXPECT_EQ(top, dot) << "--nodefraction " << fraction;
    EXPECT_FALSE(top.empty());
  }
}

TEST_F(TopDotAgreement, AgreeOnADiffAgainstABase) {
  NodeWeights top = top_nodes({snapshot(5), "--base", snapshot(1), "--nodefraction", "0.01"});
  NodeWeights dot = dot_nodes({snapshot(5), "--base", snapshot(1), "--nodefraction", "0.01", "--nodecount", "0"});
  EXPECT_EQ(top, dot);
  EXPECT_FALSE(top.empty());
}

// A diff whose total nets to zero: both cut by the largest |cum| (top once cut by nothing here).
TEST(TopDotAgreementFolded, ADiffThatNetsToZeroIsCutTheSameWay) {
  std::string dir = scratch_dir("top_dot_agreement_zero");
  std::string now = write_text(dir + "/now.folded", "main;a 1000\nmain;b 3000\nmain;c 1\n");
  std::string base = write_text(dir + "/base.folded", "main;a 3001\nmain;b 1000\n");
  auto run = [&](std::vector<std::string> cmd) {
    cmd.insert(cmd.begin(), kLeakscope);
    cmd.insert(cmd.end(), {now, "--base", base});
    return run_program(cmd);
  };
  auto top = run({"top", "--json"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  auto dot = run({"dot", "-o", "-", "--nodecount", "0"});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(top_rows(top.out), (NodeWeights{{"a", {-2001, -2001}}, {"b", {2000, 2000}}}));
  EXPECT_NE(dot.out.find("tooltip=\"a (-2001)\""), std::string::npos);
  EXPECT_NE(dot.out.find("tooltip=\"b (+2000)\""), std::string::npos);
  EXPECT_EQ(dot.out.find("tooltip=\"c ("), std::string::npos) << "below the cut-off in dot as in top";
}

}  // namespace
}  // namespace leakscope::test
