// What every profile fuzzer does after a successful read: the whole pipeline a user's command would
// run (validate, stacks, aggregate, top, trend-free reports, writers and a proto round trip, the flame
// graph and the call graph). Input errors are expected; any other exception or crash is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/analyzer/text_views.h"
#include "leakscope/analyzer/top_report.h"
#include "leakscope/analyzer/writers.h"
#include "leakscope/viz/dot_writer.h"
#include "leakscope/viz/flame_svg.h"
#include "leakscope/viz/views.h"

namespace leakscope::fuzz {

inline void exercise(const analyzer::Profile& p) {
  try {
    p.validate("fuzz");
  } catch (const analyzer::InputError&) {
    return;
  }
  // The default sample type and the first: enough to reach every code path, cheap enough to run fast.
  for (int index : {p.default_sample_index(), 0}) {
    if (index < 0 || index >= static_cast<int>(p.sample_types.size())) continue;
    analyzer::StackTable stacks(p, {});
    analyzer::render_top_text(analyzer::make_top(analyzer::Graph(p, stacks, index), p.sample_types[index], {}), {});
    analyzer::render_traces(p, stacks, index, 20);
    analyzer::write_folded(p, stacks, index);
    viz::ViewInput view{&p, index, nullptr, 0, false, {}};
    viz::FlameSvgOptions fo;
    fo.sample_type = p.sample_types[index];
    fo.differential = viz::is_differential(view);
    viz::render_flame_svg(viz::flame_tree_for(view, false), fo);
    viz::render_dot(viz::call_graph_for(view, {}), {});
  }
  analyzer::write_json(p);
  analyzer::write_legacy_heap_text(p);
  // What we write must read back.
  analyzer::Profile again = analyzer::read_proto(analyzer::encode_proto(p), "roundtrip");
  again.validate("roundtrip");
}

// Runs a reader; input errors end the run quietly.
template <typename Reader>
int fuzz_reader(const uint8_t* data, size_t size, Reader read) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  analyzer::Profile p;
  try {
    p = read(text, "fuzz");
  } catch (const analyzer::InputError&) {
    return 0;
  }
  exercise(p);
  return 0;
}

}  // namespace leakscope::fuzz
