// leakscope dot: golden structure on a fixed profile (nodes, edges, pruning counts, residual
// edges), differential colouring, and in-process rendering to SVG and PNG with libgvc.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "viz_test_support.h"

namespace leakscope::test {
namespace {

const std::string kProfile = std::string(TEST_DATA_DIR) + "/callgraph.folded";

std::string dot(std::vector<std::string> args) {
  args.insert(args.begin(), {kLeakscope, "dot"});
  args.insert(args.end(), {"-o", "-"});
  auto r = run_program(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// Golden files are regenerated with LEAKSCOPE_UPDATE_GOLDEN=1 (then review the diff by hand).
void expect_golden(const std::string& actual, const std::string& golden) {
  std::string path = std::string(TEST_DATA_DIR) + "/" + golden;
  if (std::getenv("LEAKSCOPE_UPDATE_GOLDEN")) write_text(path, actual);
  EXPECT_EQ(actual, read_file(path)) << "differs from " << path;
}

std::vector<std::string> edges(const std::string& d) { return all_matches(d, "tooltip=\"([^\"]* -> [^\"]*) \\("); }

TEST(CallGraph, DefaultPruningMatchesGolden) {
  std::string d = dot({kProfile});
  expect_golden(d, "callgraph.golden.dot");
  EXPECT_EQ(all_matches(d, "\n(N[0-9]+) \\[label").size(), 10u);
  EXPECT_EQ(edges(d).size(), 9u);
  EXPECT_NE(d.find("Dropped 5 nodes (cum <= 52)"), std::string::npos);
  EXPECT_NE(d.find("Dropped 1 edges (freq <= 10)"), std::string::npos);
  EXPECT_EQ(d.find("log"), std::string::npos) << "below nodefraction";
  EXPECT_EQ(d.find("dashed"), std::string::npos);
}

TEST(CallGraph, NodecountTrimsAndLeavesResidualEdges) {
  std::string d = dot({kProfile, "--nodecount", "7"});
  expect_golden(d, "callgraph.nodecount7.golden.dot");
  // The legend's counts are the nodes drawn here and the nodes of the same graph without --nodecount.
  auto counts = all_matches(d, "Showing top ([0-9]+ nodes out of [0-9]+)");
  ASSERT_EQ(counts.size(), 1u) << d;
  const std::string node_rx = "\n(N[0-9]+) \\[label";
  EXPECT_EQ(counts[0], std::to_string(all_matches(d, node_rx).size()) + " nodes out of " +
                           std::to_string(all_matches(dot({kProfile}), node_rx).size()));
  EXPECT_EQ(all_matches(d, node_rx).size(), 7u);
  auto e = edges(d);
  EXPECT_NE(std::find(e.begin(), e.end(), "serve -> cache_fill"), e.end()) << "jumps over the trimmed wrapper";
  EXPECT_NE(d.find("tooltip=\"serve -> cache_fill (1500)\" style=\"dashed\""), std::string::npos);
}

TEST(CallGraph, FractionsAreFlags) {
  std::string all = dot({kProfile, "--nodefraction", "0", "--edgefraction", "0"});
  EXPECT_EQ(all_matches(all, "\n(N[0-9]+) \\[label").size(), 15u);
  EXPECT_NE(all.find("tooltip=\"serve -> parse (8)\""), std::string::npos);
}

TEST(CallGraph, DiffIsRedForGrowthAndGreenForShrink) {
  std::string dir = scratch_dir("callgraph_diff");
  std::string base = write_text(dir + "/base.folded", "main;grows 100\nmain;shrinks 400\n");
  std::string now = write_text(dir + "/now.folded", "main;grows 600\nmain;shrinks 100\n");
  std::string d = dot({now, "--base", base});
  auto colour = [&](const std::string& name) {
    auto m = all_matches(d, "label=\"" + name + "\\\\n[^\"]*\" [^\\]]* color=\"#([0-9a-f]{6})\"");
    EXPECT_EQ(m.size(), 1u) << name << "\n" << d;
    return m.empty() ? std::string("000000") : m[0];
  };
  std::string g = colour("grows"), s = colour("shrinks");
  EXPECT_GT(std::stoi(g.substr(0, 2), nullptr, 16), std::stoi(g.substr(2, 2), nullptr, 16)) << "red dominates: " << g;
  EXPECT_GT(std::stoi(s.substr(2, 2), nullptr, 16), std::stoi(s.substr(0, 2), nullptr, 16)) << "green dominates: " << s;
  EXPECT_NE(d.find("grows\\n+500 "), std::string::npos) << d;
  EXPECT_NE(d.find("shrinks\\n-300 "), std::string::npos) << d;
}

TEST(CallGraph, RendersSvgAndPngInProcess) {
  std::string dir = scratch_dir("callgraph_render");
  auto r = run_program({kLeakscope, "dot", kProfile, "-o", dir + "/g.svg"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_well_formed_xml(dir + "/g.svg");
  std::string svg = read_file(dir + "/g.svg");
  EXPECT_NE(svg.find(">cache_fill</text>"), std::string::npos);
  EXPECT_EQ(all_matches(svg, "<g id=\"(node[0-9]+)\" class=\"node\"").size(), 11u) << "10 nodes and the legend";
  r = run_program({kLeakscope, "dot", kProfile, "-o", dir + "/g.png"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string png = read_file(dir + "/g.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

TEST(CallGraph, HostileNamesStayInsideTheirLabels) {
  std::string dir = scratch_dir("callgraph_hostile");
  std::string p = write_text(dir + "/h.folded", "main;evil\" -> N1 [label=\"x\\\"];\xff\xfe 10\n");
  auto r = run_program({kLeakscope, "dot", p, "-o", dir + "/h.svg"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_well_formed_xml(dir + "/h.svg");
  // Three frames (main, the quote-laden one, the invalid UTF-8 one) and the legend; no injected node or edge.
  std::string svg = read_file(dir + "/h.svg");
  EXPECT_EQ(all_matches(svg, "<g id=\"(node[0-9]+)\" class=\"node\"").size(), 4u) << svg;
  EXPECT_EQ(all_matches(svg, "<g id=\"(edge[0-9]+)\" class=\"edge\"").size(), 2u) << svg;
}

}  // namespace
}  // namespace leakscope::test
