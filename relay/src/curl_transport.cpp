#include "leakscope/relay/curl_transport.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <set>
#include <string_view>

#include "leakscope/relay/corked_sockets.h"

namespace leakscope::relay {
namespace {

// The request headers for one access token, shared by the transfers that use it: built once per
// token, freed when the last transfer holding it is done.
using SharedHeaders = std::shared_ptr<curl_slist>;

struct Transfer {
  void* request = nullptr;
  std::string response, retry_after;
  SharedHeaders headers;
};

size_t on_body(char* data, size_t size, size_t n, void* t) {
  std::string& body = static_cast<Transfer*>(t)->response;
  body.append(data, std::min(size * n, kMaxAnswerBody - std::min(body.size(), kMaxAnswerBody)));
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* t) {
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() &&
      std::equal(kName.begin(), kName.end(), line.begin(), [](char a, char b) { return a == std::tolower(b); })) {
    std::string value(line.substr(kName.size()));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    static_cast<Transfer*>(t)->retry_after = value;
  }
  return size * n;
}

// A transport error as a retry cause (see TransportAnswer).
std::string transport_cause(CURLcode result) {
  switch (result) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_PARTIAL_FILE:
      return "truncated_response";
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return "connect_failed";
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return "connection_dropped";
    default:
      return "transport_other";
  }
}

}  // namespace

// libcurl reads the proxy variables again for every transfer (six getenv and copies) unless the
// proxy is set: read them once, by libcurl's own rules, so the behaviour stays the same.
ProxyFromEnvironment proxy_from_environment(const std::string& url) {
  auto env = [](std::initializer_list<const char*> names) -> std::optional<std::string> {
    for (const char* name : names)
      if (const char* v = std::getenv(name)) return v;  // set, even if empty: the next one is not read
    return std::nullopt;
  };
  bool https = url.rfind("https://", 0) == 0;
  // As libcurl: HTTP_PROXY in upper case is not read (a CGI's request header could set it).
  auto proxy = https ? env({"https_proxy", "HTTPS_PROXY"}) : env({"http_proxy"});
  if (!proxy) proxy = env({"all_proxy", "ALL_PROXY"});
  return {proxy.value_or(""), env({"no_proxy", "NO_PROXY"}).value_or("")};
}

struct CurlTransport::Impl {
  CurlTransportOptions o;
  const ProxyFromEnvironment proxy = proxy_from_environment(o.url);
  CURLM* multi = nullptr;
  std::set<CURL*> active;  // the transfers under way
  // Finished easy handles keep their options (and libcurl its caches), so a new transfer sets just
  // what differs; headers are rebuilt only when the token changes.
  std::vector<CURL*> idle_handles;
  std::string headers_token;
  SharedHeaders headers;
  // HTTP/2 connections, corked so a round's frames leave together (see corked_sockets.h). libcurl
  // closes sockets inside its calls, all on the sender's thread.
  CorkedSockets corks;

  explicit Impl(CurlTransportOptions options) : o(std::move(options)) {
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(o.max_connections));
  }
  ~Impl() {
    abort();
    for (CURL* e : idle_handles) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
  }

  CURL* easy_handle() {
    if (!idle_handles.empty()) {
      CURL* e = idle_handles.back();
      idle_handles.pop_back();
      return e;
    }
    CURL* e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, o.url.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(o.request_timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (!o.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, o.ca_file.c_str());
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);  // prefer a multiplexed stream over a new connection
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);  // h2 where TLS+ALPN offers it, else HTTP/1.1
    curl_easy_setopt(e, CURLOPT_PROXY, proxy.proxy.c_str());            // "" means none
    curl_easy_setopt(e, CURLOPT_NOPROXY, proxy.no_proxy.c_str());
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
    return e;
  }

  static int on_close_socket(void* impl, curl_socket_t fd) {
    static_cast<Impl*>(impl)->corks.forget(fd);
    return close(fd);
  }

  // An HTTP/2 connection carries many small frames per round, so it is corked once its first
  // transfer is done; an HTTP/1.1 request is one write already, and its many sockets stay as they are.
  void cork_if_multiplexed(CURL* e) {
    long version = 0;
    curl_socket_t fd = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version) != CURLE_OK || version != CURL_HTTP_VERSION_2_0) return;
    if (curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK && fd != CURL_SOCKET_BAD) corks.cork(fd);
  }

  SharedHeaders headers_for(const std::string& token) {
    if (!headers || token != headers_token) {
      curl_slist* list = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
      list = curl_slist_append(list, "Content-Type: application/json; UTF-8");
      headers = SharedHeaders(list, curl_slist_free_all);
      headers_token = token;
    }
    return headers;
  }

  TransportAnswer complete(CURL* e, CURLcode result) {
    Transfer* t = nullptr;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, &t);
    std::unique_ptr<Transfer> owned(t);
    TransportAnswer a{t->request, 0, std::move(t->response), std::move(t->retry_after), {}, {}};
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a.status);
    if (result != CURLE_OK) {
      a.cause = transport_cause(result);
      a.error = curl_easy_strerror(result);
    }
    cork_if_multiplexed(e);
    curl_multi_remove_handle(multi, e);
    idle_handles.push_back(e);
    active.erase(e);
    return a;
  }

  std::vector<void*> abort() {
    std::vector<void*> requests;
    for (CURL* e : active) {
      Transfer* t = nullptr;
      curl_easy_getinfo(e, CURLINFO_PRIVATE, &t);
      requests.push_back(t->request);
      curl_multi_remove_handle(multi, e);
      idle_handles.push_back(e);
      delete t;
    }
    active.clear();
    return requests;
  }
};

CurlTransport::CurlTransport(CurlTransportOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
CurlTransport::~CurlTransport() = default;

void CurlTransport::start(void* request, const std::string& body, const std::string& token) {
  auto& d = *impl_;
  auto* t = new Transfer{request, {}, {}, d.headers_for(token)};
  CURL* e = d.easy_handle();
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get());
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_multi_add_handle(d.multi, e);
  d.active.insert(e);
}

void CurlTransport::progress(std::vector<TransportAnswer>& done) {
  auto& d = *impl_;
  int running = 0, left = 0;
  curl_multi_perform(d.multi, &running);
  d.corks.flush();  // before anything waits: the round's frames go out now
  while (CURLMsg* m = curl_multi_info_read(d.multi, &left))
    if (m->msg == CURLMSG_DONE) done.push_back(d.complete(m->easy_handle, m->data.result));
}

void CurlTransport::wait(std::chrono::milliseconds limit) {
  curl_multi_poll(impl_->multi, nullptr, 0, static_cast<int>(limit.count()), nullptr);
}

void CurlTransport::wake() { curl_multi_wakeup(impl_->multi); }
size_t CurlTransport::active() const { return impl_->active.size(); }
std::vector<void*> CurlTransport::abort_all() { return impl_->abort(); }

}  // namespace leakscope::relay
