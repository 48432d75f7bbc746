#include "leakscope/viz/flame_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "leakscope/analyzer/units.h"
#include "leakscope/viz/markup.h"
#include "leakscope/viz/palette.h"

namespace leakscope::viz {

extern const char kFlameScript[];  // assets/flame.js, embedded at build time

namespace {

// flamegraph.pl's geometry, so graphs from both tools compare side by side.
constexpr double kXpad = 10, kFontSize = 12, kFontWidth = 0.59, kFrameHeight = 16;
constexpr double kTitleArea = kFontSize * 3, kDetailsArea = kFontSize * 2 + 10;

struct Box {
  uint32_t node;
  double x, w;
};

std::string label(const std::string& name, double w) {
  auto fits = static_cast<long>((w - 6) / (kFontSize * kFontWidth));
  if (fits < 3) return "";
  if (static_cast<long>(name.size()) <= fits) return name;
  return name.substr(0, static_cast<size_t>(fits - 2)) + "..";
}

class ValueText {
 public:
  explicit ValueText(const FlameSvgOptions& o) : unit_(o.sample_type.unit), countname_(o.countname) {}
  std::string operator()(int64_t v) const {
    if (countname_.empty()) return analyzer::format_value(v, unit_);
    return std::to_string(v) + " " + countname_;
  }
  std::string delta(int64_t v) const { return (v > 0 ? "+" : "") + (*this)(v); }

