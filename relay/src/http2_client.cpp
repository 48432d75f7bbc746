#include "leakscope/relay/http2_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <stdexcept>

#include "leakscope/relay/log.h"

namespace leakscope::relay {
namespace {

using Clock = std::chrono::steady_clock;

std::string openssl_error(const char* fallback) {
  unsigned long e = ERR_get_error();
  if (e == 0) return fallback;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

bool is_ip_literal(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

nghttp2_nv header(const std::string& name, const std::string& value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

HttpsUrl parse_https_url(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (url.rfind(kScheme, 0) != 0) throw std::invalid_argument(url + ": expected an https:// URL");
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  HttpsUrl u;
  u.authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string hostport = u.authority;
  if (hostport.find('@') != std::string::npos) throw std::invalid_argument(url + ": user information is not supported");
  if (!hostport.empty() && hostport[0] == '[') {  // [IPv6]:port
    size_t close = hostport.find(']');
    if (close == std::string::npos) throw std::invalid_argument(url + ": expected ']' after an IPv6 address");
    u.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') throw std::invalid_argument(url + ": expected ':' after ']'");
      u.port = hostport.substr(close + 2);
    }
  } else {
    size_t colon = hostport.rfind(':');
    u.host = hostport.substr(0, colon);
    if (colon != std::string::npos) u.port = hostport.substr(colon + 1);
  }
  if (u.host.empty()) throw std::invalid_argument(url + ": expected a host name after https://");
  if (u.port.empty()) u.port = "443";
  if (u.port.find_first_not_of("0123456789") != std::string::npos || u.port.size() > 5 || std::stoi(u.port) == 0 ||
      std::stoi(u.port) > 65535)
    throw std::invalid_argument(url + ": expected a port number 1-65535, not '" + u.port + "'");
  return u;
}

struct Http2Client::Impl {
  // One request. Lives in `streams` from start() until it is answered and its stream closed.
  struct Stream {
    void* request = nullptr;  // null once answered (a deadline passed): the stream only waits to close
    const std::string* body = nullptr;
    std::string authorization;
    Clock::time_point deadline;
    int32_t id = -1;  // -1: not submitted yet (no open connection)
    size_t sent = 0;
    long status = 0;
    std::string answer, retry_after;
    bool refused_once = false;  // the server refused it once (REFUSED_STREAM, GOAWAY): sent again
    std::list<Stream>::iterator self;
  };
  enum class Phase { kClosed, kConnecting, kHandshaking, kOpen };

  Http2ClientOptions o;
  HttpsUrl url;
  SSL_CTX* ctx = nullptr;
  int wake_fd = -1;
  // Sender thread only from here on.
  std::list<Stream> streams;  // in start order, which is deadline order (one request timeout for all)
  size_t answered_early = 0;  // streams whose request was answered at its deadline, still open
  std::vector<TransportAnswer> finished;
  Phase phase = Phase::kClosed;
  int fd = -1;
  SSL* ssl = nullptr;
  nghttp2_session* session = nullptr;
  Clock::time_point connect_deadline;
  std::vector<sockaddr_storage> addresses;
  std::vector<socklen_t> address_lengths;
  size_t next_address = 0;
  bool draining = false;    // GOAWAY received or stream ids used up: no new streams on this connection
  bool want_write = false;  // the socket must become writable (connect, TLS, a partial write)
  bool want_read = true;
  bool readable = true;         // poll said so (or nothing has been read yet)
  Clock::time_point last_read;  // when the server last sent anything on this connection
  std::string out;              // frames nghttp2 produced, not yet written
  size_t out_written = 0;
  std::string last_token, last_authorization;

  explicit Impl(Http2ClientOptions options) : o(std::move(options)), url(parse_https_url(o.url)) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) throw std::runtime_error("TLS: " + openssl_error("cannot make a client context"));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    bool trusted = o.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx) == 1
                                     : SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) == 1;
    if (!trusted) {
      std::string why = openssl_error("cannot read it");
      SSL_CTX_free(ctx);
      throw std::runtime_error((o.ca_file.empty() ? "system CAs" : o.ca_file) + ": " + why);
    }
    static const unsigned char kAlpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn);
    wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  }
  ~Impl() {
    close_connection();
    SSL_CTX_free(ctx);
    ::close(wake_fd);
  }

  std::string where() const { return url.host + ":" + url.port; }

  void answer(Stream& s, std::string cause, std::string error) {
    if (!s.request) return;
    finished.push_back(
        {s.request, s.status, std::move(s.answer), std::move(s.retry_after), std::move(cause), std::move(error)});
    s.request = nullptr;
  }

  // --- connecting --------------------------------------------------------------------------------

  void begin_connect() {
    addresses.clear();
    address_lengths.clear();
    next_address = 0;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    // Blocking, as libcurl's default resolver is not: the sender thread waits for the name server.
    // Deployments name FCM's host, which the system resolver caches; tests use an address.
    int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found);
    if (rc != 0) return connect_failed("cannot resolve " + url.host + ": " + gai_strerror(rc));
    for (addrinfo* a = found; a; a = a->ai_next) {
      sockaddr_storage s{};
      std::memcpy(&s, a->ai_addr, a->ai_addrlen);
      addresses.push_back(s);
      address_lengths.push_back(a->ai_addrlen);
    }
    ::freeaddrinfo(found);
    connect_deadline = Clock::now() + o.connect_timeout;
    connect_next_address("");
  }

  void connect_next_address(std::string last_error) {
    while (next_address < addresses.size()) {
      size_t i = next_address++;
      fd = ::socket(addresses[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
      if (fd < 0) {
        last_error = std::strerror(errno);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // a round's frames leave as one write
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addresses[i]), address_lengths[i]) == 0 || errno == EINPROGRESS) {
        phase = Phase::kConnecting;
        want_write = true;
        return;
      }
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
    connect_failed("cannot connect to " + where() + ": " + (last_error.empty() ? "no address" : last_error));
  }

  void check_connected() {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 0) == 0) {
      if (Clock::now() > connect_deadline) connect_failed("connecting to " + where() + " timed out");
      return;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      ::close(fd);
      fd = -1;
      return connect_next_address(std::strerror(err));
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (is_ip_literal(url.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, url.host.c_str());
      SSL_set1_host(ssl, url.host.c_str());
    }
    phase = Phase::kHandshaking;
    handshake();
  }

  void handshake() {
    int rc = SSL_connect(ssl);
    if (rc != 1) {
      int e = SSL_get_error(ssl, rc);
      if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && Clock::now() <= connect_deadline) {
        want_write = e == SSL_ERROR_WANT_WRITE;
        want_read = e == SSL_ERROR_WANT_READ;
        return;
      }
      std::string why = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? "timed out" : openssl_error("failed");
      long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) why = std::string("certificate not trusted: ") + X509_verify_cert_error_string(verify);
      return connect_failed("TLS handshake with " + where() + ": " + why);
    }
    const unsigned char* proto = nullptr;
    unsigned int proto_len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &proto_len);
    if (proto_len != 2 || std::memcmp(proto, "h2", 2) != 0) {
      close_connection();
      for (Stream& s : streams) answer(s, "http2_refused", where() + " did not negotiate HTTP/2 (ALPN h2)");
      streams.clear();
      return;
    }
    open_session();
  }

  // Every request waiting for this connection fails (the caller's backoff spaces the attempts).
  void connect_failed(const std::string& why) {
    close_connection();
    for (Stream& s : streams) answer(s, "connect_failed", why);
    streams.clear();
  }

  // --- the HTTP/2 session ------------------------------------------------------------------------

  static Impl& of(void* user) { return *static_cast<Impl*>(user); }

  static ssize_t on_send(nghttp2_session*, const uint8_t* data, size_t length, int, void* user) {
    of(user).out.append(reinterpret_cast<const char*>(data), length);
    return static_cast<ssize_t>(length);
  }
  static int on_header(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                       const uint8_t* value, size_t valuelen, uint8_t, void*) {
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
    if (!s || frame->headers.cat != NGHTTP2_HCAT_RESPONSE) return 0;  // trailers and 1xx are not the answer
    std::string_view n(reinterpret_cast<const char*>(name), namelen), v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status")
      s->status = std::strtol(std::string(v).c_str(), nullptr, 10);
    else if (n == "retry-after")
      s->retry_after = v;
    return 0;
  }
  static int on_begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void*) {
    // A 1xx answer is followed by the real one: forget its status.
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
    if (s && frame->hd.type == NGHTTP2_HEADERS) s->status = 0;
    return 0;
  }
  static int on_data(nghttp2_session* session, uint8_t, int32_t id, const uint8_t* data, size_t len, void*) {
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, id));
    if (s)
      s->answer.append(reinterpret_cast<const char*>(data),
                       std::min(len, kMaxAnswerBody - std::min(s->answer.size(), kMaxAnswerBody)));
    return 0;
  }
  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_GOAWAY) of(user).draining = true;  // finish what it took, then reconnect
    return 0;
  }
  static int on_close(nghttp2_session* session, int32_t id, uint32_t error_code, void* user) {
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, id));
    if (!s) return 0;
    of(user).stream_closed(*s, error_code);
    return 0;
  }
  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    auto& s = *static_cast<Stream*>(source->ptr);
    if (!s.request) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // answered at its deadline: the body may be gone
    size_t n = std::min(length, s.body->size() - s.sent);
    std::memcpy(buf, s.body->data() + s.sent, n);
    s.sent += n;
    if (s.sent == s.body->size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  void stream_closed(Stream& s, uint32_t error_code) {
    if (!s.request) {  // answered at its deadline already
      --answered_early;
    } else if (error_code == NGHTTP2_NO_ERROR && s.status != 0) {
      answer(s, "", "");
    } else if (error_code == NGHTTP2_REFUSED_STREAM && s.status == 0 && !s.refused_once) {
      // Not processed (RFC 9113 8.7): it goes out again, on a new connection if this one drains.
      s.refused_once = true;
      s.id = -1;
      s.sent = 0;
      s.answer.clear();
      return;
    } else {
      std::string why = std::string("HTTP/2 stream reset by ") + where() + ": " + nghttp2_http2_strerror(error_code);
      answer(s, s.status != 0 ? "truncated_response" : "stream_reset", why);
    }
    streams.erase(s.self);
  }

  void open_session() {
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_send_callback(cb, on_send);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
    nghttp2_session_client_new(&session, cb, this);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, 1);
    phase = Phase::kOpen;
    log_event("info", "FCM connection open", {{"server", where()}, {"protocol", "h2"}});
    draining = false;
    want_read = true;
    readable = true;  // the server's SETTINGS may be in already
    last_read = Clock::now();
  }

  void submit_waiting() {
    if (draining) return;
    static const std::string kMethod = ":method", kPost = "POST", kScheme = ":scheme", kHttps = "https",
                             kAuthority = ":authority", kPath = ":path", kAuthorization = "authorization",
                             kContentType = "content-type", kJson = "application/json; UTF-8",
                             kContentLength = "content-length";
    for (Stream& s : streams) {
      if (s.id != -1 || !s.request) continue;
      std::string length = std::to_string(s.body->size());
      nghttp2_nv nv[] = {header(kMethod, kPost),
                         header(kScheme, kHttps),
                         header(kAuthority, url.authority),
                         header(kPath, url.path),
                         header(kAuthorization, s.authorization),
                         header(kContentType, kJson),
                         header(kContentLength, length)};
      nghttp2_data_provider body;
      body.source.ptr = &s;
      body.read_callback = read_body;
      int32_t id = nghttp2_submit_request(session, nullptr, nv, sizeof nv / sizeof nv[0], &body, &s);
      if (id < 0) {  // stream ids used up (2^31 of them): finish this connection, then a new one
        draining = true;
        return;
      }
      s.id = id;
    }
  }

  // Requests past their deadline are answered now and their streams reset. True when the
  // connection itself is dead: a request timed out and the server sent nothing for a whole request
  // timeout (a black hole keeps the socket open, and every new stream would wait there too).
  bool expire(Clock::time_point now) {
    bool timed_out = false;
    for (auto it = streams.begin(); it != streams.end() && it->deadline <= now;) {
      Stream& s = *it;
      if (!s.request) {
        ++it;
        continue;
      }
      answer(s, "timeout",
             "no answer from " + where() + " within " + std::to_string(o.request_timeout.count()) + " ms");
      timed_out = true;
      if (s.id == -1 || phase != Phase::kOpen) {
        it = streams.erase(it);
      } else {
        ++answered_early;
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, s.id, NGHTTP2_CANCEL);
        ++it;
      }
    }
    return timed_out && phase == Phase::kOpen && now - last_read >= o.request_timeout;
  }

  // Reads what the server sent; false when the connection is gone.
  bool read_all() {
    if (!readable && SSL_pending(ssl) == 0) return true;
    readable = false;
    uint8_t buf[32768];
    while (true) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) {
        last_read = Clock::now();
        if (nghttp2_session_mem_recv(session, buf, static_cast<size_t>(n)) < 0) return false;
        continue;
      }
      int e = SSL_get_error(ssl, n);
      if (e == SSL_ERROR_WANT_READ) return true;
      if (e == SSL_ERROR_WANT_WRITE) {
        want_write = true;
        return true;
      }
      ERR_clear_error();
      return false;  // closed, reset or a TLS error
    }
  }

  // Writes the frames nghttp2 has; false when the connection is gone.
  bool write_all() {
    while (true) {
      if (out_written == out.size()) {
        out.clear();
        out_written = 0;
        if (nghttp2_session_send(session) != 0) return false;
        if (out.empty()) {
          want_write = false;
          return true;
        }
      }
      int n = SSL_write(ssl, out.data() + out_written, static_cast<int>(out.size() - out_written));
      if (n > 0) {
        out_written += static_cast<size_t>(n);
        continue;
      }
      int e = SSL_get_error(ssl, n);
      if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
        want_write = true;
        return true;
      }
      ERR_clear_error();
      return false;
    }
  }

  // The connection ended: streams the server had are answered connection_dropped (their jobs are
  // retried); streams never sent wait for the next connection.
  void connection_lost(const std::string& why, const char* level = "warn") {
    close_connection();
    log_event(level, "FCM connection ended",
              {{"reason", why}, {"streams_under_way", streams.size() - count_waiting()}});
    for (auto it = streams.begin(); it != streams.end();) {
      if (it->id == -1 && it->request) {
        ++it;
        continue;
      }
      answer(*it, "connection_dropped", why);
      it = streams.erase(it);
    }
    answered_early = 0;
  }

  void close_connection() {
    if (session) nghttp2_session_del(session);
    session = nullptr;
    if (ssl) SSL_free(ssl);  // no close_notify: the server may be gone, and the socket closes next
    ssl = nullptr;
    if (fd >= 0) ::close(fd);
    fd = -1;
    phase = Phase::kClosed;
    out.clear();
    out_written = 0;
    want_write = false;
    want_read = true;
    readable = true;
  }

  void progress() {
    if (phase == Phase::kClosed && !streams.empty()) begin_connect();
    if (phase == Phase::kConnecting) check_connected();
    if (phase == Phase::kHandshaking) handshake();
    if (phase == Phase::kOpen) {
      if (!read_all()) return connection_lost("connection to " + where() + " closed");
      submit_waiting();
      if (expire(Clock::now())) return connection_lost("connection to " + where() + " silent for a request timeout");
      if (!write_all()) return connection_lost("connection to " + where() + " failed while sending");
      bool done = !nghttp2_session_want_read(session) && !nghttp2_session_want_write(session);
      bool drained = draining && streams.size() == count_waiting();
      if (done || drained) {
        connection_lost("connection to " + where() + " closed by the server (GOAWAY)", "info");
        if (!streams.empty()) begin_connect();  // the waiting ones go out on a new connection
        if (phase == Phase::kConnecting) check_connected();
      }
    } else if (phase != Phase::kClosed) {
      expire(Clock::now());
    }
  }

  size_t count_waiting() const {
    size_t n = 0;
    for (const Stream& s : streams) n += s.id == -1 && s.request;
    return n;
  }
};

