// Growth and shrinkage between two snapshots, matched by symbolized name (never by address, so
// snapshots of two processes with different ASLR layouts compare correctly).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::analyzer {

struct DiffRow {
  std::string name;
  int64_t base = 0, now = 0;
  int64_t delta() const { return now - base; }
};

struct DiffReport {
  ValueType sample_type;
  int64_t base_total = 0, new_total = 0;
  bool normalized = false;
  double base_scale = 1.0;    // applied to base values (normalize_scale when normalized, else 1)
  std::vector<DiffRow> rows;  // sorted by |delta|, largest first; unchanged rows omitted
};

// --normalize, one definition for every surface (diff, report, flame, dot, serve): the factor that
// makes the base's total equal the new profile's total, both summed over *every* sample at the
// compared sample type, before --focus/--ignore select any. As pprof's -normalize, which scales the
// profiles as it loads them and filters later, when it reports: a focused diff then shows how the
// focused functions changed against a base of the same overall size (normalizing the focused totals
// instead would make every focused total change zero). Unlike pprof, which scales the new profile to
// the base, the base is scaled, so values read in the new profile's terms. 1 when the base's total is 0.
double normalize_scale(const Profile& base, int base_index, const Profile& now, int now_index);

// `base` should already be scaled when normalizing (see aggregate(scale)).
DiffReport make_diff(const Aggregate& base, const Aggregate& now, const ValueType& type);

// The diff of two profiles as `leakscope diff` and `leakscope report` show it: both aggregated over
// their stack tables (built with the same options), the base scaled by normalize_scale when `normalize`.
DiffReport diff_profiles(const Profile& base, const StackTable& base_stacks, int base_index, const Profile& now,
                         const StackTable& now_stacks, int now_index, bool normalize);
std::string render_diff_text(const DiffReport& r, const std::string& base_name, const std::string& new_name,
                             size_t max_rows);
std::string render_diff_json(const DiffReport& r, size_t max_rows);

}  // namespace leakscope::analyzer
