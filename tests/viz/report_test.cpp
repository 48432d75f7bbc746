// leakscope report: a real snapshot series from a program that leaks on purpose, through trend and
// report; the page and its SVGs exist, parse, and name the leaking function.
#include <gtest/gtest.h>

#include <filesystem>

#include "viz_test_support.h"

namespace leakscope::test {
namespace {

TEST(Report, BaseTrendAndMemoryMakeOnePageWithEverySection) {
  std::string dir = scratch_dir("report");
  ASSERT_TRUE(make_backlog_series(dir));
  CommandResult r;
  write_text(dir + "/memory.csv", "seconds,rss\n0,1000\n1,2000\n2,4000\n");
  r = run_program({kLeakscope, "report", dir + "/snapshot.5.heap", "--base", dir + "/snapshot.1.heap", "--trend-json",
                   dir + "/trend.json", "--memory-csv", dir + "/memory.csv", "-o", dir + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"index.html", "flame.svg", "diff-flame.svg", "graph.svg"}) {
    ASSERT_TRUE(std::filesystem::exists(dir + "/out/" + f)) << f;
    if (std::string(f) != "index.html") expect_well_formed_xml(dir + "/out/" + f);
  }
  std::string html = read_file(dir + "/out/index.html");
  EXPECT_NE(html.find("Leak suspect: (anonymous namespace)::recv_content"), std::string::npos);
  for (const char* id : {"id=\"suspects\"", "id=\"memory\"", "id=\"growth-table\"", "id=\"top-table\"",
                         "data=\"flame.svg\"", "data=\"diff-flame.svg\"", "data=\"graph.svg\""})
    EXPECT_NE(html.find(id), std::string::npos) << id;
  for (const char* external : {"src=\"http", "href=\"http", "url(http", "@import"})
    EXPECT_EQ(html.find(external), std::string::npos) << "offline: no external resources (" << external << ")";
  EXPECT_NE(read_file(dir + "/out/graph.svg").find("recv_content"), std::string::npos);
}

TEST(Report, MalformedSideInputsAreOneLineErrors) {
  std::string dir = scratch_dir("report_bad");
  std::string p = write_text(dir + "/p.folded", "main;a 5\n");
  write_text(dir + "/bad.csv", "seconds,rss\n0,abc\n");
  write_text(dir + "/bad.json", "{\"nope\": 1}");
  const std::vector<std::pair<std::string, std::string>> bad_inputs = {
      {"--memory-csv", dir + "/bad.csv"}, {"--trend-json", dir + "/bad.json"}, {"--trend-json", dir + "/missing.json"}};
  for (const auto& [option, file] : bad_inputs) {
    auto r = run_program({kLeakscope, "report", p, option, file, "-o", dir + "/out"});
    EXPECT_EQ(r.exit_code, 2) << option << " " << file << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  auto r = run_program({kLeakscope, "report", p, "--memory-csv", dir + "/bad.csv", "-o", dir + "/out"});
  EXPECT_NE(r.err.find("bad.csv:line 2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace leakscope::test
