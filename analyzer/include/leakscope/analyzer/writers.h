// Profile writers: pprof profile.proto (gzipped), folded stacks and JSON.
#pragma once

#include <string>

#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::analyzer {

// Uncompressed profile.proto bytes.
std::string encode_proto(const Profile& p);
// Gzipped profile.proto, as pprof and Go write it.
std::string write_proto_gz(const Profile& p);
// "root;caller;leaf value" per distinct stack, for the sample type `index`.
std::string write_folded(const Profile& p, const StackTable& stacks, int index);
// The whole model as JSON (stable keys, documented in README).
std::string write_json(const Profile& p);
// Legacy heap text with per-frame symbol comments, like Go's /debug/pprof/heap?debug=1.
std::string write_legacy_heap_text(const Profile& p);

}  // namespace leakscope::analyzer
