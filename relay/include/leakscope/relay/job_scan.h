// One pass over a job's text that gathers what check_job decides on, without building nlohmann's
// DOM: its allocations per key and value were most of the AMQP thread's own work per job (0.55 µs
// against 4.2 µs for loadgen's job). Strict: what it cannot settle exactly is left to the DOM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leakscope::relay {

struct JobFacts {
  enum class Target : uint8_t { kAbsent, kNonEmptyString, kOther };
  bool top_is_object = false;
  bool message_is_object = false;                                          // the top-level object's "message"
  Target target[3] = {Target::kAbsent, Target::kAbsent, Target::kAbsent};  // token, topic, condition
  std::string id;                                                          // message.data.id when a string, else ""
  size_t payload_bytes = 0;  // message.data and message.notification as dump() writes them
};

// The facts of a job of at most kMaxJobBytes and kMaxJobDepth, or nullopt when the DOM must settle
// it: a key repeated where it matters (the DOM keeps the last), a float or an integer of more than 18
// digits (their printed size is nlohmann's), an escape in a key that matters, and anything that is
// not JSON (the DOM's error says where). When keys repeat inside the payload, payload_bytes counts
// each, so it is never below the DOM's figure.
std::optional<JobFacts> scan_job(std::string_view body);

}  // namespace leakscope::relay
