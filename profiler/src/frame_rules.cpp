#include "frame_rules.h"

#include <dlfcn.h>

#include <cstring>

// The formats: the LSB's .eh_frame and .eh_frame_hdr (Linux Standard Base Core, "Exception Frames")
// and DWARF 4 section 6.4 (call frame instructions). Only what GCC and Clang emit for x86-64 code is
// read; anything else ends in kUnsupported, never in a guess.
namespace leakscope::profiler {
namespace {

constexpr uint64_t kRbp = 6, kRsp = 7, kReturnAddress = 16;  // DWARF register numbers, x86-64 psABI

// A bounds-checked reader over one CIE or FDE.
struct Reader {
  const uint8_t* at;
  const uint8_t* end;
  bool ok = true;

  bool has(size_t n) { return ok = ok && static_cast<size_t>(end - at) >= n; }
  uint8_t u8() { return has(1) ? *at++ : 0; }
  template <typename T>
  T fixed() {
    T v{};
    if (has(sizeof v)) std::memcpy(&v, at, sizeof v), at += sizeof v;
    return v;
  }
  uint64_t uleb() {
    uint64_t v = 0;
    for (int shift = 0; has(1); shift += 7) {
      uint8_t b = *at++;
      if (shift < 64) v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    return 0;
  }
  int64_t sleb() {
    int64_t v = 0;
    int shift = 0;
    while (has(1)) {
      uint8_t b = *at++;
      if (shift < 64) v |= static_cast<int64_t>(uint64_t{b & 0x7fu} << shift);
      shift += 7;
      if (!(b & 0x80)) {
        if (shift < 64 && (b & 0x40)) v |= -(int64_t{1} << shift);
        return v;
      }
    }
    return 0;
  }
  // A DW_EH_PE-encoded pointer; `data_base` serves datarel. Indirect and textrel are not emitted for
  // these fields by GCC or Clang on x86-64 and are refused.
  uintptr_t pointer(uint8_t encoding, uintptr_t data_base = 0) {
    const uint8_t* field = at;
    uint64_t v = 0;
    switch (encoding & 0x0f) {
      case 0x00:
        v = fixed<uint64_t>();
        break;
      case 0x01:
        v = uleb();
        break;
      case 0x02:
        v = fixed<uint16_t>();
        break;
      case 0x03:
        v = fixed<uint32_t>();
        break;
      case 0x04:
        v = fixed<uint64_t>();
        break;
      case 0x09:
        v = static_cast<uint64_t>(sleb());
        break;
      case 0x0a:
        v = static_cast<uint64_t>(static_cast<int64_t>(fixed<int16_t>()));
        break;
      case 0x0b:
        v = static_cast<uint64_t>(static_cast<int64_t>(fixed<int32_t>()));
        break;
      case 0x0c:
        v = fixed<uint64_t>();
        break;
      default:
        ok = false;
    }
    switch (encoding & 0x70) {
      case 0x00:
        break;
      case 0x10:
        v += reinterpret_cast<uintptr_t>(field);
        break;
      case 0x30:
        v += data_base;
        break;
      default:
        ok = false;
    }
    if (encoding & 0x80) ok = false;
    return v;
  }
};

constexpr uint8_t kOmit = 0xff;

// The FDE covering `address`, found by binary search in .eh_frame_hdr's sorted table.
const uint8_t* find_fde(uintptr_t address) {
  dl_find_object found;
  if (_dl_find_object(reinterpret_cast<void*>(address), &found) != 0 || !found.dlfo_eh_frame) return nullptr;
  auto hdr = static_cast<const uint8_t*>(found.dlfo_eh_frame);
  auto base = reinterpret_cast<uintptr_t>(hdr);
  // version 1; the table as datarel sdata4 pairs, which every linker writes (else: no table, refuse).
  if (hdr[0] != 1 || hdr[3] != 0x3b || hdr[1] == kOmit || hdr[2] == kOmit) return nullptr;
  Reader r{hdr + 4, hdr + 4 + 16};
  r.pointer(hdr[1], base);
  uint64_t count = r.pointer(hdr[2], base);
  if (!r.ok || count == 0) return nullptr;
  auto table = reinterpret_cast<const int32_t*>(r.at);  // pairs: {function start, FDE}, from hdr
  auto entry = [&](uint64_t i, int field) {
    return base + static_cast<uintptr_t>(static_cast<intptr_t>(table[2 * i + field]));
  };
  uint64_t lo = 0, hi = count;  // the last entry whose start is <= address
  while (hi - lo > 1) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (entry(mid, 0) <= address)
      lo = mid;
    else
      hi = mid;
  }
  if (entry(lo, 0) > address) return nullptr;
  return reinterpret_cast<const uint8_t*>(entry(lo, 1));
}

// One register's rule, for the two registers an x86-64 walk needs (rbp and the return address).
struct RegisterRule {
  enum Kind : uint8_t { kSame, kUndefined, kAtCfaOffset, kOther } kind = kSame;
  int64_t offset = 0;
};

struct Row {
  uint64_t cfa_register = kRsp;
  int64_t cfa_offset = 8;
  bool cfa_is_expression = false;
  RegisterRule rbp, return_address;
};

struct Cie {
  uint64_t code_align = 1;
  int64_t data_align = -8;
  uint8_t fde_encoding = 0;
  bool has_augmentation_data = false;
  bool signal_frame = false;
  const uint8_t* instructions = nullptr;
  const uint8_t* end = nullptr;
};

bool parse_cie(const uint8_t* at, Cie& cie) {
  uint32_t length;
  std::memcpy(&length, at, 4);
  if (length == 0 || length == 0xffffffff) return false;  // a terminator, or 64-bit DWARF (not emitted)
  Reader r{at + 4, at + 4 + length};
  if (r.fixed<uint32_t>() != 0) return false;  // a CIE's id is 0
  uint8_t version = r.u8();
  if (version != 1 && version != 3) return false;
  const char* augmentation = reinterpret_cast<const char*>(r.at);
  size_t aug_len = strnlen(augmentation, static_cast<size_t>(r.end - r.at));
  if (!r.has(aug_len + 1)) return false;
  r.at += aug_len + 1;
  cie.code_align = r.uleb();
  cie.data_align = r.sleb();
  uint64_t return_register = version == 1 ? r.u8() : r.uleb();
  if (return_register != kReturnAddress) return false;
  const uint8_t* data_end = nullptr;
  for (const char* a = augmentation; *a; ++a) {
    switch (*a) {
      case 'z':
        if (a != augmentation) return false;
        cie.has_augmentation_data = true;
        {
          uint64_t n = r.uleb();
          data_end = r.at + n;
        }
        break;
      case 'R':
        cie.fde_encoding = r.u8();
        break;
      case 'P':
        r.pointer(r.u8() & 0x7f);
        break;  // skipped: the personality routine is not needed
      case 'L':
        r.u8();
        break;
      case 'S':
        cie.signal_frame = true;
        break;
      default:
        if (!cie.has_augmentation_data) return false;  // unknown, and no length to skip it by
        r.at = data_end;
        a += std::strlen(a) - 1;
    }
  }
  if (cie.has_augmentation_data) {
    if (!data_end || data_end > r.end) return false;
    r.at = data_end;
  }
  cie.instructions = r.at;
  cie.end = r.end;
  return r.ok;
}

void set_register(Row& row, uint64_t reg, RegisterRule rule) {
  if (reg == kRbp) row.rbp = rule;
  if (reg == kReturnAddress) row.return_address = rule;
}

// Runs call frame instructions until the row covering `target` is complete. `initial` serves
// DW_CFA_restore (the CIE's row); returns false on anything malformed or unknown.
bool run_program(Reader r, const Cie& cie, uintptr_t location, uintptr_t target, const Row* initial, Row& row) {
  constexpr int kStates = 8;
  Row remembered[kStates];
  int depth = 0;
  auto advance = [&](uint64_t delta) {
    location += delta * cie.code_align;
    return location <= target;
  };
  auto restore = [&](uint64_t reg) {
    if (initial) set_register(row, reg, reg == kRbp ? initial->rbp : initial->return_address);
  };
  while (r.at < r.end && r.ok) {
    uint8_t op = r.u8();
    uint8_t low = op & 0x3f;
    switch (op >> 6) {
      case 1:
        if (!advance(low)) return true;
        continue;
      case 2:
        set_register(row, low, {RegisterRule::kAtCfaOffset, static_cast<int64_t>(r.uleb()) * cie.data_align});
        continue;
      case 3:
        restore(low);
        continue;
    }
    switch (op) {
      case 0x00:
        break;      // nop
      case 0x01: {  // set_loc
        location = r.pointer(cie.fde_encoding);
        if (location > target) return true;
        break;
      }
      case 0x02:
        if (!advance(r.u8())) return true;
        break;
      case 0x03:
        if (!advance(r.fixed<uint16_t>())) return true;
        break;
      case 0x04:
        if (!advance(r.fixed<uint32_t>())) return true;
        break;
      case 0x05: {  // offset_extended
        uint64_t reg = r.uleb();
        set_register(row, reg, {RegisterRule::kAtCfaOffset, static_cast<int64_t>(r.uleb()) * cie.data_align});
        break;
      }
      case 0x06:
        restore(r.uleb());
        break;
      case 0x07:
        set_register(row, r.uleb(), {RegisterRule::kUndefined, 0});
        break;
      case 0x08:
        set_register(row, r.uleb(), {RegisterRule::kSame, 0});
        break;
      case 0x09: {  // register: saved in another register
        uint64_t reg = r.uleb();
        r.uleb();
        set_register(row, reg, {RegisterRule::kOther, 0});
        break;
      }
      case 0x0a:
        if (depth == kStates) return false;
        remembered[depth++] = row;
        break;
      case 0x0b:  // restore_state: the CFA rule too, as libgcc does (epilogues in mid-function rely on it)
        if (depth == 0) return false;
        row = remembered[--depth];
        break;
      case 0x0c:
        row.cfa_register = r.uleb();
        row.cfa_offset = static_cast<int64_t>(r.uleb());
        row.cfa_is_expression = false;
        break;
      case 0x0d:
        row.cfa_register = r.uleb();
        row.cfa_is_expression = false;
        break;
      case 0x0e:
        row.cfa_offset = static_cast<int64_t>(r.uleb());
        break;
      case 0x0f: {  // def_cfa_expression
        uint64_t n = r.uleb();
        if (!r.has(n)) return false;
        r.at += n;
        row.cfa_is_expression = true;
        break;
      }
      case 0x10:    // expression
      case 0x16: {  // val_expression
        uint64_t reg = r.uleb();
        uint64_t n = r.uleb();
        if (!r.has(n)) return false;
        r.at += n;
        set_register(row, reg, {RegisterRule::kOther, 0});
        break;
      }
      case 0x11: {  // offset_extended_sf
        uint64_t reg = r.uleb();
        set_register(row, reg, {RegisterRule::kAtCfaOffset, r.sleb() * cie.data_align});
        break;
      }
      case 0x12:
        row.cfa_register = r.uleb();
        row.cfa_offset = r.sleb() * cie.data_align;
        row.cfa_is_expression = false;
        break;
      case 0x13:
        row.cfa_offset = r.sleb() * cie.data_align;
        break;
      case 0x14:    // val_offset
      case 0x15: {  // val_offset_sf
        uint64_t reg = r.uleb();
        if (op == 0x14)
          r.uleb();
        else
          r.sleb();
        set_register(row, reg, {RegisterRule::kOther, 0});
        break;
      }
      case 0x2e:
        r.uleb();
        break;      // GNU_args_size
      case 0x2f: {  // GNU_negative_offset_extended
        uint64_t reg = r.uleb();
        set_register(row, reg, {RegisterRule::kAtCfaOffset, -static_cast<int64_t>(r.uleb()) * cie.data_align});
        break;
      }
      default:
        return false;
    }
  }
  return r.ok;
}

FrameRule to_frame_rule(const Row& row) {
  FrameRule rule;
  if (row.return_address.kind == RegisterRule::kUndefined) {
    rule.kind = FrameRule::kOutermost;
    return rule;
  }
  bool cfa_ok = !row.cfa_is_expression && (row.cfa_register == kRsp || row.cfa_register == kRbp) &&
                row.cfa_offset > 0 && row.cfa_offset < (int64_t{1} << 31);
  bool return_ok = row.return_address.kind == RegisterRule::kAtCfaOffset && row.return_address.offset == -8;
  bool rbp_ok =
      row.rbp.kind == RegisterRule::kSame || row.rbp.kind == RegisterRule::kUndefined ||
      (row.rbp.kind == RegisterRule::kAtCfaOffset && row.rbp.offset < 0 && row.rbp.offset > -(int64_t{1} << 31));
  if (!cfa_ok || !return_ok || !rbp_ok) return rule;
  rule.kind = row.cfa_register == kRsp ? FrameRule::kRspBased : FrameRule::kRbpBased;
  rule.cfa_offset = static_cast<uint32_t>(row.cfa_offset);
  rule.saved_rbp_offset = row.rbp.kind == RegisterRule::kAtCfaOffset ? static_cast<int32_t>(row.rbp.offset) : 0;
  return rule;
}

}  // namespace

FrameRule frame_rule_at(uintptr_t address) {
  const uint8_t* fde = find_fde(address);
  if (!fde) return {};
  uint32_t length;
  std::memcpy(&length, fde, 4);
  if (length == 0 || length == 0xffffffff) return {};
  Reader r{fde + 4, fde + 4 + length};
  const uint8_t* cie_field = r.at;
  uint32_t cie_offset = r.fixed<uint32_t>();
  Cie cie;
  if (!r.ok || cie_offset == 0 || !parse_cie(cie_field - cie_offset, cie) || cie.signal_frame) return {};
  uintptr_t begin = r.pointer(cie.fde_encoding);
  uintptr_t range = r.pointer(cie.fde_encoding & 0x0f);
  if (!r.ok || address < begin || address - begin >= range) return {};
  if (cie.has_augmentation_data) {
    uint64_t n = r.uleb();
    if (!r.has(n)) return {};
    r.at += n;
  }
  Row row;
  row.return_address = {RegisterRule::kSame, 0};
  if (!run_program(Reader{cie.instructions, cie.end}, cie, begin, ~uintptr_t{0}, nullptr, row)) return {};
  Row initial = row;
  if (!run_program(r, cie, begin, address, &initial, row)) return {};
  return to_frame_rule(row);
}

}  // namespace leakscope::profiler
