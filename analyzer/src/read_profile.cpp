#include <sys/stat.h>

#include <algorithm>

#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"

namespace leakscope::analyzer {

namespace {
bool looks_like_text(std::string_view b) {
  auto head = b.substr(0, 4096);
  return std::none_of(head.begin(), head.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0 || (u < 0x20 && c != '\n' && c != '\r' && c != '\t');
  });
}
}  // namespace

ProfileFormat detect_format(std::string_view b) {
  if (b.substr(0, 8) == "heap_v2/") return ProfileFormat::kJemalloc;
  std::string_view trimmed = b.substr(std::min(b.size(), b.find_first_not_of(" \t")));
  if (trimmed.substr(0, 13) == "heap profile:") return ProfileFormat::kLegacyHeap;
  if (looks_like_text(b)) return ProfileFormat::kFolded;
  return ProfileFormat::kProto;
}

Profile parse_profile(std::string_view bytes, const std::string& path, ProfileFormat* detected) {
  ProfileFormat f = detect_format(bytes);
  if (detected) *detected = f;
  if (f != ProfileFormat::kJemalloc && f != ProfileFormat::kLegacyHeap)
    if (auto kind = unsupported_profile_kind(bytes)) throw InputError(path, kind.position, kind.message);
  Profile p;
  switch (f) {
    case ProfileFormat::kJemalloc:
      p = read_jemalloc_heap(bytes, path);
      break;
    case ProfileFormat::kLegacyHeap:
      p = read_legacy_heap(bytes, path);
      break;
    case ProfileFormat::kProto:
      p = read_proto(bytes, path);
      break;
    case ProfileFormat::kFolded:
      try {
        p = read_folded(bytes, path);
      } catch (const InputError& e) {
        // A text file that fails on its first line is more likely not a profile at all.
        if (std::string(e.what()).find(":line 1:") != std::string::npos)
          throw InputError(path, "line 1",
                           "not a recognized profile: expected a jemalloc dump ('heap_v2/N'), a legacy heap profile "
                           "('heap profile: ...'), profile.proto, or folded stacks ('a;b;c <count>')");
        throw;
      }
      break;
  }
  p.validate(path);
  return p;
}

Profile read_profile(const std::string& path, ProfileFormat* detected) {
  ProfileFormat f;
  Profile p = parse_profile(read_input(path), path, &f);
  if (detected) *detected = f;
  // Heap text dumps carry no timestamp; a regular file's modification time is when it was written.
  struct stat st;
  if (p.time_nanos == 0 && path != "-" && (f == ProfileFormat::kJemalloc || f == ProfileFormat::kLegacyHeap) &&
      ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
    p.time_nanos = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return p;
}

}  // namespace leakscope::analyzer
