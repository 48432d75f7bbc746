// profile.proto reader: libprotobuf does the decoding; a walk over the top-level wire format
// first finds where malformed input breaks, so errors can name a byte offset.
#include <unordered_map>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"
#include "profile.pb.h"

namespace leakscope {
namespace {

bool read_varint(std::string_view b, size_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= b.size()) return false;
    uint8_t byte = static_cast<uint8_t>(b[pos++]);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

// Throws at the first top-level field that is not well-formed.
void check_wire_format(std::string_view b, const std::string& source) {
  size_t pos = 0;
  while (pos < b.size()) {
    size_t field_start = pos;
    uint64_t key;
    if (field_start == 0 && (!read_varint(b, pos, key) || (key >> 3) == 0 || (key >> 3) > 15 || (key & 7) > 5))
      throw InputError(source, at_byte(0),
                       "not a recognized profile: expected a jemalloc dump ('heap_v2/N'), a legacy heap profile, "
                       "profile.proto (raw or gzipped) or folded stacks");
    pos = field_start;
    if (!read_varint(b, pos, key))
      throw InputError(source, at_byte(field_start), "truncated protobuf field key");
    uint64_t field = key >> 3, wire = key & 7;
    if (field == 0 || field > 15)
      throw InputError(source, at_byte(field_start),
                       "not a profile.proto field (field " + std::to_string(field) + "), expected a pprof profile");
    uint64_t len = 0;
    switch (wire) {
      case 0:
        if (!read_varint(b, pos, len)) throw InputError(source, at_byte(field_start), "truncated varint");
        break;
      case 1: len = 8; [[fallthrough]];
      case 5:
        if (wire == 5) len = 4;
        if (b.size() - pos < len) throw InputError(source, at_byte(field_start), "truncated fixed-width field");
        pos += len;
        break;
      case 2:
        if (!read_varint(b, pos, len)) throw InputError(source, at_byte(field_start), "truncated length");
        if (len > b.size() - pos)
          throw InputError(source, at_byte(field_start),
                           "field length " + std::to_string(len) + " runs past the end of the data (truncated?)");
        pos += len;
        break;
      default:
        throw InputError(source, at_byte(field_start), "invalid protobuf wire type " + std::to_string(wire));
    }
  }
}

}  // namespace

Profile read_proto(std::string_view bytes, const std::string& source) {
  check_wire_format(bytes, source);
  perftools::profiles::Profile pb;
  if (!pb.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw InputError(source, "", "malformed profile.proto message (a nested field does not decode)");

  const auto& st = pb.string_table();
  if (st.empty() || !st[0].empty())
    throw InputError(source, "", "profile.proto string_table must start with an empty string");
  auto str = [&](int64_t i, const char* what) -> const std::string& {
    if (i < 0 || i >= st.size())
      throw InputError(source, "", std::string("string index out of range in ") + what);
    return st[static_cast<int>(i)];
  };

  Profile p;
  for (const auto& vt : pb.sample_type()) p.sample_types.push_back({str(vt.type(), "sample_type"), str(vt.unit(), "sample_type")});
  if (p.sample_types.empty()) throw InputError(source, "", "profile.proto has no sample types");
  p.period_type = {str(pb.period_type().type(), "period_type"), str(pb.period_type().unit(), "period_type")};
  p.period = pb.period();
  p.time_nanos = pb.time_nanos();
  p.duration_nanos = pb.duration_nanos();
  p.drop_frames = str(pb.drop_frames(), "drop_frames");
  p.keep_frames = str(pb.keep_frames(), "keep_frames");
  p.default_sample_type = str(pb.default_sample_type(), "default_sample_type");
  for (auto c : pb.comment()) p.comments.push_back(str(c, "comment"));

  // Ids in the file may be sparse; the model's are dense.
  std::unordered_map<uint64_t, uint64_t> mapping_id, function_id, location_id;
  for (const auto& m : pb.mapping()) {
    Mapping x;
    x.id = p.mappings.size() + 1;
    if (!mapping_id.emplace(m.id(), x.id).second) throw InputError(source, "", "duplicate mapping id " + std::to_string(m.id()));
    x.start = m.memory_start();
    x.limit = m.memory_limit();
    x.offset = m.file_offset();
    x.file = str(m.filename(), "mapping");
    x.build_id = str(m.build_id(), "mapping");
    x.has_functions = m.has_functions();
    x.has_filenames = m.has_filenames();
    x.has_line_numbers = m.has_line_numbers();
    x.has_inline_frames = m.has_inline_frames();
    p.mappings.push_back(std::move(x));
  }
  for (const auto& f : pb.function()) {
    Function x;
    x.id = p.functions.size() + 1;
    if (!function_id.emplace(f.id(), x.id).second) throw InputError(source, "", "duplicate function id " + std::to_string(f.id()));
    x.name = str(f.name(), "function");
    x.system_name = str(f.system_name(), "function");
    x.filename = str(f.filename(), "function");
    x.start_line = f.start_line();
    p.functions.push_back(std::move(x));
  }
  for (const auto& l : pb.location()) {
    Location x;
    x.id = p.locations.size() + 1;
    if (!location_id.emplace(l.id(), x.id).second) throw InputError(source, "", "duplicate location id " + std::to_string(l.id()));
    x.address = l.address();
    if (l.mapping_id() != 0) {
      auto it = mapping_id.find(l.mapping_id());
      if (it == mapping_id.end()) throw InputError(source, "", "location " + std::to_string(l.id()) + " names unknown mapping");
      x.mapping_id = it->second;
    }
    for (const auto& ln : l.line()) {
      auto it = function_id.find(ln.function_id());
      if (it == function_id.end()) throw InputError(source, "", "location " + std::to_string(l.id()) + " names unknown function");
      x.lines.push_back({it->second, ln.line()});
    }
    p.locations.push_back(std::move(x));
  }
  p.samples.reserve(pb.sample_size());
  for (const auto& s : pb.sample()) {
    Sample x;
    if (s.value_size() != static_cast<int>(p.sample_types.size()))
      throw InputError(source, "", "sample with " + std::to_string(s.value_size()) + " values, expected " +
                                       std::to_string(p.sample_types.size()));
    x.values.assign(s.value().begin(), s.value().end());
    x.location_ids.reserve(s.location_id_size());
    for (auto id : s.location_id()) {
      auto it = location_id.find(id);
      if (it == location_id.end()) throw InputError(source, "", "sample names unknown location " + std::to_string(id));
      x.location_ids.push_back(it->second);
    }
    for (const auto& lb : s.label())
      x.labels.push_back({str(lb.key(), "label"), str(lb.str(), "label"), lb.num(), str(lb.num_unit(), "label")});
    p.samples.push_back(std::move(x));
  }
  return p;
}

}  // namespace leakscope
