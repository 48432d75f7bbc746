// Helpers for the viz CLI tests: write inputs, run leakscope, check XML is well formed.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "run_command.h"

namespace leakscope::test {

inline const std::string kLeakscope = LEAKSCOPE_BIN;

inline std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// python3's XML parser as the referee for well-formedness (a browser is stricter about nothing else).
inline void expect_well_formed_xml(const std::string& path) {
  auto r = run_program({"python3", "-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])", path});
  EXPECT_EQ(r.exit_code, 0) << path << " is not well-formed XML: " << r.err;
}

// Every match of `rx`'s first group in `text`.
inline std::vector<std::string> all_matches(const std::string& text, const std::string& rx) {
  std::vector<std::string> out;
  std::regex re(rx);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str());
  return out;
}

// The rows of the HTML table with this id (viz::HtmlPage's markup), each a list of cell texts as
// the page has them (escaped).
inline std::vector<std::vector<std::string>> table_rows(const std::string& html, const std::string& id) {
  size_t start = html.find("id=\"" + id + "\"");
  if (start == std::string::npos) return {};
  std::string table = html.substr(start, html.find("</table>", start) - start);
  std::vector<std::vector<std::string>> rows;
  for (const std::string& row : all_matches(table, "<tr>((?:<td[^>]*>[^<]*</td>)+)</tr>"))
    rows.push_back(all_matches(row, "<td[^>]*>([^<]*)</td>"));
  return rows;
}

// Five real jemalloc snapshots of the backlog leak in miniature (tests/programs/backlog_demo) in `dir`,
// and `leakscope trend --json` over them in dir/trend.json. Returns false (with a test failure) on error.
inline bool make_backlog_series(const std::string& dir) {
  auto r = run_program({std::string(BACKLOG_DEMO_BIN), dir}, {"MALLOC_CONF=prof:true,lg_prof_sample:16"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> trend = {kLeakscope, "trend", "--json"};
  for (int i = 1; i <= 5; ++i) trend.push_back(dir + "/snapshot." + std::to_string(i) + ".heap");
  auto t = run_program(trend);
  EXPECT_EQ(t.exit_code, 0) << t.err;
  std::ofstream(dir + "/trend.json") << t.out;  // the report reads it from a file
  return r.exit_code == 0 && t.exit_code == 0;
}

}  // namespace leakscope::test
