#include "loaded_images.h"

#include <elf.h>
#include <link.h>

#include <cstring>

namespace leakscope::profiler {
namespace {

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  return s;
}

// The NT_GNU_BUILD_ID note of one PT_NOTE segment, or "".
std::string build_id_in_note(const unsigned char* p, size_t size) {
  auto align4 = [](size_t n) { return (n + 3) & ~size_t{3}; };
  size_t at = 0;
  while (at + sizeof(ElfW(Nhdr)) <= size) {
    ElfW(Nhdr) h;
    std::memcpy(&h, p + at, sizeof h);
    size_t name_at = at + sizeof h, desc_at = name_at + align4(h.n_namesz);
    if (desc_at + h.n_descsz > size) break;
    if (h.n_type == NT_GNU_BUILD_ID && h.n_namesz == 4 && std::memcmp(p + name_at, "GNU", 4) == 0)
      return hex(p + desc_at, h.n_descsz);
    at = desc_at + align4(h.n_descsz);
  }
  return "";
}

int add_image(struct dl_phdr_info* info, size_t, void* data) {
  auto& out = *static_cast<std::vector<analyzer::LoadedImage>*>(data);
  analyzer::LoadedImage image;
  image.start = ~uint64_t{0};
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    uint64_t at = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD) {
      image.start = std::min<uint64_t>(image.start, at);
      image.limit = std::max<uint64_t>(image.limit, at + ph.p_memsz);
    } else if (ph.p_type == PT_NOTE && image.build_id.empty()) {
      image.build_id = build_id_in_note(reinterpret_cast<const unsigned char*>(at), ph.p_memsz);
    }
  }
  if (!image.build_id.empty() && image.limit > image.start) out.push_back(std::move(image));
  return 0;
}

}  // namespace

std::vector<analyzer::LoadedImage> loaded_images() {
  std::vector<analyzer::LoadedImage> out;
  dl_iterate_phdr(add_image, &out);
  return out;
}

}  // namespace leakscope::profiler
