#include "leakscope/relay/service_account.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace leakscope::relay {

ServiceAccount load_service_account(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the service account file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_service_account(ss.str(), path);
}

ServiceAccount parse_service_account(std::string_view text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(path + ": not JSON at byte " + std::to_string(e.byte) +
                             ", expected a service account key file");
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for any type (found by fuzzing)
    throw std::runtime_error(path + ": unusable JSON (" + e.what() + "), expected a service account key file");
  }
  if (!j.is_object()) throw std::runtime_error(path + ": expected a JSON object (a service account key file)");
  ServiceAccount sa;
  auto field = [&](const char* name, std::string& out) {
    if (!j.contains(name) || !j[name].is_string() || j[name].get<std::string>().empty())
      throw std::runtime_error(path + ": missing \"" + name + "\", expected a service account key file");
    out = j[name];
  };
  if (j.value("type", "") != "service_account")
    throw std::runtime_error(path + ": \"type\" is not \"service_account\"");
  field("client_email", sa.client_email);
  field("private_key", sa.private_key);
  field("token_uri", sa.token_uri);
  sa.project_id = j.value("project_id", "");
  sa.private_key_id = j.value("private_key_id", "");
  return sa;
}

std::string service_account_json(const ServiceAccount& sa) {
  return nlohmann::json{{"type", "service_account"},           {"project_id", sa.project_id},
                        {"private_key_id", sa.private_key_id}, {"private_key", sa.private_key},
                        {"client_email", sa.client_email},     {"token_uri", sa.token_uri}}
             .dump(2) +
         "\n";
}

}  // namespace leakscope::relay
