// Binding a cpp-httplib server to "host:port" (port 0: a free one), with one clear error on a bad
// address or a port in use. Shared by every HTTP listener in leakscope.
#pragma once

#include <httplib.h>

#include <string>

namespace leakscope::profiler {

// Splits "host:port" ("[::1]:80" too). False when malformed.
bool split_host_port(const std::string& address, std::string& host, int& port);
// Binds `server`; returns the port. Throws std::runtime_error "<what>: ...".
int bind_http_server(httplib::Server& server, const std::string& address, const std::string& what);

}  // namespace leakscope::profiler
