#include "text_cursor.h"

#include <charconv>

#include "leakscope/analyzer/input_error.h"

namespace leakscope::analyzer {

bool TextCursor::peek(std::string_view& line) const {
  if (pos_ >= text_.size()) return false;
  size_t end = text_.find('\n', pos_);
  if (end == std::string_view::npos) end = text_.size();
  line = text_.substr(pos_, end - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

bool TextCursor::next(std::string_view& line) {
  if (!peek(line)) return false;
  size_t end = pos_ + line.size();
  if (end < text_.size() && text_[end] == '\r') ++end;  // the '\r' peek stripped
  pos_ = end + 1;
  ++line_no_;
  return true;
}

void TextCursor::fail(const std::string& what) const { throw InputError(source_, at_line(line_no_), what); }

void skip_spaces(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  s.remove_prefix(i);
}

bool consume(std::string_view& s, std::string_view token) {
  skip_spaces(s);
  if (s.substr(0, token.size()) != token) return false;
  s.remove_prefix(token.size());
  return true;
}

void expect(std::string_view& s, std::string_view token, const TextCursor& at) {
  if (!consume(s, token)) {
    std::string got(s.substr(0, 20));
    at.fail("expected '" + std::string(token) + "' but found '" + got + "'");
  }
}

int64_t parse_int(std::string_view& s, const TextCursor& at, const char* what) {
  skip_spaces(s);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) at.fail(std::string(what) + " is out of range for a 64-bit integer");
  if (ec != std::errc())
    at.fail(std::string("expected ") + what + " (an integer) but found '" + std::string(s.substr(0, 20)) + "'");
  s.remove_prefix(p - s.data());
  return v;
}

uint64_t parse_hex(std::string_view& s, const TextCursor& at, const char* what) {
  skip_spaces(s);
  std::string_view digits = s;
  if (digits.substr(0, 2) == "0x" || digits.substr(0, 2) == "0X") digits.remove_prefix(2);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, 16);
  if (ec == std::errc::result_out_of_range) at.fail(std::string(what) + " does not fit in 64 bits");
  if (ec != std::errc() || (p < digits.data() + digits.size() && *p != ' ' && *p != '\t'))
    at.fail(std::string("expected ") + what + " (hex) but found '" + std::string(s.substr(0, 24)) + "'");
  s.remove_prefix(p - s.data());
  return v;
}

}  // namespace leakscope::analyzer
