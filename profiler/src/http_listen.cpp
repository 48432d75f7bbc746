#include "leakscope/profiler/http_listen.h"

#include <charconv>
#include <stdexcept>

namespace leakscope::profiler {

bool split_host_port(const std::string& addr, std::string& host, int& port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  host = addr.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string p = addr.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  return !host.empty() && ec == std::errc() && end == p.data() + p.size() && port >= 0 && port <= 65535;
}

int bind_http_server(httplib::Server& server, const std::string& address, const std::string& what) {
  std::string host;
  int port = 0;
  if (!split_host_port(address, host, port)) throw std::runtime_error(what + " address '" + address + "' is not host:port");
  server.set_tcp_nodelay(true);  // headers and body go out as separate writes: no Nagle stall
  int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) throw std::runtime_error("cannot listen on " + address + " for " + what + " (in use?)");
  return bound;
}

}  // namespace leakscope::profiler
