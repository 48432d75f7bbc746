// fcm-relay's configuration: flags, FCM_RELAY_* (and LEAKSCOPE_*) environment variables and a TOML
// file, parsed into the options the service, the sender and the profiler really receive.
// Precedence: flags > environment > config file > defaults; the defaults are the option structs'.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "leakscope/profiler/profiler.h"
#include "leakscope/relay/fcm_sender.h"
#include "leakscope/relay/relay_service.h"
#include "leakscope/relay/service_account.h"

namespace leakscope::relay {

struct RelayConfig {
  RelayOptions relay;
  SenderOptions sender;  // send_url set once the credentials (or --project-id) name the project
  profiler::ProfilerOptions profiler;
  bool start_profiler = false;  // a profiler flag was given, or LEAKSCOPE_* variables ask for it
  std::string fcm_base_url = "https://fcm.googleapis.com";
  std::string credentials;  // default $GOOGLE_APPLICATION_CREDENTIALS
  std::string project_id;   // default the credentials' project_id
  ServiceAccount account;
  // Why the relay cannot send (no credentials, say): --print-config prints what is known, then this.
  std::string missing;
  std::string http_addr = "127.0.0.1:9090";
  std::string log_level = "info";
  bool print_config = false;
};

// A bad flag, variable, config file or TLS file: the message is one line naming it.
struct RelayConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A variable's value, or nothing when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvironmentLookup process_environment();

struct RelayCommandLine {
  RelayConfig config;
  std::optional<std::string> help;  // --help: print this and exit 0
};

// `args` without the program name. Throws RelayConfigError. Reads the credentials file; the
// profiler's snapshot triggers come from the process's LEAKSCOPE_SNAPSHOT_* variables, as in every
// profiled program.
RelayCommandLine parse_relay_command_line(const std::vector<std::string>& args, const EnvironmentLookup& environment);

// --print-config's JSON (secrets masked; null for what the credentials would decide).
std::string render_relay_config_json(const RelayConfig& config);

}  // namespace leakscope::relay
