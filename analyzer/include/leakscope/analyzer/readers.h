// Profile readers. Each takes the whole (already inflated) input and the name to use in errors.
// read_profile() picks the reader by content, never by file name.
#pragma once

#include <string>
#include <string_view>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

enum class ProfileFormat { kJemalloc, kLegacyHeap, kProto, kFolded };

// jemalloc 5 `prof.dump` output (heap_v2/N, t* and tN lines, MAPPED_LIBRARIES:).
Profile read_jemalloc_heap(std::string_view text, const std::string& source);
// gperftools / Go legacy text heap profile ("heap profile: ... @ heap_v2/N" or Go's "@ heap/2N").
Profile read_legacy_heap(std::string_view text, const std::string& source);
// pprof profile.proto (uncompressed bytes).
Profile read_proto(std::string_view bytes, const std::string& source);
// Folded stacks: "root;caller;leaf 123" per line, or the two-column diff form
// "root;caller;leaf <base> <new>": then sample type 0 is "samples_base", 1 is "samples" (the default).
Profile read_folded(std::string_view text, const std::string& source);
inline constexpr const char* kDiffFoldedComment = "leakscope:diff-folded";
// Whether the profile came from two-column diff folded input.
bool is_diff_folded(const Profile& p);

ProfileFormat detect_format(std::string_view bytes);
// Profiles pprof reads that are not heap profiles (legacy CPU, contention, mutex, thread, Java heapz,
// Go goroutine/threadcreate counts): where it shows and what it is, for the error; empty otherwise.
struct UnsupportedKind {
  std::string position, message;
  explicit operator bool() const { return !message.empty(); }
};
UnsupportedKind unsupported_profile_kind(std::string_view bytes);
// Parses a whole (inflated) profile of any format; `source` names it in errors. Throws InputError.
Profile parse_profile(std::string_view bytes, const std::string& source, ProfileFormat* detected = nullptr);
// Reads a file ("-" for stdin, or a pipe), inflating gzip, and parses it. Throws InputError.
// URLs are read by read_profile_source (profile_source.h).
Profile read_profile(const std::string& path, ProfileFormat* detected = nullptr);

}  // namespace leakscope::analyzer
