// The one graph model (graph.h) and its pruning rules (graph_pruning.h), in process on folded input:
// flat and cum (recursion counted once), edges (once per sample, no self edges, residual over pruned
// nodes), a base matched by name, and the cut-offs every view shares.
#include "leakscope/analyzer/graph.h"

#include <gtest/gtest.h>

#include <map>

#include "leakscope/analyzer/graph_pruning.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/top_report.h"

namespace leakscope::analyzer {
namespace {

const Graph::Node& node(const Graph& g, const std::string& name) {
  for (const auto& n : g.nodes())
    if (n.name == name) return n;
  ADD_FAILURE() << "no node " << name;
  static const Graph::Node none;
  return none;
}

// "caller->callee" -> weight (with a trailing '~' when residual).
std::map<std::string, int64_t> edge_map(const Graph& g, const std::vector<Graph::Edge>& edges) {
  std::map<std::string, int64_t> out;
  for (const auto& e : edges)
    out[std::string(g.nodes()[e.caller].name) + "->" + std::string(g.nodes()[e.callee].name) +
        (e.residual ? "~" : "")] = e.weight;
  return out;
}

std::vector<std::string> names(const Graph& g, const std::vector<uint32_t>& ids) {
  std::vector<std::string> out;
  for (uint32_t n : ids) out.emplace_back(g.nodes()[n].name);
  return out;
}

TEST(Graph, FlatAtTheLeafCumOncePerStack) {
  Profile p = read_folded("main;f;f;g 10\nmain;f 5\nmain;h 2\n", "t");
  StackTable t(p, {});
  Graph g(p, t, 0);
  EXPECT_EQ(g.total(), 17);
  EXPECT_EQ(node(g, "main").flat, 0);
  EXPECT_EQ(node(g, "main").cum, 17);
  EXPECT_EQ(node(g, "f").flat, 5);
  EXPECT_EQ(node(g, "f").cum, 15) << "recursion counts a sample once";
  EXPECT_EQ(node(g, "g").flat, 10);
  // One source: the graph's node ids are the StackTable's.
  for (uint32_t n = 0; n < t.node_count(); ++n) EXPECT_EQ(g.nodes()[n].name, t.name(n));
}

TEST(Graph, EdgesOncePerSampleWithoutSelfEdges) {
  Profile p = read_folded("main;f;f;g 10\nmain;f 5\nmain;f;g;f;g 3\n", "t");
  StackTable t(p, {});
  Graph g(p, t, 0);
  auto edges = edge_map(g, g.edges_between(std::vector<bool>(g.nodes().size(), true)));
  EXPECT_EQ(edges, (std::map<std::string, int64_t>{{"main->f", 18}, {"f->g", 13}, {"g->f", 3}}));
}

TEST(Graph, ZeroSamplesMakeNoNodesAndSamplesWithoutFramesCountInTheTotal) {
  Profile p = read_folded("main;a 0\nmain;b 4\n", "t");
  StackTable t(p, {});
  Graph g(p, t, 0);
  EXPECT_FALSE(node(g, "a").present);
  EXPECT_TRUE(node(g, "b").present);
  EXPECT_EQ(prune_nodes(g, {0, 0.0}).node_total, 2u) << "main and b";

  Profile hidden = read_folded("main;a 3\nmain;b 4\n", "t");
  StackOptions o;
  o.hide = "main|a";
  StackTable ht(hidden, o);
  Graph hg(hidden, ht, 0);
  EXPECT_EQ(hg.total(), 7) << "a sample whose frames are all hidden still counts";
  EXPECT_EQ(node(hg, "b").cum, 4);
}

TEST(Graph, ABaseIsSubtractedByName) {
  Profile now = read_folded("main;grows 600\nmain;stays 100\nmain;new 50\n", "now");
  Profile base = read_folded("main;gone 30\nmain;stays 100\nmain;grows 100\n", "base");
  StackTable nt(now, {}), bt(base, {});
  Graph g({{&now, &nt, 0}, {&base, &bt, 0, -1.0}});
  EXPECT_EQ(g.total(), 750 - 230);
  EXPECT_EQ(node(g, "grows").flat, 500);
  EXPECT_EQ(node(g, "gone").flat, -30);
  EXPECT_EQ(node(g, "stays").cum, 0);
  EXPECT_TRUE(node(g, "stays").present) << "pprof keeps a node that nets to zero, then drops it";
  PrunedNodes kept = prune_nodes(g, {0, 0.0, NodeOrder::kFlatName});
  EXPECT_EQ(names(g, kept.nodes), (std::vector<std::string>{"grows", "new", "gone", "main"}));
  EXPECT_EQ(kept.node_total, 5u);
  EXPECT_EQ(kept.dropped_nodes, 1u);
  auto edges = edge_map(g, g.edges_between(std::vector<bool>(g.nodes().size(), true)));
  EXPECT_EQ(edges.at("main->gone"), -30);
  EXPECT_EQ(edges.at("main->stays"), 0);
}

TEST(GraphPruning, NodeFractionIsOfTheTotal) {
  Profile p = read_folded("main;big 990\nmain;small 4\nmain;edge 5\nmain;tiny 1\n", "t");
  StackTable t(p, {});
  Graph g(p, t, 0);
  PrunedNodes kept = prune_nodes(g, {0, 0.005, NodeOrder::kFlatName});  // 0.005 * 1000 = 5
  EXPECT_EQ(kept.node_cutoff, 5);
  EXPECT_EQ(names(g, kept.nodes), (std::vector<std::string>{"big", "edge", "main"}));
  EXPECT_EQ(kept.dropped_nodes, 2u);
}

TEST(GraphPruning, ADiffThatNetsToZeroCutsByTheLargestCum) {
  Profile now = read_folded("main;a 1000\nmain;b 3000\nmain;c 1\n", "now");
  Profile base = read_folded("main;a 3001\nmain;b 1000\n", "base");
  StackTable nt(now, {}), bt(base, {});
  Graph g({{&now, &nt, 0}, {&base, &bt, 0, -1.0}});
  ASSERT_EQ(g.total(), 0);
  PrunedNodes kept = prune_nodes(g, {0, 0.005, NodeOrder::kFlatName});
  EXPECT_EQ(kept.node_cutoff, 10) << "0.005 of |cum(a)| = 2001";
  EXPECT_EQ(names(g, kept.nodes), (std::vector<std::string>{"a", "b"}));
}

TEST(GraphPruning, OrdersDecideWhatANodeCountKeeps) {
  Profile p = read_folded("main;mid;leaf 30\nmain;mid 10\nmain;other 35\n", "t");
  StackTable t(p, {});
  Graph g(p, t, 0);
  PrunedNodes by_flat = prune_nodes(g, {2, 0.0, NodeOrder::kFlatName});
  EXPECT_EQ(names(g, by_flat.nodes), (std::vector<std::string>{"other", "leaf"}));
  EXPECT_EQ(by_flat.trimmed_nodes, 2u);
  EXPECT_EQ(names(g, prune_nodes(g, {0, 0.0, NodeOrder::kCumName}).nodes),
            (std::vector<std::string>{"main", "mid", "other", "leaf"}));
  // Equal cum: kCumName breaks the tie by name, kCumFlat by flat.
  Profile tie = read_folded("main;b;x 5\nmain;a 5\n", "t");
  StackTable tt(tie, {});
  Graph tg(tie, tt, 0);
  EXPECT_EQ(names(tg, prune_nodes(tg, {0, 0.0, NodeOrder::kCumName}).nodes),
            (std::vector<std::string>{"main", "a", "b", "x"}));
  EXPECT_EQ(names(tg, prune_nodes(tg, {0, 0.0, NodeOrder::kCumFlat}).nodes),
            (std::vector<std::string>{"main", "a", "x", "b"}));
}

TEST(GraphPruning, EdgesJumpOverPrunedNodesAndFallBelowTheEdgeFraction) {
  Profile p = read_folded("main;wrapper;fill 100\nmain;work 895\nmain;work;log 5\n", "t");
  StackTable t(p, {});
  Graph g(p, t, 0);
  PrunedNodes kept =
      prune_nodes(g, {3, 0.0, NodeOrder::kCumFlat});  // main, work, then fill (its flat breaks the tie with wrapper)
  ASSERT_EQ(names(g, kept.nodes), (std::vector<std::string>{"main", "work", "fill"}));
  PrunedEdges edges = prune_edges(g, kept, 0.01);  // cut-off 10
  EXPECT_EQ(edge_map(g, edges.edges), (std::map<std::string, int64_t>{{"main->work", 900}, {"main->fill~", 100}}));
  EXPECT_EQ(edges.edge_cutoff, 10);
  EXPECT_EQ(edges.dropped_edges, 0u) << "work->log is not between kept nodes";
  EXPECT_EQ(names(g, {edges.edges[0].caller, edges.edges[0].callee}), (std::vector<std::string>{"main", "work"}));
  PrunedEdges all = prune_edges(g, prune_nodes(g, {0, 0.0, NodeOrder::kCumFlat}), 0.01);
  EXPECT_EQ(all.dropped_edges, 1u) << "work->log (5) is below 10";
}

TEST(GraphPruning, TopReadsTheSameNodes) {
  Profile p = read_folded("main;big 990\nmain;small 4\nmain;edge 5\nmain;tiny 1\n", "t");
  StackTable t(p, {});
  Graph g(p, t, 0);
  TopReport top = make_top(g, p.sample_types[0], {false, 0, 0.005});
  PrunedNodes kept = prune_nodes(g, {0, 0.005, NodeOrder::kFlatName});
  ASSERT_EQ(top.rows.size(), kept.nodes.size());
  for (size_t i = 0; i < top.rows.size(); ++i) {
    EXPECT_EQ(top.rows[i].name, g.nodes()[kept.nodes[i]].name);
    EXPECT_EQ(top.rows[i].flat, g.nodes()[kept.nodes[i]].flat);
    EXPECT_EQ(top.rows[i].cum, g.nodes()[kept.nodes[i]].cum);
  }
  EXPECT_EQ(top.dropped_nodes, kept.dropped_nodes);
  EXPECT_EQ(top.cutoff, kept.node_cutoff);
}

}  // namespace
}  // namespace leakscope::analyzer
