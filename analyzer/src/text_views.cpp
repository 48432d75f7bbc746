#include "leakscope/analyzer/text_views.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/graph.h"
#include "leakscope/analyzer/units.h"

namespace leakscope::analyzer {

namespace {

std::string header(const Profile& p, int index) { return "Type: " + p.sample_types[index].type + "\n"; }

std::string pad(const std::string& s, int width) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*s", width, s.c_str());
  return buf;
}

}  // namespace

std::string render_traces(const Profile& p, const StackTable& stacks, int index, size_t max_stacks) {
  const std::string& unit = p.sample_types[index].unit;
  std::map<std::vector<uint32_t>, int64_t> by_stack;
  for_each_weighted_stack({&p, &stacks, index}, [&](size_t, std::span<const uint32_t> s, int64_t v) {
    if (!s.empty()) by_stack[std::vector<uint32_t>(s.begin(), s.end())] += v;
  });
  std::vector<std::pair<int64_t, const std::vector<uint32_t>*>> order;
  for (const auto& [stack, v] : by_stack) order.push_back({v, &stack});
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return std::llabs(a.first) > std::llabs(b.first); });
  const std::string rule = "-----------+-------------------------------------------------------\n";
  std::string out = header(p, index) + "Showing " + std::to_string(order.size()) + " distinct stacks, largest first\n";
  size_t shown = 0;
  for (const auto& [v, stack] : order) {
    if (max_stacks && shown++ == max_stacks) {
      out += rule + "(" + std::to_string(order.size() - max_stacks) + " more stacks; --nodecount 0 shows all)\n";
      return out;
    }
    out += rule;
    for (size_t k = 0; k < stack->size(); ++k)
      out += pad(k == 0 ? format_value(v, unit) : "", 10) + "   " + stacks.name((*stack)[k]) + "\n";
  }
  return out + rule;
}

std::string render_peek(const Profile& p, const StackTable& stacks, int index, const Pattern& rx) {
  const std::string& unit = p.sample_types[index].unit;
  Graph graph(p, stacks, index);  // one source: node n is StackTable node n
  const auto& values = graph.nodes();
  const int64_t total = graph.total();
  std::vector<bool> focus(stacks.node_count());
  for (uint32_t n = 0; n < stacks.node_count(); ++n) focus[n] = values[n].cum != 0 && rx.matches(stacks.name(n));
  // The graph's edges into and out of each focused node.
  std::unordered_map<uint32_t, std::map<uint32_t, int64_t>> callers, callees;
  for (const Graph::Edge& e : graph.edges_between(std::vector<bool>(values.size(), true))) {
    if (focus[e.callee]) callers[e.callee][e.caller] += e.weight;
    if (focus[e.caller]) callees[e.caller][e.callee] += e.weight;
  }
  std::vector<uint32_t> order;
  for (uint32_t n = 0; n < focus.size(); ++n)
    if (focus[n]) order.push_back(n);
  if (order.empty()) return header(p, index) + "No function matches '" + rx.source() + "'\n";
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return std::llabs(values[a].cum) > std::llabs(values[b].cum); });
  auto pct = [](int64_t v, int64_t of) {
    return format_percent(of ? static_cast<double>(v) / static_cast<double>(of) : 0);
  };
  const std::string rule = "----------------------------------------------------------+-------------\n";
  std::string out = header(p, index) + rule + pad("flat", 10) + pad("flat%", 8) + pad("cum", 11) + pad("cum%", 8) +
                    pad("calls", 11) + pad("calls%", 8) + " | context\n" + rule;
  auto edge_lines = [&](const std::map<uint32_t, int64_t>& edges, int64_t cum) {
    std::vector<std::pair<int64_t, uint32_t>> e;
    for (const auto& [n, w] : edges) e.push_back({w, n});
    std::sort(e.begin(), e.end(),
              [](const auto& a, const auto& b) { return std::llabs(a.first) > std::llabs(b.first); });
    std::string lines;
    for (const auto& [w, n] : e)
      lines +=
          std::string(37, ' ') + pad(format_value(w, unit), 11) + pad(pct(w, cum), 8) + " |   " + stacks.name(n) + "\n";
    return lines;
  };
  for (uint32_t n : order) {
    out += edge_lines(callers[n], values[n].cum);
    out += pad(format_value(values[n].flat, unit), 10) + pad(pct(values[n].flat, total), 8) +
           pad(format_value(values[n].cum, unit), 11) + pad(pct(values[n].cum, total), 8) + std::string(19, ' ') +
           " | " + stacks.name(n) + "\n";
    out += edge_lines(callees[n], values[n].cum);
    out += rule;
  }
  return out;
}

