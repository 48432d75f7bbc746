// Profile-level merge (pprof's Merge): locations are matched by (binary, address), functions by
// (name, file), and samples with the same stack and labels are combined. With sign -1 this is a
// delta profile: what changed between two snapshots of one process.
#pragma once

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

// a + sign * b. Sample types must match by name. Samples whose values all become zero are dropped.
Profile merge_profiles(const Profile& a, const Profile& b, int sign);

}  // namespace leakscope::analyzer
