#include "leakscope/http/query_params.h"

#include <charconv>

namespace leakscope::http {

namespace {
bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string encode_query_component(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string decode_query_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string params_to_query(const httplib::Params& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += encode_query_component(key) + "=" + encode_query_component(value);
  }
  return out;
}

httplib::Params parse_query(std::string_view query) {
  httplib::Params params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string key = decode_query_component(pair.substr(0, eq));
    if (key.empty()) continue;
    params.emplace(std::move(key), eq == std::string_view::npos ? "" : decode_query_component(pair.substr(eq + 1)));
  }
  return params;
}

std::optional<std::string> read_int_param(const httplib::Params& params, const std::string& name, int lo, int hi,
                                          int& out) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  const std::string& v = it->second;
  int parsed = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
  if (ec != std::errc() || p != v.data() + v.size() || parsed < lo || parsed > hi)
    return "bad value for '" + name + "': expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  out = parsed;
  return std::nullopt;
}

std::optional<size_t> parse_index(std::string_view text, size_t count) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return std::nullopt;
  size_t parsed = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || p != text.data() + text.size() || parsed >= count) return std::nullopt;
  return parsed;
}

std::optional<std::string> read_index_param(const httplib::Params& params, const std::string& name, size_t count,
                                            const std::string& what, size_t& out) {
  auto it = params.find(name);
  if (it == params.end() || it->second.empty()) return std::nullopt;
  auto parsed = parse_index(it->second, count);
  if (!parsed) {
    if (count == 0) return name + ": there is no " + what + " to choose, got '" + it->second + "'";
    return name + ": expected a " + what + " from 0 to " + std::to_string(count - 1) + ", got '" + it->second + "'";
  }
  out = *parsed;
  return std::nullopt;
}

}  // namespace leakscope::http
