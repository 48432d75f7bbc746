#include <unordered_map>

#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/writers.h"
#include "profile.pb.h"

namespace leakscope::analyzer {
namespace {

class StringTable {
 public:
  explicit StringTable(perftools::profiles::Profile& pb) : pb_(pb) { index(""); }
  int64_t index(const std::string& s) {
    auto [it, inserted] = ids_.try_emplace(s, static_cast<int64_t>(ids_.size()));
    if (inserted) pb_.add_string_table(s);
    return it->second;
  }

 private:
  perftools::profiles::Profile& pb_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace

std::string encode_proto(const Profile& p) {
  perftools::profiles::Profile pb;
  StringTable strings(pb);
  for (const auto& t : p.sample_types) {
    auto* vt = pb.add_sample_type();
    vt->set_type(strings.index(t.type));
    vt->set_unit(strings.index(t.unit));
  }
  for (const auto& s : p.samples) {
    auto* x = pb.add_sample();
    for (auto id : s.location_ids) x->add_location_id(id);
    for (auto v : s.values) x->add_value(v);
    for (const auto& l : s.labels) {
      auto* lb = x->add_label();
      lb->set_key(strings.index(l.key));
      if (!l.str.empty()) {
        lb->set_str(strings.index(l.str));
      } else {
        lb->set_num(l.num);
        if (!l.num_unit.empty()) lb->set_num_unit(strings.index(l.num_unit));
      }
    }
  }
  for (const auto& m : p.mappings) {
    auto* x = pb.add_mapping();
    x->set_id(m.id);
    x->set_memory_start(m.start);
    x->set_memory_limit(m.limit);
    x->set_file_offset(m.offset);
    x->set_filename(strings.index(m.file));
    x->set_build_id(strings.index(m.build_id));
    x->set_has_functions(m.has_functions);
    x->set_has_filenames(m.has_filenames);
    x->set_has_line_numbers(m.has_line_numbers);
    x->set_has_inline_frames(m.has_inline_frames);
  }
  for (const auto& l : p.locations) {
    auto* x = pb.add_location();
    x->set_id(l.id);
    x->set_mapping_id(l.mapping_id);
    x->set_address(l.address);
    for (const auto& ln : l.lines) {
      auto* y = x->add_line();
      y->set_function_id(ln.function_id);
      y->set_line(ln.line);
    }
  }
  for (const auto& f : p.functions) {
    auto* x = pb.add_function();
    x->set_id(f.id);
    x->set_name(strings.index(f.name));
    x->set_system_name(strings.index(f.system_name));
    x->set_filename(strings.index(f.filename));
    x->set_start_line(f.start_line);
  }
  if (!p.drop_frames.empty()) pb.set_drop_frames(strings.index(p.drop_frames));
  if (!p.keep_frames.empty()) pb.set_keep_frames(strings.index(p.keep_frames));
  pb.set_time_nanos(p.time_nanos);
  pb.set_duration_nanos(p.duration_nanos);
  pb.mutable_period_type()->set_type(strings.index(p.period_type.type));
  pb.mutable_period_type()->set_unit(strings.index(p.period_type.unit));
  pb.set_period(p.period);
  for (const auto& c : p.comments) pb.add_comment(strings.index(c));
  if (!p.default_sample_type.empty()) pb.set_default_sample_type(strings.index(p.default_sample_type));
  return pb.SerializeAsString();
}

std::string write_proto_gz(const Profile& p) { return gzip(encode_proto(p)); }

}  // namespace leakscope::analyzer
