// A push job as consumed from the queue: an FCM v1 send request body, relayed as is.
#pragma once

#include <string>
#include <string_view>

namespace leakscope::relay {

// FCM's limit on a message's payload (data plus notification), in bytes.
inline constexpr size_t kFcmPayloadLimit = 4096;
// Jobs larger than this are refused before parsing; deeper nesting is refused too.
inline constexpr size_t kMaxJobBytes = 64 * 1024;
inline constexpr int kMaxJobDepth = 32;

struct JobCheck {
  bool ok = false;
  std::string reason;  // when not ok: not_json, too_large, too_deep, no_message, no_target, several_targets, payload_too_large
  std::string detail;  // a human sentence
  std::string id;      // message.data.id when present (loadgen sets it)
};

// {"message": {...}} with exactly one of token, topic, condition, and a payload within FCM's limit.
JobCheck check_job(std::string_view body);

}  // namespace leakscope::relay
