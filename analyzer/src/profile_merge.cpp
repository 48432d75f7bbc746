#include "leakscope/analyzer/profile_merge.h"

#include <map>
#include <stdexcept>
#include <unordered_map>

namespace leakscope::analyzer {
namespace {

// Copies `from`'s mappings, functions and locations into `into`, reusing equal ones.
class Importer {
 public:
  explicit Importer(Profile& into) : into_(into) {
    for (const auto& m : into.mappings) mapping_of_[m.file + '\0' + std::to_string(m.start)] = m.id;
    for (const auto& f : into.functions) function_of_[{f.name, f.filename}] = f.id;
    for (const auto& l : into.locations) location_of_[location_key(into, l)] = l.id;
  }

  // Returns the id in `into` for each location id of `from` (index = id - 1).
  std::vector<uint64_t> import(const Profile& from) {
    std::vector<uint64_t> mapping_ids(from.mappings.size());
    for (const auto& m : from.mappings) {
      auto [it, inserted] = mapping_of_.try_emplace(m.file + '\0' + std::to_string(m.start), into_.mappings.size() + 1);
      if (inserted) {
        Mapping copy = m;
        copy.id = it->second;
        into_.mappings.push_back(std::move(copy));
      }
      mapping_ids[m.id - 1] = it->second;
    }
    std::vector<uint64_t> function_ids(from.functions.size());
    for (const auto& f : from.functions) {
      auto [it, inserted] = function_of_.try_emplace({f.name, f.filename}, into_.functions.size() + 1);
      if (inserted) {
        Function copy = f;
        copy.id = it->second;
        into_.functions.push_back(std::move(copy));
      }
      function_ids[f.id - 1] = it->second;
    }
    std::vector<uint64_t> location_ids(from.locations.size());
    for (const auto& l : from.locations) {
      auto [it, inserted] = location_of_.try_emplace(location_key(from, l), into_.locations.size() + 1);
      if (inserted) {
        Location copy = l;
        copy.id = it->second;
        copy.mapping_id = l.mapping_id ? mapping_ids[l.mapping_id - 1] : 0;
        for (auto& line : copy.lines) line.function_id = function_ids[line.function_id - 1];
        into_.locations.push_back(std::move(copy));
      }
      location_ids[l.id - 1] = it->second;
    }
    return location_ids;
  }

 private:
  // A location is its address in its binary; address-less ones (folded stacks) are their lines.
  static std::string location_key(const Profile& p, const Location& l) {
    const Mapping* m = p.mapping(l.mapping_id);
    std::string key = (m ? m->file : std::string()) + '\0' + std::to_string(l.address);
    if (l.address == 0)
      for (const auto& line : l.lines) {
        const Function& f = p.function(line.function_id);
        key += '\0' + f.name + '\0' + f.filename + ':' + std::to_string(line.line);
      }
    return key;
  }
  Profile& into_;
  std::unordered_map<std::string, uint64_t> mapping_of_;
  std::map<std::pair<std::string, std::string>, uint64_t> function_of_;
  std::unordered_map<std::string, uint64_t> location_of_;
};

std::string sample_key(const Sample& s) {
  std::string key;
  for (auto id : s.location_ids) key += std::to_string(id) + ',';
  for (const auto& l : s.labels) key += '|' + l.key + '=' + l.str + std::to_string(l.num) + l.num_unit;
  return key;
}

}  // namespace

Profile merge_profiles(const Profile& a, const Profile& b, int sign) {
  if (a.sample_types.size() != b.sample_types.size())
    throw std::invalid_argument("cannot merge profiles with different sample types");
  for (size_t i = 0; i < a.sample_types.size(); ++i)
    if (a.sample_types[i].type != b.sample_types[i].type)
      throw std::invalid_argument("cannot merge profiles: sample type " + a.sample_types[i].type + " vs " +
                                  b.sample_types[i].type);
  Profile out = a;
  out.samples.clear();
  Importer importer(out);
  std::vector<uint64_t> b_locations = importer.import(b);

  std::unordered_map<std::string, size_t> index_of;
  auto add = [&](const Sample& s, int factor) {
    auto [it, inserted] = index_of.try_emplace(sample_key(s), out.samples.size());
    if (inserted) {
      Sample copy = s;
      for (auto& v : copy.values) v *= factor;
      out.samples.push_back(std::move(copy));
      return;
    }
    auto& dst = out.samples[it->second];
    for (size_t i = 0; i < dst.values.size(); ++i) dst.values[i] += factor * s.values[i];
  };
  for (const auto& s : a.samples) add(s, 1);
  for (const auto& s : b.samples) {
    Sample remapped = s;
    for (auto& id : remapped.location_ids) id = b_locations[id - 1];
    add(remapped, sign);
  }
  std::erase_if(out.samples, [](const Sample& s) {
    for (auto v : s.values)
      if (v != 0) return false;
    return true;
  });
  if (sign < 0 && a.time_nanos && b.time_nanos) out.duration_nanos = a.time_nanos - b.time_nanos;
  return out;
}

}  // namespace leakscope::analyzer
