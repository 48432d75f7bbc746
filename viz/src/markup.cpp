#include "leakscope/viz/markup.h"

#include <cstdio>

namespace leakscope::viz {

namespace {
// Length of the valid UTF-8 sequence at s[i], 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;  // overlong
  return n;
}
}  // namespace

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '"':
        out += "&quot;";
        ++i;
        continue;
      case '\'':
        out += "&#39;";
        ++i;
        continue;
      default:
        break;
    }
    size_t n = utf8_length(s, i);
    auto u = static_cast<unsigned char>(c);
    if (n == 0 || (u < 0x20 && c != '\t' && c != '\n') || u == 0x7f) {
      out += "\xEF\xBF\xBD";
      i += n == 0 ? 1 : n;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string dot_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 4);
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    size_t n = utf8_length(s, i);
    if (n == 0) {  // Graphviz rejects invalid UTF-8
      out += '?';
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    if (n > 1 || static_cast<unsigned char>(c) >= 0x20) out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string format_double(const char* printf_format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, printf_format, value);
  return buf;
}

}  // namespace leakscope::viz
