// profile.proto reader: libprotobuf does the decoding; a walk over the top-level wire format
// first finds where malformed input breaks, so errors can name a byte offset.
#include <unordered_map>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/pattern.h"
#include "leakscope/analyzer/readers.h"
#include "profile.pb.h"

namespace leakscope::analyzer {
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

struct Field {
  uint32_t number;
  uint32_t wire;
  uint64_t varint;        // wire type 0
  std::string_view data;  // wire type 2
  size_t offset;
};

// Walks the top-level fields of a Profile message, calling `visit` for each. Throws at the first
// malformed field, naming its byte offset.
template <typename Visit>
void walk_fields(std::string_view b, const std::string& source, Visit&& visit) {
  size_t pos = 0;
  while (pos < b.size()) {
    size_t field_start = pos;
    uint64_t key;
    if (field_start == 0 && (!read_varint(b, pos, key) || (key >> 3) == 0 || (key >> 3) > 15 || (key & 7) > 5))
      throw InputError(source, at_byte(0),
                       "not a recognized profile: expected a jemalloc dump ('heap_v2/N'), a legacy heap profile, "
                       "profile.proto (raw or gzipped) or folded stacks");
    pos = field_start;
    if (!read_varint(b, pos, key)) throw InputError(source, at_byte(field_start), "truncated protobuf field key");
    Field f{static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7), 0, {}, field_start};
    if (f.number == 0 || f.number > 15)
      throw InputError(source, at_byte(field_start),
                       "not a profile.proto field (field " + std::to_string(f.number) + "), expected a pprof profile");
    uint64_t len = 0;
    switch (f.wire) {
      case 0:
        if (!read_varint(b, pos, f.varint)) throw InputError(source, at_byte(field_start), "truncated varint");
        break;
      case 1:
      case 5:
        len = f.wire == 1 ? 8 : 4;
        if (b.size() - pos < len) throw InputError(source, at_byte(field_start), "truncated fixed-width field");
        pos += len;
        break;
      case 2:
        if (!read_varint(b, pos, len)) throw InputError(source, at_byte(field_start), "truncated length");
        if (len > b.size() - pos)
          throw InputError(source, at_byte(field_start),
                           "field length " + std::to_string(len) + " runs past the end of the data (truncated?)");
        f.data = b.substr(pos, len);
        pos += len;
        break;
      default:
        throw InputError(source, at_byte(field_start), "invalid protobuf wire type " + std::to_string(f.wire));
    }
    visit(f);
  }
}

// Records file id -> dense model id; a repeated file id is an error.
uint64_t register_id(std::unordered_map<uint64_t, uint64_t>& ids, uint64_t file_id, size_t count, const Field& f,
                     const std::string& source, const char* what) {
  uint64_t dense = count + 1;
  if (!ids.emplace(file_id, dense).second)
    throw InputError(source, at_byte(f.offset), std::string("duplicate ") + what + " id " + std::to_string(file_id));
  return dense;
}

template <typename Message>
void parse_message(Message& m, const Field& f, const std::string& source, const char* what) {
  if (f.wire != 2 || !m.ParseFromArray(f.data.data(), static_cast<int>(f.data.size())))
    throw InputError(source, at_byte(f.offset), std::string("malformed ") + what + " message");
}

}  // namespace

