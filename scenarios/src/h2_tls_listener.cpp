#include "h2_tls_listener.h"

#include <httplib.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "leakscope/http/listen.h"
#include "leakscope/scenarios/fake_fcm.h"

namespace leakscope::scenarios {

namespace {

constexpr size_t kMaxRequestBody = 1 << 20;

std::string openssl_error() {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return buf;
}

// HTTP/2 only, as negotiated by ALPN: a client that does not offer "h2" is refused.
int select_h2(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
              void*) {
  static const unsigned char kH2[] = {2, 'h', '2'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kH2, sizeof kH2, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

struct H2TlsListener::Impl {
  Handler handler;
  SSL_CTX* ctx = nullptr;
  int listen_fd = -1, port = 0;
  std::atomic<bool> stopping{false};
  bool answer_inline = false;  // the handler never waits (no injected latency)
  int goaway_after = 0;
  std::atomic<int64_t> open_streams{0};
  H2Counters counters;
  httplib::ThreadPool workers;
  std::thread acceptor;
  std::mutex mu;
  std::list<std::thread> connection_threads;

  Impl(Handler h, int threads)
      : handler(std::move(h)), answer_inline(threads == 0), workers(static_cast<size_t>(std::max(threads, 1))) {}

  void accept_loop();
  void serve(int fd);
};

namespace {

// One TLS connection's HTTP/2 session. Shared with the workers answering its streams, so a worker
// that finishes after the client left writes into a queue nobody reads instead of freed memory.
struct Connection : std::enable_shared_from_this<Connection> {
  struct Stream {
    HttpRequest request;
    std::string body;  // the response's
    size_t sent = 0, cut_at = std::string::npos;
  };

  H2TlsListener::Impl* owner = nullptr;  // valid while the connection thread runs
  H2Counters* counters = nullptr;
  SSL* ssl = nullptr;
  nghttp2_session* session = nullptr;
  std::map<int32_t, Stream> streams;  // touched only by the connection thread
  std::mutex mu;
  std::deque<std::pair<int32_t, HttpResponse>> answered;  // from workers
  std::string out;                                        // frames to write (connection thread)
  int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

  ~Connection() { ::close(wake_fd); }

  int taken = 0;                    // requests dispatched on this connection
  int32_t goaway_last = INT32_MAX;  // after a GOAWAY: the last stream taken; later ones are not processed

  void dispatch(int32_t id) {
    if (id > goaway_last) return;  // the client learns from the GOAWAY that this one was refused
    ++counters->streams;
    if (owner->goaway_after > 0 && ++taken == owner->goaway_after) {
      ++counters->goaways;
      goaway_last = id;
      nghttp2_submit_goaway(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR, nullptr, 0);
    }
    auto open = ++owner->open_streams;
    for (auto seen = counters->max_concurrent_streams.load();
         uint64_t(open) > seen && !counters->max_concurrent_streams.compare_exchange_weak(seen, uint64_t(open));) {
    }
    auto* listener = owner;
    if (listener->answer_inline) {  // the handler never waits: no hand-off to a worker and back
      HttpResponse res = listener->handler(streams[id].request);
      --listener->open_streams;
      return answer(id, std::move(res));
    }
    owner->workers.enqueue([self = shared_from_this(), listener, id, request = streams[id].request] {
      HttpResponse res = listener->handler(request);
      if (res.delivery == HttpResponse::Delivery::kTrickled) {  // HTTP/2 here: the whole answer, late
        for (auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(res.trickle_ms);
             std::chrono::steady_clock::now() < until && !listener->stopping;)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      --listener->open_streams;
      std::lock_guard lock(self->mu);
      self->answered.emplace_back(id, std::move(res));
      uint64_t one = 1;
      (void)!::write(self->wake_fd, &one, sizeof one);
    });
  }

  void submit_answers() {
    uint64_t ignored;
    (void)!::read(wake_fd, &ignored, sizeof ignored);
    std::deque<std::pair<int32_t, HttpResponse>> ready;
    {
      std::lock_guard lock(mu);
      ready.swap(answered);
    }
    for (auto& [id, res] : ready) answer(id, std::move(res));
  }

  void answer(int32_t id, HttpResponse res) {
    auto it = streams.find(id);
    if (it == streams.end()) return;  // the client reset the stream meanwhile
    Stream& s = it->second;
    s.body = std::move(res.body);
    if (res.delivery == HttpResponse::Delivery::kTruncated) s.cut_at = s.body.size() / 2;
    std::vector<std::pair<std::string, std::string>> fields{{":status", std::to_string(res.status)},
                                                            {"content-type", res.content_type},
                                                            {"content-length", std::to_string(s.body.size())}};
    for (auto [name, value] : res.headers) {
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));  // HTTP/2: lower case
      fields.emplace_back(name, value);
    }
    std::vector<nghttp2_nv> nv;
    for (auto& [n, v] : fields)
      nv.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()), n.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE});
    nghttp2_data_provider body;
    body.source.ptr = &s;
    body.read_callback = read_body;
    nghttp2_submit_response(session, id, nv.data(), nv.size(), &body);
  }

  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*) {
    auto& s = *static_cast<Stream*>(source->ptr);
    size_t end = std::min(s.body.size(), s.cut_at);
    if (s.sent >= end && s.cut_at != std::string::npos)
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // the stream is reset mid-body: a truncated answer
    size_t n = std::min(length, end - s.sent);
    std::copy_n(s.body.data() + s.sent, n, buf);
    s.sent += n;
    if (s.sent == s.body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static Connection& of(void* user_data) { return *static_cast<Connection*>(user_data); }

  // Frames are gathered and written as one TLS record sequence per round (see flush): a write per
  // frame would cost a record and a syscall for every header and data frame.
  static ssize_t on_send(nghttp2_session*, const uint8_t* data, size_t length, int, void* user_data) {
    of(user_data).out.append(reinterpret_cast<const char*>(data), length);
    return static_cast<ssize_t>(length);
  }
  bool flush() {
    if (nghttp2_session_send(session) != 0) return false;
    bool ok = out.empty() || SSL_write(ssl, out.data(), static_cast<int>(out.size())) > 0;
    out.clear();
    return ok;
  }
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
      of(user_data).streams[frame->hd.stream_id] = {};
    return 0;
  }
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                       const uint8_t* value, size_t valuelen, uint8_t, void* user_data) {
    auto it = of(user_data).streams.find(frame->hd.stream_id);
    if (it == of(user_data).streams.end()) return 0;
    std::string n(reinterpret_cast<const char*>(name), namelen), v(reinterpret_cast<const char*>(value), valuelen);
    HttpRequest& r = it->second.request;
    if (n == ":method")
      r.method = v;
    else if (n == ":path")
      r.path = v.substr(0, v.find('?'));
    else if (n[0] != ':')
      r.headers[n] = v;
    return 0;
  }
  static int on_data(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* user_data) {
    auto it = of(user_data).streams.find(id);
    if (it != of(user_data).streams.end() && it->second.request.body.size() + len <= kMaxRequestBody)
      it->second.request.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }
  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    bool request_done = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
    if (request_done && of(user_data).streams.count(frame->hd.stream_id)) of(user_data).dispatch(frame->hd.stream_id);
    return 0;
  }
  static int on_close(nghttp2_session*, int32_t id, uint32_t, void* user_data) {
    of(user_data).streams.erase(id);
    return 0;
  }
};

}  // namespace

