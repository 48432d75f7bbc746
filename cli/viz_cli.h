// What the viz subcommands share: the view of a loaded profile (and base) with the CLI's options.
#pragma once

#include "cli_common.h"
#include "leakscope/viz/views.h"

namespace leakscope::cli {

inline viz::ViewInput view_of(const ProfileAndBase& in, const ProfileOptions& o, bool normalize) {
  return {&in.now, in.now_index, in.has_base() ? &in.base : nullptr, in.base_index, normalize, stack_options(o)};
}

}  // namespace leakscope::cli