// Decodes field by field with the generated sub-message types, converting each into the model as
// it goes: the whole protobuf object graph never exists next to the model (a 200k-sample Go
// profile would otherwise cost ~2x the memory).
Profile read_proto(std::string_view bytes, const std::string& source) {
  Profile p;
  std::vector<std::string> st;
  std::vector<uint64_t> comment_ids;
  int64_t drop = 0, keep = 0, default_type = 0;
  perftools::profiles::ValueType vt;
  std::vector<std::pair<int64_t, int64_t>> sample_types;
  std::pair<int64_t, int64_t> period_type{0, 0};
  // Pass 1: strings and scalars.
  walk_fields(bytes, source, [&](const Field& f) {
    switch (f.number) {
      case 6:
        if (f.wire != 2) throw InputError(source, at_byte(f.offset), "string_table entry is not a string");
        st.emplace_back(f.data);
        break;
      case 1:
        parse_message(vt, f, source, "sample_type");
        sample_types.emplace_back(vt.type(), vt.unit());
        break;
      case 11:
        parse_message(vt, f, source, "period_type");
        period_type = {vt.type(), vt.unit()};
        break;
      case 7:
        drop = static_cast<int64_t>(f.varint);
        break;
      case 8:
        keep = static_cast<int64_t>(f.varint);
        break;
      case 9:
        p.time_nanos = static_cast<int64_t>(f.varint);
        break;
      case 10:
        p.duration_nanos = static_cast<int64_t>(f.varint);
        break;
      case 12:
        p.period = static_cast<int64_t>(f.varint);
        break;
      case 14:
        default_type = static_cast<int64_t>(f.varint);
        break;
      case 13:
        if (f.wire == 0) {
          comment_ids.push_back(f.varint);
        } else if (f.wire == 2) {  // packed
          size_t pos = 0;
          uint64_t v;
          while (pos < f.data.size() && read_varint(f.data, pos, v)) comment_ids.push_back(v);
        }
        break;
      default:
        break;
    }
  });
  if (st.empty() || !st[0].empty())
    throw InputError(source, "", "profile.proto string_table must start with an empty string");
  auto str = [&](int64_t i, const char* what) -> const std::string& {
    if (i < 0 || static_cast<uint64_t>(i) >= st.size())
      throw InputError(source, "", std::string("string index out of range in ") + what);
    return st[static_cast<size_t>(i)];
  };
  for (auto [t, u] : sample_types) p.sample_types.push_back({str(t, "sample_type"), str(u, "sample_type")});
  if (p.sample_types.empty()) throw InputError(source, "", "profile.proto has no sample types");
  p.period_type = {str(period_type.first, "period_type"), str(period_type.second, "period_type")};
  p.drop_frames = str(drop, "drop_frames");
  p.keep_frames = str(keep, "keep_frames");
  // pprof matches these anchored, in Go's regexp dialect; one that RE2 cannot compile is bad input
  // here, not a failure later in whatever report reads the profile (a fuzz finding).
  for (auto [pattern, what] : {std::pair{&p.drop_frames, "drop_frames"}, {&p.keep_frames, "keep_frames"}})
    if (!pattern->empty()) try {
        Pattern::compile("^(?:" + *pattern + ")$", what);
      } catch (const std::invalid_argument& e) {
        throw InputError(source, "",
                         std::string("expected ") + what + " to be a pattern in pprof's dialect (RE2): " + e.what());
      }
  p.default_sample_type = str(default_type, "default_sample_type");
  for (auto c : comment_ids) p.comments.push_back(str(static_cast<int64_t>(c), "comment"));

  // Pass 2: mappings and functions (they refer to strings only). Ids in the file may be sparse;
  // the model's are dense.
  std::unordered_map<uint64_t, uint64_t> mapping_id, function_id, location_id;
  perftools::profiles::Mapping m;
  perftools::profiles::Function fn;
  walk_fields(bytes, source, [&](const Field& f) {
    if (f.number == 3) {
      parse_message(m, f, source, "mapping");
      Mapping x;
      x.id = register_id(mapping_id, m.id(), p.mappings.size(), f, source, "mapping");
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
    } else if (f.number == 5) {
      parse_message(fn, f, source, "function");
      Function x;
      x.id = register_id(function_id, fn.id(), p.functions.size(), f, source, "function");
      x.name = str(fn.name(), "function");
      x.system_name = str(fn.system_name(), "function");
      x.filename = str(fn.filename(), "function");
      x.start_line = fn.start_line();
      p.functions.push_back(std::move(x));
    }
  });

  // Pass 3: locations.
  perftools::profiles::Location l;
  walk_fields(bytes, source, [&](const Field& f) {
    if (f.number != 4) return;
    parse_message(l, f, source, "location");
    Location x;
    x.id = register_id(location_id, l.id(), p.locations.size(), f, source, "location");
    x.address = l.address();
    if (l.mapping_id() != 0) {
      auto it = mapping_id.find(l.mapping_id());
      if (it == mapping_id.end())
        throw InputError(source, at_byte(f.offset), "location " + std::to_string(l.id()) + " names unknown mapping");
      x.mapping_id = it->second;
    }
    for (const auto& ln : l.line()) {
      auto it = function_id.find(ln.function_id());
      if (it == function_id.end())
        throw InputError(source, at_byte(f.offset), "location " + std::to_string(l.id()) + " names unknown function");
      x.lines.push_back({it->second, ln.line()});
    }
    p.locations.push_back(std::move(x));
  });

  // Pass 4: samples.
  perftools::profiles::Sample s;
  walk_fields(bytes, source, [&](const Field& f) {
    if (f.number != 2) return;
    parse_message(s, f, source, "sample");
    Sample x;
    if (s.value_size() != static_cast<int>(p.sample_types.size()))
      throw InputError(source, at_byte(f.offset),
                       "sample with " + std::to_string(s.value_size()) + " values, expected " +
                           std::to_string(p.sample_types.size()));
    x.values.assign(s.value().begin(), s.value().end());
    x.location_ids.reserve(s.location_id_size());
    for (auto id : s.location_id()) {
      auto it = location_id.find(id);
      if (it == location_id.end())
        throw InputError(source, at_byte(f.offset), "sample names unknown location " + std::to_string(id));
      x.location_ids.push_back(it->second);
    }
    for (const auto& lb : s.label())
      x.labels.push_back({str(lb.key(), "label"), str(lb.str(), "label"), lb.num(), str(lb.num_unit(), "label")});
    p.samples.push_back(std::move(x));
  });
  return p;
}

}  // namespace leakscope::analyzer
