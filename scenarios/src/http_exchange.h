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
};

}  // namespace leakscope::scenarios
