// A push job as consumed from the queue: an FCM v1 send request body, relayed as is.
#pragma once

#include <nlohmann/json.hpp>
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
  std::string
      reason;  // when not ok: not_json, too_large, too_deep, no_message, no_target, several_targets, payload_too_large
  std::string detail;  // a human sentence
  std::string id;      // job_id: message.data.id when present (loadgen sets it)
};

// {"message": {...}} with exactly one of token, topic, condition, and a payload within FCM's limit.
// One streaming pass (no DOM); the rare jobs it cannot settle alone go to check_job_by_dom.
JobCheck check_job(std::string_view body);
// The same verdict from nlohmann's DOM of the whole job: the reference (tests and the fuzz target
// compare the two) and the fallback for repeated keys and payloads over the limit.
JobCheck check_job_by_dom(std::string_view body);

// The job contract, written once. A job is an FCM v1 send request; its id is message.data.id, a
// string (FCM's data values are strings). loadgen writes jobs with push_job_body; the relay logs and
// the sender reports that id; fake-fcm records each send request it accepts, as received, one per
// line; the scenario runner and the tests count deliveries by job_id over that record.
std::string push_job_body(const std::string& id, const std::string& token, const std::string& payload);
// message.data.id of a job or send request; "" when it has none.
std::string job_id(const nlohmann::json& job);

}  // namespace leakscope::relay
