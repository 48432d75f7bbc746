#include "leakscope/analyzer/profile_source.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <sstream>

#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/input_error.h"

namespace leakscope::analyzer {

namespace {

bool starts_with_nocase(const std::string& s, const char* prefix) {
  for (size_t i = 0; prefix[i]; ++i)
    if (i >= s.size() || std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// The host part of an http(s) URL, without userinfo, port or brackets.
std::string host_of(const std::string& url) {
  size_t start = url.find("://") + 3;
  std::string authority = url.substr(start, url.find_first_of("/?#", start) - start);
  if (size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority[0] == '[') return authority.substr(1, authority.find(']') - 1);
  return authority.substr(0, authority.find(':'));
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// The URL as errors show it: a password in the userinfo or a token= parameter is not repeated.
std::string display_name(const std::string& url) {
  std::string s = url;
  size_t start = s.find("://") + 3;
  size_t end = s.find_first_of("/?#", start);
  size_t at = s.rfind('@', end == std::string::npos ? s.size() : end);
  if (at != std::string::npos && at > start) {
    size_t colon = s.find(':', start);
    if (colon < at) s.replace(colon + 1, at - colon - 1, "xxx");
  }
  for (size_t p = s.find("token="); p != std::string::npos; p = s.find("token=", p + 1)) {
    if (p == 0 || (s[p - 1] != '?' && s[p - 1] != '&')) continue;
    size_t v = p + 6, e = s.find_first_of("&#", v);
    s.replace(v, (e == std::string::npos ? s.size() : e) - v, "xxx");
  }
  return s;
}

// The length of `source`'s "scheme://" prefix without "://" (RFC 3986 scheme characters), else 0.
size_t scheme_length(const std::string& source) {
  size_t n = source.find("://");
  if (n == std::string::npos || n == 0 || !std::isalpha(static_cast<unsigned char>(source[0]))) return 0;
  for (size_t i = 0; i < n; ++i) {
    char c = source[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return 0;
  }
  return n;
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Body {
  std::string bytes;
  uint64_t limit;
  bool over = false;
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<Body*>(user);
  size_t len = size * n;
  if (body->bytes.size() + len > body->limit) {
    body->over = true;
    return 0;  // stops the transfer with CURLE_WRITE_ERROR
  }
  body->bytes.append(data, len);
  return len;
}

std::string format_seconds(double s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

// The first line of an error response, when it is short printable text (a server's reason).
std::string reason_from(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  for (char c : line)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return "";
  return line;
}

std::string status_message(long status, const std::string& body, const SourceOptions& o) {
  std::string what = "HTTP " + std::to_string(status);
  if (status == 401)
    return what + (o.token.empty() ? " (missing or wrong token; give --token or LEAKSCOPE_DEBUG_TOKEN)"
                                   : " (wrong token; check --token or LEAKSCOPE_DEBUG_TOKEN)");
  std::string reason = reason_from(body);
  if (status == 404) what += " (no such endpoint; the heap profile is at /debug/pprof/heap)";
  return reason.empty() ? what : what + ": " + reason;
}

std::string transfer_message(CURLcode rc, const char* errbuf, long os_errno, const Body& body, const SourceOptions& o,
                             uint64_t limit) {
  std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      return os_errno == ECONNREFUSED ? "connection refused" : "cannot connect: " + detail;
    case CURLE_COULDNT_RESOLVE_HOST:
      return "cannot resolve the host name";
    case CURLE_OPERATION_TIMEDOUT:
      return "timed out after " + format_seconds(fetch_timeout_seconds(o)) + " s" +
             (o.seconds > 0 ? " (--seconds " + std::to_string(o.seconds) + " plus --timeout; raise --timeout)"
                            : " (raise --timeout)");
    case CURLE_PEER_FAILED_VERIFICATION:
      return "TLS certificate not trusted: " + detail + " (give --ca-file with the server's CA certificate)";
    case CURLE_SSL_CACERT_BADFILE:
      return "cannot read the CA file '" + o.ca_file + "': " + detail;
    case CURLE_FILESIZE_EXCEEDED:
      return "response is larger than the " + std::to_string(limit) +
             "-byte limit (set LEAKSCOPE_MAX_INPUT_BYTES to raise it)";
    case CURLE_WRITE_ERROR:
      if (body.over)
        return "response is larger than the " + std::to_string(limit) +
               "-byte limit (set LEAKSCOPE_MAX_INPUT_BYTES to raise it)";
      return detail;
    case CURLE_ABORTED_BY_CALLBACK:
      return "interrupted";
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "unsupported protocol (only http:// and https://): " + detail;
    default:
      return detail;
  }
}

// libcurl calls this while a transfer runs; non-zero aborts it (CURLE_ABORTED_BY_CALLBACK).
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

bool is_url(const std::string& source) {
  return starts_with_nocase(source, "http://") || starts_with_nocase(source, "https://");
}

std::string url_with_seconds(const std::string& url, int seconds) {
  size_t hash = url.find('#');
  std::string base = url.substr(0, hash), fragment = hash == std::string::npos ? "" : url.substr(hash);
  size_t q = base.find('?');
  std::string path = base.substr(0, q), query;
  if (q != std::string::npos) {
    std::stringstream params(base.substr(q + 1));
    for (std::string kv; std::getline(params, kv, '&');)
      if (!kv.empty() && kv.rfind("seconds=", 0) != 0 && kv != "seconds") query += kv + "&";
  }
  return path + "?" + query + "seconds=" + std::to_string(seconds) + fragment;
}

double fetch_timeout_seconds(const SourceOptions& o) {
  return (o.timeout_seconds > 0 ? o.timeout_seconds : 60.0) + std::max(o.seconds, 0);
}

std::string fetch_url(const std::string& given, const SourceOptions& o, uint64_t limit) {
  std::string url = o.seconds > 0 ? url_with_seconds(given, o.seconds) : given;
  std::string name = display_name(url);
  init_curl_once();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw InputError(name, "", "cannot initialise libcurl");
  CURL* c = curl.get();
  char errbuf[CURL_ERROR_SIZE] = "";
  Body body{{}, limit};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "leakscope");
  // No CURLOPT_ACCEPT_ENCODING: curl would inflate outside our gzip limit. Profiles come gzipped anyway.
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limit));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  long timeout_ms = std::lround(fetch_timeout_seconds(o) * 1000);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  // As Go's http client (and so pprof): a proxy from the environment is never used for loopback.
  if (is_loopback_host(host_of(url))) curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  if (o.cancel) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(o.cancel));
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  if (!o.token.empty()) {
    std::string auth = "Authorization: Bearer " + o.token;
    headers.reset(curl_slist_append(nullptr, auth.c_str()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    long os_errno = 0;
    curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    throw InputError(name, "", transfer_message(rc, errbuf, os_errno, body, o, limit));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) throw InputError(name, "", status_message(status, body.bytes, o));
  if (body.bytes.empty()) throw InputError(name, "", "empty response, expected a heap profile");
  return decode_input(std::move(body.bytes), name, limit);
}

Profile read_profile_source(const std::string& source, const SourceOptions& o, ProfileFormat* detected) {
  if (!is_url(source)) {
    if (size_t scheme = scheme_length(source))
      throw InputError(source, "",
                       "unsupported URL scheme '" + source.substr(0, scheme) +
                           "', expected a file, - (stdin), or an http:// or https:// URL");
    return read_profile(source, detected);
  }
  std::string url = o.seconds > 0 ? url_with_seconds(source, o.seconds) : source;
  Profile p = parse_profile(fetch_url(source, o), display_name(url), detected);
  // Heap text carries no timestamp; as a file's mtime is when it was written, a fetch is when it was taken.
  if (p.time_nanos == 0)
    p.time_nanos =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
  return p;
}

}  // namespace leakscope::analyzer
