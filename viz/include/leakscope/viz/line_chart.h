// A small static SVG line chart (memory over time) for reports: no script, so it shows anywhere.
// Series marked `stacked` are drawn as areas, each on top of the ones before it (the top functions
// under the total), the others as lines over them.
#pragma once

#include <string>
#include <vector>

namespace leakscope::viz {

struct ChartSeries {
  std::string name;
  std::vector<double> x, y;  // same length; stacked series share one x
  bool stacked = false;
};

// Where the plot sits in the chart, for a script that maps a pointer to a time: x (seconds) is drawn
// at left + x / xmax * plot_width.
struct ChartFrame {
  double left = 0, plot_width = 0, xmax = 1;
};

// x in seconds, y in `unit` ("bytes" prints 1024-based sizes).
std::string render_line_chart(const std::vector<ChartSeries>& series, const std::string& unit, int width = 900,
                              int height = 280, ChartFrame* frame = nullptr);

// Reads a CSV with a header row: the first column is x (seconds), every other numeric column a series.
// Throws InputError (file, line, what was expected) on malformed input.
std::vector<ChartSeries> read_chart_csv(const std::string& text, const std::string& source);

}  // namespace leakscope::viz
