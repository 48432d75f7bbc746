// pprof's text views beyond top: traces (every distinct stack with its value), peek (callers and
// callees of matching functions with the weight through each edge) and list (source lines with
// per-line flat and cum, when the source file is readable).
#pragma once

#include <string>
#include <vector>

#include "leakscope/analyzer/pattern.h"
#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::analyzer {

// Distinct stacks (after trimming) with their summed value, largest first; at most `max_stacks` (0: all).
std::string render_traces(const Profile& p, const StackTable& stacks, int sample_index, size_t max_stacks);

// Callers and callees of every node whose name matches `functions` (anywhere in the name), by cum.
std::string render_peek(const Profile& p, const StackTable& stacks, int sample_index, const Pattern& functions);

// Source listing of every function whose name matches `functions`. `stacks` must be at line granularity.
// Files are looked up as recorded, then under each of `source_path` (by path suffix and base name).
std::string render_list(const Profile& p, const StackTable& line_stacks, int sample_index, const Pattern& functions,
                        const std::vector<std::string>& source_path);

}  // namespace leakscope::analyzer
