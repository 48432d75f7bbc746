// Growth and shrinkage between two snapshots, matched by symbolized name (never by address, so
// snapshots of two processes with different ASLR layouts compare correctly).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/profile.h"

namespace leakscope {

struct DiffRow {
  std::string name;
  int64_t base = 0, now = 0;
  int64_t delta() const { return now - base; }
};

struct DiffReport {
  ValueType sample_type;
  int64_t base_total = 0, new_total = 0;
  bool normalized = false;
  double base_scale = 1.0;  // applied to base values when normalized
  std::vector<DiffRow> rows;  // sorted by |delta|, largest first; unchanged rows omitted
};

// `base` should already be scaled when normalizing (see aggregate(scale)).
DiffReport make_diff(const Aggregate& base, const Aggregate& now, const ValueType& type);
std::string render_diff_text(const DiffReport& r, const std::string& base_name, const std::string& new_name,
                             size_t max_rows);
std::string render_diff_json(const DiffReport& r, size_t max_rows);

}  // namespace leakscope