void H2TlsListener::Impl::serve(int fd) {
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  timeval handshake_timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &handshake_timeout, sizeof handshake_timeout);
  auto conn = std::make_shared<Connection>();
  if (SSL_accept(ssl) == 1) {
    timeval none{0, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    ++counters.connections;
    conn->owner = this;
    conn->counters = &counters;
    conn->ssl = ssl;
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_send_callback(cb, Connection::on_send);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, Connection::on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, Connection::on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, Connection::on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, Connection::on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, Connection::on_close);
    nghttp2_session_server_new(&conn->session, cb, conn.get());
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 256}};
    nghttp2_submit_settings(conn->session, NGHTTP2_FLAG_NONE, settings, 1);
    uint8_t buf[16384];
    while (!stopping && conn->flush() &&
           (nghttp2_session_want_read(conn->session) || nghttp2_session_want_write(conn->session))) {
      pollfd fds[2] = {{fd, POLLIN, 0}, {conn->wake_fd, POLLIN, 0}};
      if (SSL_pending(ssl) == 0 && ::poll(fds, 2, 100) <= 0) continue;
      if (fds[1].revents & POLLIN) conn->submit_answers();
      if (SSL_pending(ssl) > 0 || (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0 || nghttp2_session_mem_recv(conn->session, buf, static_cast<size_t>(n)) < 0) break;
      }
    }
    nghttp2_session_del(conn->session);
    conn->session = nullptr;
  }
  conn->owner = nullptr;
  SSL_shutdown(ssl);
  SSL_free(ssl);
  ::close(fd);
}

void H2TlsListener::Impl::accept_loop() {
  while (!stopping) {
    pollfd p{listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mu);
    connection_threads.emplace_back([this, fd] { serve(fd); });
  }
}

H2TlsListener::H2TlsListener(const std::string& address, const std::string& cert_file, const std::string& key_file,
                             Handler handler, int worker_threads, int goaway_after)
    : impl_(std::make_unique<Impl>(std::move(handler), worker_threads)) {
  auto& d = *impl_;
  d.goaway_after = goaway_after;
  try {
    d.ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(d.ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(d.ctx, cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(d.ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      throw std::runtime_error("--tls-cert/--tls-key: " + openssl_error());
    SSL_CTX_set_alpn_select_cb(d.ctx, select_h2, nullptr);
    d.listen_fd = http::listen_tcp(address, "--listen-h2", d.port);
  } catch (...) {
    d.workers.shutdown();  // httplib's ThreadPool does not join in its destructor: std::terminate otherwise
    SSL_CTX_free(d.ctx);
    throw;
  }
  d.acceptor = std::thread([this] { impl_->accept_loop(); });
}

H2TlsListener::~H2TlsListener() {
  impl_->stopping = true;
  impl_->acceptor.join();
  for (auto& t : impl_->connection_threads) t.join();  // each notices `stopping` within 100 ms
  impl_->workers.shutdown();
  ::close(impl_->listen_fd);
  SSL_CTX_free(impl_->ctx);
}

int H2TlsListener::port() const { return impl_->port; }
const H2Counters& H2TlsListener::counters() const { return impl_->counters; }

void write_self_signed_certificate(const std::string& cert_file, const std::string& key_file) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fake-fcm"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  bool ok = key && X509_sign(cert, key, EVP_sha256()) > 0;
  FILE* c = ok ? std::fopen(cert_file.c_str(), "w") : nullptr;
  FILE* k = c ? std::fopen(key_file.c_str(), "w") : nullptr;
  ok = k && PEM_write_X509(c, cert) == 1 && PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (c) std::fclose(c);
  if (k) std::fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) throw std::runtime_error("cannot write " + cert_file + " / " + key_file + ": " + openssl_error());
}

}  // namespace leakscope::scenarios