Http2Client::Http2Client(Http2ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Http2Client::~Http2Client() = default;

void Http2Client::start(void* request, const std::string& body, const std::string& token) {
  auto& d = *impl_;
  if (token != d.last_token) {
    d.last_token = token;
    d.last_authorization = "Bearer " + token;
  }
  Impl::Stream& s = d.streams.emplace_back();
  s.self = std::prev(d.streams.end());
  s.request = request;
  s.body = &body;
  s.authorization = d.last_authorization;
  s.deadline = Clock::now() + d.o.request_timeout;
}

void Http2Client::progress(std::vector<TransportAnswer>& done) {
  auto& d = *impl_;
  d.progress();
  for (auto& a : d.finished) done.push_back(std::move(a));
  d.finished.clear();
}

void Http2Client::wait(std::chrono::milliseconds limit) {
  auto& d = *impl_;
  pollfd fds[2] = {{d.wake_fd, POLLIN, 0}, {d.fd, 0, 0}};
  if (d.fd >= 0) {
    if (d.want_read || d.phase == Impl::Phase::kOpen) fds[1].events |= POLLIN;
    if (d.want_write) fds[1].events |= POLLOUT;
  }
  if (d.phase == Impl::Phase::kOpen && SSL_pending(d.ssl) > 0) return;
  int n = ::poll(fds, d.fd >= 0 ? 2 : 1, static_cast<int>(limit.count()));
  if (n <= 0) return;
  if (fds[0].revents & POLLIN) {
    uint64_t ignored;
    (void)!::read(d.wake_fd, &ignored, sizeof ignored);
  }
  if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) d.readable = true;
}

void Http2Client::wake() {
  uint64_t one = 1;
  (void)!::write(impl_->wake_fd, &one, sizeof one);
}

size_t Http2Client::active() const { return impl_->streams.size() - impl_->answered_early; }

std::vector<void*> Http2Client::abort_all() {
  auto& d = *impl_;
  std::vector<void*> requests;
  for (auto& s : d.streams)
    if (s.request) requests.push_back(s.request);
  d.close_connection();
  d.streams.clear();
  d.answered_early = 0;
  return requests;
}

}  // namespace leakscope::relay
