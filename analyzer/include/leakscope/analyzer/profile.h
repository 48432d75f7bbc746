// The profile model: pprof's profile.proto, shaped for analysis.
// Ids are dense: location i has id i+1, so lookups are array indexing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace leakscope::analyzer {

struct ValueType {
  std::string type;  // e.g. "inuse_space"
  std::string unit;  // e.g. "bytes"
  bool operator==(const ValueType&) const = default;
};

struct Label {
  std::string key;
  std::string str;  // string label, or
  int64_t num = 0;  // numeric label when str is empty
  std::string num_unit;
};

struct Sample {
  std::vector<uint64_t> location_ids;  // leaf first
  std::vector<int64_t> values;         // one per sample type
  std::vector<Label> labels;
};

struct Mapping {
  uint64_t id = 0;
  uint64_t start = 0;
  uint64_t limit = 0;
  uint64_t offset = 0;  // file offset of `start`
  std::string file;
  std::string build_id;
  bool has_functions = false;
  bool has_filenames = false;
  bool has_line_numbers = false;
  bool has_inline_frames = false;
};

struct Function {
  uint64_t id = 0;
  std::string name;         // human-readable (demangled, simplified)
  std::string system_name;  // as in the binary (mangled)
  std::string filename;
  int64_t start_line = 0;
};

struct Line {
  uint64_t function_id = 0;
  int64_t line = 0;
};

struct Location {
  uint64_t id = 0;
  uint64_t mapping_id = 0;  // 0: none
  uint64_t address = 0;     // call address (return address - 1 for stack frames)
  std::vector<Line> lines;  // inline chain: lines[0] is the innermost, the last is the caller
};

struct Profile {
  std::vector<ValueType> sample_types;
  std::vector<Sample> samples;
  std::vector<Mapping> mappings;  // mappings[0] is the main binary
  std::vector<Location> locations;
  std::vector<Function> functions;
  std::string drop_frames;
  std::string keep_frames;
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
  ValueType period_type;
  int64_t period = 0;
  std::vector<std::string> comments;
  std::string default_sample_type;

  const Location& location(uint64_t id) const { return locations[id - 1]; }
  const Function& function(uint64_t id) const { return functions[id - 1]; }
  const Mapping* mapping(uint64_t id) const { return id == 0 ? nullptr : &mappings[id - 1]; }

  // Index of the sample type named `name`, or -1.
  int sample_index(const std::string& name) const;
  // pprof's default: default_sample_type, else the last sample type.
  int default_sample_index() const;
  // Sum of sample values at `index`.
  int64_t total(int index) const;
  // Throws InputError if ids are not dense or references dangle.
  void validate(const std::string& source) const;
};

}  // namespace leakscope::analyzer
