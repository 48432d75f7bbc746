#include "leakscope/viz/line_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/units.h"
#include "leakscope/viz/markup.h"

namespace leakscope::viz {

namespace {
const char* kColours[] = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f", "#17becf"};

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}
}  // namespace

std::string render_line_chart(const std::vector<ChartSeries>& series, const std::string& unit, int width, int height,
                              ChartFrame* frame) {
  constexpr size_t kLegendPerRow = 5;
  const double legend_rows = static_cast<double>((std::max<size_t>(series.size(), 1) - 1) / kLegendPerRow + 1);
  height += static_cast<int>(14 * (legend_rows - 1));
  const double left = 80, right = 20, top = 20, bottom = 40 + 14 * (legend_rows - 1);
  double xmax = 0, ymax = 0;
  std::vector<double> stack_top;  // per x: the sum of the stacked series so far
  for (const auto& s : series) {
    for (double x : s.x) xmax = std::max(xmax, x);
    for (double y : s.y) ymax = std::max(ymax, y);
    if (!s.stacked) continue;
    stack_top.resize(std::max(stack_top.size(), s.y.size()), 0);
    for (size_t i = 0; i < s.y.size(); ++i) ymax = std::max(ymax, stack_top[i] += s.y[i]);
  }
  std::fill(stack_top.begin(), stack_top.end(), 0);
  if (xmax <= 0) xmax = 1;
  if (ymax <= 0) ymax = 1;
  ymax *= 1.05;
  const double pw = width - left - right, ph = height - top - bottom;
  if (frame) *frame = {left, pw, xmax};
  auto px = [&](double x) { return left + x / xmax * pw; };
  auto py = [&](double y) { return top + ph - y / ymax * ph; };
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" + std::to_string(width) +
                    "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                    std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  out += "<rect x=\"" + format_double("%.1f", left) + "\" y=\"" + format_double("%.1f", top) + "\" width=\"" +
         format_double("%.1f", pw) + "\" height=\"" + format_double("%.1f", ph) +
         "\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    double y = ymax * i / 4, yy = py(y);
    out += "<line x1=\"" + format_double("%.1f", left) + "\" x2=\"" + format_double("%.1f", left + pw) + "\" y1=\"" +
           format_double("%.1f", yy) + "\" y2=\"" + format_double("%.1f", yy) + "\" stroke=\"#e4e4e4\"/><text x=\"" +
           format_double("%.1f", left - 6) + "\" y=\"" + format_double("%.1f", yy + 4) + "\" text-anchor=\"end\">" +
           xml_escape(analyzer::format_value(static_cast<int64_t>(y), unit)) + "</text>\n";
    double x = xmax * i / 4;
    out += "<text x=\"" + format_double("%.1f", px(x)) + "\" y=\"" + format_double("%.1f", top + ph + 16) +
           "\" text-anchor=\"middle\">" + format_double("%.1f", x) + " s</text>\n";
  }
  auto point = [&](double x, double y) {
    return format_double("%.1f", px(x)) + "," + format_double("%.1f", py(y)) + " ";
  };
  std::string areas, lines;  // areas first, so the lines stay visible over them
  for (size_t s = 0; s < series.size(); ++s) {
    const auto& sr = series[s];
    const char* colour = kColours[s % std::size(kColours)];
    size_t n = std::min(sr.x.size(), sr.y.size());
    if (sr.stacked) {
      std::string upper, lower;
      for (size_t i = 0; i < n; ++i) upper += point(sr.x[i], stack_top[i] + sr.y[i]);
      for (size_t i = n; i-- > 0;) lower += point(sr.x[i], stack_top[i]);
      for (size_t i = 0; i < n; ++i) stack_top[i] += sr.y[i];
      areas += "<polygon class=\"stacked\" fill=\"" + std::string(colour) + "\" fill-opacity=\"0.45\" stroke=\"" +
               colour + "\" stroke-width=\"0.5\" points=\"" + upper + lower + "\"><title>" + xml_escape(sr.name) +
               "</title></polygon>\n";
    } else {
      std::string points;
      for (size_t i = 0; i < n; ++i) points += point(sr.x[i], sr.y[i]);
      lines += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + std::string(colour) + "\" points=\"" + points +
               "\"><title>" + xml_escape(sr.name) + "</title></polyline>\n";
    }
    double row = static_cast<double>(s / kLegendPerRow), column = static_cast<double>(s % kLegendPerRow);
    out += "<text x=\"" + format_double("%.1f", left + 10 + 170 * column) + "\" y=\"" +
           format_double("%.1f", height - 6.0 - 14 * (legend_rows - 1 - row)) + "\" fill=\"" + colour + "\">\u25A0 " +
           xml_escape(sr.name) + "</text>\n";
  }
  out += areas + lines + "</svg>\n";
  return out;
}

std::vector<ChartSeries> read_chart_csv(const std::string& text, const std::string& source) {
  std::stringstream in(text);
  std::string line;
  size_t line_no = 0;
  std::vector<ChartSeries> series;
  auto where = [&] { return "line " + std::to_string(line_no); };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto cells = split_csv_line(line);
    if (series.empty()) {
      if (cells.size() < 2)
        throw analyzer::InputError(source, where(), "expected a header 'seconds,series1[,series2...]'");
      for (size_t c = 1; c < cells.size(); ++c) series.push_back({cells[c], {}, {}});
      continue;
    }
    if (cells.size() != series.size() + 1)
      throw analyzer::InputError(source, where(),
                                 "expected " + std::to_string(series.size() + 1) + " comma-separated numbers");
    std::vector<double> v(cells.size());
    for (size_t c = 0; c < cells.size(); ++c) {
      char* end = nullptr;
      v[c] = std::strtod(cells[c].c_str(), &end);
      if (c > 0 && cells[c].empty()) {  // no value yet for this series (e.g. before the first snapshot)
        v[c] = NAN;
        continue;
      }
      if (cells[c].empty() || *end != '\0' || !std::isfinite(v[c]))
        throw analyzer::InputError(
            source, where(), "expected a number in column " + std::to_string(c + 1) + ", found '" + cells[c] + "'");
    }
    for (size_t c = 1; c < v.size(); ++c) {
      if (std::isnan(v[c])) continue;
      series[c - 1].x.push_back(v[0]);
      series[c - 1].y.push_back(v[c]);
    }
  }
  if (series.empty())
    throw analyzer::InputError(source, "", "empty CSV, expected a header 'seconds,series1[,...]' and rows");
  return series;
}

}  // namespace leakscope::viz
