// fake-fcm's requests and responses, independent of the HTTP transport that carries them.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace leakscope::scenarios {

struct HttpRequest {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // How the transport sends the body: whole; cut in the middle (Content-Length promises all of
  // it, half arrives, the connection drops); or trickled over `trickle_ms` after prompt headers.
  enum class Delivery { kWhole, kTruncated, kTrickled } delivery = Delivery::kWhole;
  int trickle_ms = 0;
};

}  // namespace leakscope::scenarios
