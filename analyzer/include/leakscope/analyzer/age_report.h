// Live bytes by allocation age, per function (flat, as `top`), from the age labels the profiler's
// backtrace hook adds (age_epoch.h). One snapshot then tells three shapes apart (the rule,
// classify_age):
//   every-age  live bytes in >= 3 epochs including the newest, none holding >= 90%: allocated all
//              along and kept — leak-like;
//   one-age    >= 90% in one epoch that is not the newest: filled once and kept — cache-like;
//   young      >= 90% in the newest epoch: allocated and soon freed — churn-like;
//   mixed      anything else; unknown while the process is younger than one epoch.
// The newest epoch is the one the snapshot was taken in (its age clock comment) or, without the
// clock, the newest any sample has.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::analyzer {

enum class AgeShape { kUnknown, kEveryAge, kOneAge, kYoung, kMixed };
const char* age_shape_name(AgeShape s);     // "every-age", "one-age", "young", "mixed", "unknown"
const char* age_shape_reading(AgeShape s);  // "leak-like", "cache-like", "churn-like", ...

struct AgeColumn {
  unsigned index = 0;
  int64_t allocated_from_ms = 0, allocated_to_ms = 0;  // after ages were switched on
  int64_t age_min_ms = -1, age_max_ms = -1;            // at the snapshot; -1 without its clock
};

struct AgeRow {
  std::string name;
  int64_t total = 0;              // flat, all epochs
  std::vector<int64_t> by_epoch;  // one per column
  AgeShape shape = AgeShape::kUnknown;
  std::string why;  // the shares behind the shape
};

struct AgeReport {
  ValueType sample_type;
  int64_t total = 0;
  int64_t without_age = 0;        // samples with no age labels (allocated before ages were on)
  uint64_t epoch_ms = 0;          // 0: the profile has no ages
  int64_t clock_ms = -1;          // the snapshot's age clock; -1 when unknown
  std::vector<AgeColumn> epochs;  // 0 .. newest
  std::vector<AgeRow> rows;       // by total, largest first
  bool has_ages() const { return epoch_ms != 0; }
};

// The shape of one function's live bytes over epochs 0..by_epoch.size()-1 (the last is the newest).
AgeShape classify_age(const std::vector<int64_t>& by_epoch, std::string* why = nullptr);

// Rows for functions whose flat value is at least `nodefraction` of the total; at most `nodecount`
// (0: all).
AgeReport make_age_report(const Profile& p, const StackTable& stacks, int sample_index, double nodefraction = 0.005,
                          size_t nodecount = 0);
const AgeRow* find_age_row(const AgeReport& r, const std::string& name);

std::string render_age_text(const AgeReport& r, const std::vector<std::string>& header_lines);
std::string render_age_json(const AgeReport& r);

}  // namespace leakscope::analyzer
