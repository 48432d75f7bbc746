// How to step out of the frame at one code address, read from the loaded image's .eh_frame: the
// canonical frame address (CFA) as rsp or rbp plus an offset, the return address at CFA-8, and where
// the caller's rbp was saved. x86-64 only. Rules that need more (a CFA from an expression or another
// register, signal frames) are `kUnsupported`: the unwinder hands such stacks to libunwind.
// Lock-free and allocation-free, because it runs inside jemalloc's sampling path.
#pragma once

#include <cstdint>

namespace leakscope::profiler {

struct FrameRule {
  enum Kind : uint8_t {
    kRspBased,     // CFA = rsp + cfa_offset
    kRbpBased,     // CFA = rbp + cfa_offset
    kOutermost,    // the return address is undefined: the stack ends in this frame (_start, clone)
    kUnsupported,  // no FDE covers the address, or its rule is not one of the above
  };
  Kind kind = kUnsupported;
  uint32_t cfa_offset = 0;
  int32_t saved_rbp_offset = 0;  // the caller's rbp is at CFA + this; 0: rbp is unchanged
};

// The rule in force at `address` (for a return address, pass it minus one: the call's last byte).
FrameRule frame_rule_at(uintptr_t address);

}  // namespace leakscope::profiler