 private:
  std::string unit_, countname_;
};

std::string tooltip(const FlameTree& tree, uint32_t n, int64_t total, const FlameSvgOptions& o, const ValueText& text) {
  const FlameNode& node = tree.nodes()[n];
  if (!o.differential) {
    double share = total ? static_cast<double>(node.value) / static_cast<double>(total) : 0;
    return tree.name(n) + " (" + text(node.value) + ", " + analyzer::format_percent(share) + ")";
  }
  int64_t delta = node.value - node.base;
  std::string relative =
      node.base
          ? (delta > 0 ? "+" : "") +
                analyzer::format_percent(static_cast<double>(delta) / static_cast<double>(node.base)) + " of its base"
          : (node.value ? "new" : "gone");
  return tree.name(n) + " (base " + text(node.base) + ", new " + text(node.value) + ", \u0394 " + text.delta(delta) +
         ", " + relative + ")";
}

}  // namespace

double parse_minwidth(const std::string& text, int width) {
  std::string t = text;
  bool percent = !t.empty() && t.back() == '%';
  if (percent) t.pop_back();
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
    throw std::invalid_argument("--minwidth: expected pixels (0.1) or a percentage (0.5%), not '" + text + "'");
  return percent ? v / 100.0 * (width - 2 * kXpad) : v;
}

std::string render_flame_svg(const FlameTree& tree, const FlameSvgOptions& o, FlameSvgStats* stats) {
  if (o.width < 100 || o.width > 100000) throw std::invalid_argument("--width must be between 100 and 100000 px");
  const auto& nodes = tree.nodes();
  auto width_value = [&](uint32_t n) { return o.negate ? nodes[n].base : nodes[n].value; };
  const double inner = o.width - 2 * kXpad;
  const int64_t total = width_value(FlameTree::kRoot);
  const double per_unit = total > 0 ? inner / static_cast<double>(total) : 0;

  // Lay out: every box at least minwidth wide, children left to right under their parent.
  std::vector<Box> boxes;
  FlameSvgStats st;
  std::vector<Box> todo{{FlameTree::kRoot, kXpad, total > 0 ? inner : 0}};
  while (!todo.empty()) {
    Box b = todo.back();
    todo.pop_back();
    boxes.push_back(b);
    st.max_depth = std::max<size_t>(st.max_depth, nodes[b.node].depth);
    double x = b.x;
    const auto kids = tree.children(b.node);
    std::vector<Box> row;
    for (uint32_t c : kids) {
      int64_t v = width_value(c);
      if (v <= 0) continue;
      double w = static_cast<double>(v) * per_unit;
      if (w < o.minwidth_px) {
        ++st.elided;
      } else {
        row.push_back({c, x, w});
      }
      x += w;
    }
    todo.insert(todo.end(), row.rbegin(), row.rend());  // reversed: the stack pops them left to right
  }

  int64_t max_delta = 0;
  if (o.differential)
    for (const Box& b : boxes)
      max_delta = std::max(max_delta, static_cast<int64_t>(std::llabs(nodes[b.node].value - nodes[b.node].base)));

  const double height = (static_cast<double>(st.max_depth) + 1) * kFrameHeight + kTitleArea + kDetailsArea;
  st.boxes = boxes.size();
  st.height = static_cast<int>(height);
  if (stats) *stats = st;
  const ValueText text(o);
  std::string subtitle = o.subtitle;
  if (subtitle.empty() && o.differential)
    subtitle = o.negate ? "Width: base. Red grew, blue shrank (frames that vanished are visible)"
                        : "Width: new. Red grew, blue shrank; deeper colour, larger change";

  std::string out;
  out.reserve(boxes.size() * 200 + 8192);
  out += "<?xml version=\"1.0\" standalone=\"no\"?>\n";
  out += "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) +
         "\" height=\"" + format_double("%.0f", height) + "\" viewBox=\"0 0 " + std::to_string(o.width) + " " +
         format_double("%.0f", height) + "\" onload=\"init(evt)\" data-xpad=\"" + format_double("%g", kXpad) +
         "\" data-inner=\"" + format_double("%.2f", inner) + "\" data-fontsize=\"" + format_double("%g", kFontSize) +
         "\" data-fontwidth=\"" + format_double("%g", kFontWidth) + "\">\n";
  out +=
      "<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
      "<stop stop-color=\"#eeeeee\" offset=\"5%\"/><stop stop-color=\"" +
      std::string(o.differential ? "#f8f8f8" : "#eeeeb0") + "\" offset=\"95%\"/></linearGradient></defs>\n";
  out +=
      "<style type=\"text/css\">\n"
      "text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
      "#title { text-anchor: middle; font-size: 17px; }\n#subtitle { text-anchor: middle; fill: rgb(100,100,100); }\n"
      "#search, #matched { text-anchor: end; }\n#search, #unzoom { cursor: pointer; }\n"
      "#search { opacity: 0.3; }\n#search:hover, #search.show { opacity: 1; }\n"
      ".hide { display: none; }\ng.f:hover rect { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
      "g.parent { opacity: 0.5; }\n</style>\n";
  out += "<script type=\"text/ecmascript\"><![CDATA[\n";
  out += kFlameScript;
  out += "]]></script>\n";
  out += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"url(#background)\"/>\n";
  const std::string mid = format_double("%.1f", o.width / 2.0);
  out += "<text id=\"title\" x=\"" + mid + "\" y=\"24\">" + xml_escape(o.title) + "</text>\n";
  if (!subtitle.empty())
    out += "<text id=\"subtitle\" x=\"" + mid + "\" y=\"" + format_double("%g", kTitleArea - 2) + "\">" +
           xml_escape(subtitle) + "</text>\n";
  const std::string bottom = format_double("%.0f", height - 17);
  out += "<text id=\"details\" x=\"" + format_double("%g", kXpad) + "\" y=\"" + bottom + "\"> </text>\n";
  out += "<text id=\"unzoom\" class=\"hide\" x=\"" + format_double("%g", kXpad) + "\" y=\"24\">Reset Zoom</text>\n";
  out += "<text id=\"search\" x=\"" + format_double("%.0f", o.width - kXpad) + "\" y=\"24\">Search</text>\n";
  out += "<text id=\"matched\" x=\"" + format_double("%.0f", o.width - kXpad) + "\" y=\"" + bottom + "\"> </text>\n";
  out += "<g id=\"frames\">\n";
  char buf[160];
  for (const Box& b : boxes) {
    const FlameNode& node = nodes[b.node];
    double y =
        o.inverted ? kTitleArea + node.depth * kFrameHeight : height - kDetailsArea - (node.depth + 1) * kFrameHeight;
    Rgb colour;
    if (o.differential) {
      int64_t d = node.value - node.base;
      colour = delta_colour(d, max_delta ? static_cast<double>(std::llabs(d)) / static_cast<double>(max_delta) : 0);
    } else if (b.node == FlameTree::kRoot) {
      colour = {200, 200, 200};
    } else {
      colour = frame_colour(o.palette, tree.name(b.node), tree.module(b.node));
    }
    out += "<g class=\"f\" data-d=\"" + std::to_string(node.depth) + "\"><title>";
    out += xml_escape(tooltip(tree, b.node, total, o, text));
    std::snprintf(buf, sizeof buf,
                  "</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\" rx=\"2\" ry=\"2\"/>"
                  "<text x=\"%.2f\" y=\"%.1f\">",
                  b.x, y, b.w, kFrameHeight - 1, colour.css().c_str(), b.x + 3, y + 10.5);
    out += buf;
    out += xml_escape(label(tree.name(b.node), b.w));
    out += "</text></g>\n";
  }
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace leakscope::viz
