// Listening on "host:port" (port 0: a free one), with one clear error on a bad address or a port in
// use. Every listener in leakscope binds through here, so none shares its port: listening sockets get
// SO_REUSEADDR (a restart binds past old connections in TIME_WAIT) and never SO_REUSEPORT, which
// cpp-httplib 0.11.4 sets by default and with which a second process on the same address listens
// too while the kernel splits the connections between the two.
#pragma once

#include <httplib.h>

#include <string>

namespace leakscope::http {

// Splits "host:port" ("[::1]:80" too). False when malformed.
bool split_host_port(const std::string& address, std::string& host, int& port);
// The options every listening socket gets (SO_REUSEADDR; SO_REUSEPORT off).
void set_listener_socket_options(int fd);
// A listening TCP socket (close-on-exec) on `address`; sets `port` to the bound port. Throws
// std::runtime_error "cannot listen on ADDRESS for WHAT: REASON" (e.g. "address already in use").
int listen_tcp(const std::string& address, const std::string& what, int& port);
// Binds `server` with those options; returns the port. Throws std::runtime_error as listen_tcp.
int bind_http_server(httplib::Server& server, const std::string& address, const std::string& what);

}  // namespace leakscope::http
