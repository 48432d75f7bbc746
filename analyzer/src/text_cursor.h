// Line-by-line reading of text profiles with exact positions for error messages,
// and strict number parsing (overflow and malformed digits are errors, not zeros).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leakscope::analyzer {

class TextCursor {
 public:
  TextCursor(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {}

  // Next line without its '\n' (and '\r'); false at the end.
  bool next(std::string_view& line);
  // The next line without consuming it.
  bool peek(std::string_view& line) const;
  uint64_t line_number() const { return line_no_; }
  const std::string& source() const { return source_; }

  // Throws InputError at the current line.
  [[noreturn]] void fail(const std::string& what) const;

 private:
  std::string_view text_;
  size_t pos_ = 0;
  uint64_t line_no_ = 0;
  std::string source_;
};

// Field parsers: consume from the front of `s`, skipping leading spaces; throw via `at` on error.
void skip_spaces(std::string_view& s);
bool consume(std::string_view& s, std::string_view token);  // after skipping spaces
int64_t parse_int(std::string_view& s, const TextCursor& at, const char* what);
uint64_t parse_hex(std::string_view& s, const TextCursor& at, const char* what);  // "0x..." or bare hex
void expect(std::string_view& s, std::string_view token, const TextCursor& at);

}  // namespace leakscope::analyzer
