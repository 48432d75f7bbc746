#include "frame_walker.h"

#include <dlfcn.h>

#include <atomic>
#include <cstring>

#include "frame_rules.h"

namespace leakscope::profiler {
namespace {

// A cached rule: two words, each the full address (48 bits) and half of the packed rule (16 bits),
// so that a reader racing a writer can never pair one address with another's rule, with no lock:
// a torn entry reads as a miss. Packed rule: {kind 2 | cfa offset 16 | saved rbp offset / 8, 14}.
struct Entry {
  std::atomic<uint64_t> high{0};
  std::atomic<uint64_t> low{0};
};
constexpr uint64_t kAddressMask = (uint64_t{1} << 48) - 1;

constexpr unsigned kSlotBits = 13;  // 8192 entries, 128 KiB: a large service's sampled call sites
Entry slots[1u << kSlotBits];

unsigned slot_of(uintptr_t address) {
  return static_cast<unsigned>((address * 0x9E3779B97F4A7C15ull) >> (64 - kSlotBits));
}

bool pack(FrameRule rule, uint32_t& packed) {
  uint32_t rbp_slots = static_cast<uint32_t>(-static_cast<int64_t>(rule.saved_rbp_offset) / 8);
  if (rule.cfa_offset >= (1u << 16) || rule.saved_rbp_offset % 8 != 0 || rbp_slots >= (1u << 14)) return false;
  packed = (uint32_t{rule.kind} << 30) | (rule.cfa_offset << 14) | rbp_slots;
  return true;
}

FrameRule unpack(uint32_t packed) {
  FrameRule rule;
  rule.kind = static_cast<FrameRule::Kind>(packed >> 30);
  rule.cfa_offset = (packed >> 14) & 0xffff;
  rule.saved_rbp_offset = -static_cast<int32_t>((packed & 0x3fff) * 8);
  return rule;
}

bool read(const Entry& entry, uintptr_t address, FrameRule& rule) {
  uint64_t high = entry.high.load(std::memory_order_relaxed);
  if ((high & kAddressMask) != address) return false;
  uint64_t low = entry.low.load(std::memory_order_relaxed);
  if ((low & kAddressMask) != address) return false;
  rule = unpack(static_cast<uint32_t>((high >> 48) << 16 | (low >> 48)));
  return true;
}

void write(Entry& entry, uintptr_t address, FrameRule rule) {
  uint32_t packed;
  if (address > kAddressMask || !pack(rule, packed)) return;
  entry.high.store(address | uint64_t{packed >> 16} << 48, std::memory_order_relaxed);
  entry.low.store(address | uint64_t{packed & 0xffff} << 48, std::memory_order_relaxed);
}

FrameRule rule_for(uintptr_t address) {
  FrameRule rule;
  Entry& slot = slots[slot_of(address)];
  if (read(slot, address, rule)) return rule;
  rule = frame_rule_at(address);
  write(slot, address, rule);
  return rule;
}

// A frame larger than this means a rule does not fit the stack it is applied to: stop there.
constexpr uintptr_t kLargestFrame = uintptr_t{64} << 20;

}  // namespace

extern "C" __attribute__((visibility("hidden"))) int leakscope_walk_from(void** out, int max, uintptr_t ip,
                                                                         uintptr_t sp, uintptr_t bp) {
  int n = 0;
  while (n < max) {
    out[n++] = reinterpret_cast<void*>(ip);
    FrameRule rule = rule_for(ip - 1);  // a return address: the call is the byte before it
    if (rule.kind == FrameRule::kOutermost) return n;
    if (rule.kind == FrameRule::kUnsupported) return -1;
    uintptr_t cfa = (rule.kind == FrameRule::kRspBased ? sp : bp) + rule.cfa_offset;
    if (cfa <= sp || cfa - sp > kLargestFrame) return n;
    uintptr_t return_address;
    std::memcpy(&return_address, reinterpret_cast<const void*>(cfa - 8), sizeof return_address);
    if (rule.saved_rbp_offset)
      std::memcpy(&bp, reinterpret_cast<const void*>(cfa + static_cast<intptr_t>(rule.saved_rbp_offset)), sizeof bp);
    if (return_address == 0) return n;
    sp = cfa;
    ip = return_address;
  }
  return n;
}

// The entry: the caller's return address, stack pointer and rbp as they are at the call, handed to
// leakscope_walk_from by a tail jump, so that no frame of ours sits between them.
asm(R"(
  .text
  .p2align 4
  .globl leakscope_walk_stack
  .hidden leakscope_walk_stack
  .type leakscope_walk_stack, @function
leakscope_walk_stack:
  .cfi_startproc
  movq (%rsp), %rdx
  leaq 8(%rsp), %rcx
  movq %rbp, %r8
  jmp leakscope_walk_from
  .cfi_endproc
  .size leakscope_walk_stack, .-leakscope_walk_stack
)");

void forget_frame_rules() {
  for (Entry& entry : slots) entry.high.store(0, std::memory_order_relaxed);
}

}  // namespace leakscope::profiler

// Interposed for every program that links the profiler (its link options export it) or preloads it.
extern "C" int dlclose(void* handle) {
  using Dlclose = int (*)(void*);
  static Dlclose real = reinterpret_cast<Dlclose>(dlsym(RTLD_NEXT, "dlclose"));
  int rc = real ? real(handle) : -1;
  leakscope::profiler::forget_frame_rules();
  return rc;
}