namespace {

// The first readable candidate for a recorded source path, or "".
std::string find_source(const std::string& file, const std::vector<std::string>& source_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) return file;
  fs::path rel = fs::path(file).relative_path();
  for (const auto& dir : source_path) {
    // Try ever shorter suffixes of the recorded path under each directory: /build/x/src/a.cpp -> src/a.cpp -> a.cpp.
    for (auto it = rel.begin(); it != rel.end(); ++it) {
      fs::path suffix;
      for (auto jt = it; jt != rel.end(); ++jt) suffix /= *jt;
      fs::path candidate = fs::path(dir) / suffix;
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
  }
  return "";
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

}  // namespace

std::string render_list(const Profile& p, const StackTable& stacks, int index, const Pattern& rx,
                        const std::vector<std::string>& source_path) {
  const std::string& unit = p.sample_types[index].unit;
  int64_t total = 0;
  std::vector<NodeValue> values = aggregate_nodes(p, stacks, index, 1.0, &total);
  struct Routine {
    std::string file;
    std::map<int64_t, std::pair<int64_t, int64_t>> lines;  // line -> flat, cum
    int64_t flat = 0, cum = 0;
  };
  std::map<std::string, Routine> routines;  // by function name
  for (uint32_t n = 0; n < stacks.node_count(); ++n) {
    const auto& o = stacks.origin(n);
    if (o.function_id == 0 || (values[n].flat == 0 && values[n].cum == 0)) continue;
    const Function& f = p.function(o.function_id);
    if (!rx.matches(f.name)) continue;
    Routine& r = routines[f.name];
    r.file = f.filename;
    auto& [flat, cum] = r.lines[o.line];
    flat += values[n].flat;
    cum += values[n].cum;
    r.flat += values[n].flat;
    r.cum = std::max(r.cum, values[n].cum);  // lines of one call overlap: the routine's cum is its largest line's
  }
  if (routines.empty()) return header(p, index) + "No function matches '" + rx.source() + "'\n";
  auto cell = [&](int64_t v) { return pad(v ? format_value(v, unit) : ".", 10); };
  std::string out = header(p, index);
  for (const auto& [name, r] : routines) {
    std::string path = r.file.empty() ? "" : find_source(r.file, source_path);
    out += "ROUTINE ======================== " + name + " in " + (r.file.empty() ? "(unknown file)" : r.file) + "\n";
    out += cell(r.flat) + " " + cell(r.cum) + " (flat, cum) " +
           format_percent(total ? static_cast<double>(r.cum) / static_cast<double>(total) : 0) + " of Total\n";
    if (path.empty()) {
      out += "  (source not available" +
             std::string(r.file.empty() ? "" : ": " + r.file + " is not readable; pass --source-path DIR") + ")\n";
      for (const auto& [line, v] : r.lines)
        out += cell(v.first) + " " + cell(v.second) + " " + pad(std::to_string(line), 6) + ": ?\n";
      continue;
    }
    auto text = read_lines(path);
    int64_t first = std::max<int64_t>(1, r.lines.begin()->first - 4), last = r.lines.rbegin()->first + 4;
    last = std::min<int64_t>(last, static_cast<int64_t>(text.size()));
    for (int64_t l = first; l <= last; ++l) {
      auto it = r.lines.find(l);
      int64_t f = it == r.lines.end() ? 0 : it->second.first, c = it == r.lines.end() ? 0 : it->second.second;
      // Long gaps between hot lines are folded, as pprof does.
      if (it == r.lines.end()) {
        auto next = r.lines.lower_bound(l), prev = r.lines.upper_bound(l);
        bool near = (next != r.lines.end() && next->first - l <= 4) ||
                    (prev != r.lines.begin() && l - std::prev(prev)->first <= 4);
        if (!near) {
          if (out.size() < 5 || out.substr(out.size() - 5) != " ...\n") out += std::string(28, ' ') + "...\n";
          continue;
        }
      }
      out += cell(f) + " " + cell(c) + " " + pad(std::to_string(l), 6) + ": " + text[static_cast<size_t>(l - 1)] + "\n";
    }
  }
  return out;
}

}  // namespace leakscope::analyzer
