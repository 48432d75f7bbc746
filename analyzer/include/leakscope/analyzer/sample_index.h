// Which sample type a report reads: --sample-index as pprof takes it (a type name or a number; empty:
// the profile's default). One resolver for the CLI and the library reports that take options.
#pragma once

#include <string>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

// Throws InputError naming `source` and the types the profile has when `requested` is none of them.
int sample_index_for(const Profile& p, const std::string& requested, const std::string& source);

}  // namespace leakscope::analyzer
