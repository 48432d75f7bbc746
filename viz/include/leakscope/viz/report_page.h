// `leakscope report` as a library call: one offline HTML page from a profile (and optionally its base,
// a trend verdict and a memory chart) with the SVG files it embeds. The caller writes the files; the
// page reads every section from one pair of stack tables, so its tables and drawings agree.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "leakscope/analyzer/trend_report.h"
#include "leakscope/viz/line_chart.h"
#include "leakscope/viz/views.h"

namespace leakscope::viz {

struct ReportInput {
  ViewInput view;                       // the profile, its base, --normalize and the stack options
  std::string profile_name, base_name;  // as the user gave them (files or URLs), for the facts and legend
  std::string title = "leakscope report";
  const analyzer::TrendReport* verdict = nullptr;  // adds the leak verdict section
  std::optional<std::vector<ChartSeries>> memory;  // adds the memory-over-time chart
  size_t rows = 20;                                // in the top and growth tables
};

struct ReportPage {
  std::string index_html;
  std::vector<std::pair<std::string, std::string>> files;  // (name, bytes) to write beside index.html
};

ReportPage make_report_page(const ReportInput& in);

}  // namespace leakscope::viz
