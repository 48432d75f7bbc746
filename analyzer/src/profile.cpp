#include "leakscope/analyzer/profile.h"

#include "leakscope/analyzer/input_error.h"

namespace leakscope::analyzer {

int Profile::sample_index(const std::string& name) const {
  for (size_t i = 0; i < sample_types.size(); ++i)
    if (sample_types[i].type == name) return static_cast<int>(i);
  return -1;
}

int Profile::default_sample_index() const {
  if (!default_sample_type.empty()) {
    int i = sample_index(default_sample_type);
    if (i >= 0) return i;
  }
  return static_cast<int>(sample_types.size()) - 1;
}

int64_t Profile::total(int index) const {
  int64_t sum = 0;
  for (const auto& s : samples) sum += s.values[index];
  return sum;
}

void Profile::validate(const std::string& source) const {
  for (size_t i = 0; i < functions.size(); ++i)
    if (functions[i].id != i + 1) throw InputError(source, "", "function ids are not dense");
  for (size_t i = 0; i < mappings.size(); ++i)
    if (mappings[i].id != i + 1) throw InputError(source, "", "mapping ids are not dense");
  for (size_t i = 0; i < locations.size(); ++i) {
    const auto& loc = locations[i];
    if (loc.id != i + 1) throw InputError(source, "", "location ids are not dense");
    if (loc.mapping_id > mappings.size())
      throw InputError(source, "", "location " + std::to_string(loc.id) + " names missing mapping");
    for (const auto& line : loc.lines)
      if (line.function_id == 0 || line.function_id > functions.size())
        throw InputError(source, "", "location " + std::to_string(loc.id) + " names missing function");
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    if (s.values.size() != sample_types.size())
      throw InputError(source, "",
                       "sample " + std::to_string(i) + " has " + std::to_string(s.values.size()) +
                           " values, expected " + std::to_string(sample_types.size()));
    for (auto id : s.location_ids)
      if (id == 0 || id > locations.size())
        throw InputError(source, "", "sample " + std::to_string(i) + " names missing location " + std::to_string(id));
  }
}

}  // namespace leakscope::analyzer
