// A Google service-account key file (the JSON one downloads from the console).
#pragma once

#include <string>
#include <string_view>

namespace leakscope::relay {

struct ServiceAccount {
  std::string project_id;
  std::string client_email;
  std::string private_key_id;
  std::string private_key;  // PEM
  std::string token_uri;
};

// Throws std::runtime_error "<path>: <what is missing or wrong>".
ServiceAccount load_service_account(const std::string& path);
// The same from text already read; `path` names it in errors.
ServiceAccount parse_service_account(std::string_view text, const std::string& path);
// The JSON text of a service account file (for tests and fake-fcm's --make-service-account).
std::string service_account_json(const ServiceAccount& sa);

}  // namespace leakscope::relay
