#include "leakscope/relay/job_scan.h"

#include <array>
#include <charconv>
#include <cstdint>

#include "leakscope/relay/job.h"

namespace leakscope::relay {
namespace {

template <typename Integer>
size_t decimal_size(Integer v) {
  char digits[24];
  return static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, v).ptr - digits);
}

// What check_job decides on, gathered in one pass over the job (JobTextScanner's events) without
// building the DOM, whose allocations per key and value were most of the AMQP thread's own work per
// job. The payload's size is summed as dump() would write it. What the DOM would settle differently
// (a repeated key: the DOM keeps the last) is left to the DOM: `unsettled`.
struct JobScan : JobFacts {
  // Where the key last read at a depth points, for the few places that matter.
  enum class Key : uint8_t { kOther, kMessage, kToken, kTopic, kCondition, kData, kNotification, kId };

  bool unsettled = false;

  int depth = 0;  // containers open
  bool in_message = false, in_data = false;
  int payload_depth = 0;  // depth of the data/notification value being summed, 0 when outside one
  unsigned seen_message = 0, seen_message_keys = 0;  // bit per Key, to catch repeats
  std::array<Key, kMaxJobDepth + 2> key_at{};
  std::array<uint32_t, kMaxJobDepth + 2> elements{};  // inside the payload: elements so far, for commas
  std::array<bool, kMaxJobDepth + 2> is_array{};

  bool inside_payload() const { return payload_depth > 0 && depth > payload_depth; }

  // A value starts at the current depth (scalar, or a container about to open). `text` is a string's
  // text; `exact` says it is the decoded text (false: as written, with escapes).
  bool value(size_t size, bool is_container_object, bool is_container_array, bool is_string, std::string_view text = {},
             bool exact = true) {
    if (inside_payload() && is_array[depth]) payload_bytes += elements[depth]++ > 0 ? 1 : 0;
    if (depth == 0) top_is_object = is_container_object;
    if (depth == 1 && top_is_object && key_at[1] == Key::kMessage) message_is_object = is_container_object;
    if (depth == 2 && in_message) {
      Key k = key_at[2];
      if (k == Key::kToken || k == Key::kTopic || k == Key::kCondition)
        target[static_cast<int>(k) - static_cast<int>(Key::kToken)] =
            is_string && !text.empty() ? Target::kNonEmptyString : Target::kOther;
      if (k == Key::kData || k == Key::kNotification) payload_depth = 2;
    }
    if (depth == 3 && in_data && key_at[3] == Key::kId) {
      if (!exact) return unsettle();
      id = is_string ? std::string(text) : std::string();
    }
    if (payload_depth > 0 && depth >= payload_depth) payload_bytes += size;
    if (payload_depth == depth && !is_container_object && !is_container_array) payload_depth = 0;
    return true;
  }
  bool open(bool object) {
    value(1, object, !object, false);
    if (depth == 1 && message_is_object && key_at[1] == Key::kMessage) in_message = true;
    if (depth == 2 && in_message && key_at[2] == Key::kData && object) in_data = true;
    if (++depth >= static_cast<int>(key_at.size())) return unsettle();
    key_at[depth] = Key::kOther;
    elements[depth] = 0;
    is_array[depth] = !object;
    return true;
  }
  bool close() {
    --depth;
    if (payload_depth > 0 && depth >= payload_depth) payload_bytes += 1;
    if (payload_depth == depth) payload_depth = 0;
    if (depth == 2 && in_data) in_data = false;
    if (depth == 1 && in_message) in_message = false;
    return true;
  }
  bool unsettle() {
    unsettled = true;
    return false;  // stops the parse
  }

  bool null() { return value(4, false, false, false); }
  bool boolean(bool v) { return value(v ? 4 : 5, false, false, false); }
  bool number_integer(int64_t v) { return value(decimal_size(v), false, false, false); }
  bool number_unsigned(uint64_t v) { return value(decimal_size(v), false, false, false); }
  // A key: its text (decoded when `exact`, else as written) and its size as dump() writes it.
  bool key_text(std::string_view k, size_t dumped, bool exact) {
    if (inside_payload()) payload_bytes += (elements[depth]++ > 0 ? 1 : 0) + dumped + 1;
    if (!exact && (depth == 1 || (depth == 2 && in_message) || (depth == 3 && in_data))) return unsettle();
    Key which = Key::kOther;
    if (depth == 1 && top_is_object && k == "message") {
      which = Key::kMessage;
      if (seen_message++ > 0) return unsettle();
    } else if (depth == 2 && in_message) {
      static constexpr std::pair<std::string_view, Key> kNames[] = {{"token", Key::kToken},
                                                                    {"topic", Key::kTopic},
                                                                    {"condition", Key::kCondition},
                                                                    {"data", Key::kData},
                                                                    {"notification", Key::kNotification}};
      for (const auto& [name, k_of] : kNames)
        if (k == name) which = k_of;
      unsigned bit = 1u << static_cast<unsigned>(which);
      if (which != Key::kOther && (seen_message_keys & bit)) return unsettle();
      seen_message_keys |= bit;
    } else if (depth == 3 && in_data && k == "id") {
      which = Key::kId;  // repeated: the last one read wins, as in the DOM
    }
    key_at[depth] = which;
    return true;
  }
};

// Feeds JobScan from the job's text directly: nlohmann's lexer copies each character into a token
// buffer, which cost more than the checks. Strict: it accepts only what nlohmann accepts, and gives up
// (false) on anything else, on what it does not handle (floats, integers past 18 digits), and on errors,
// so that nlohmann's parser has the last word and reports the position.
class JobTextScanner {
 public:
  JobTextScanner(std::string_view text, JobScan& scan)
      : p_(text.data()), end_(text.data() + text.size()), scan_(scan) {}

  bool run() {
    skip_space();
    if (!value()) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  const char* p_;
  const char* end_;
  JobScan& scan_;

  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  bool value() {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object();
      case '[':
        return array();
      case '"': {
        std::string_view text;
        size_t dumped;
        bool exact;
        return string(text, dumped, exact) && scan_.value(dumped, false, false, true, text, exact);
      }
      case 't':
        return literal("true") && scan_.boolean(true);
      case 'f':
        return literal("false") && scan_.boolean(false);
      case 'n':
        return literal("null") && scan_.null();
      default:
        return number();
    }
  }

  bool object() {
    ++p_;
    if (!scan_.open(true)) return false;
    skip_space();
    if (p_ < end_ && *p_ == '}') return ++p_, scan_.close();
    while (true) {
      std::string_view key;
      size_t dumped;
      bool exact;
      if (p_ == end_ || *p_ != '"' || !string(key, dumped, exact) || !scan_.key_text(key, dumped, exact)) return false;
      skip_space();
      if (p_ == end_ || *p_++ != ':') return false;
      skip_space();
      if (!value()) return false;
      skip_space();
      if (p_ == end_) return false;
      char c = *p_++;
      if (c == '}') return scan_.close();
      if (c != ',') return false;
      skip_space();
    }
  }

  bool array() {
    ++p_;
    if (!scan_.open(false)) return false;
    skip_space();
    if (p_ < end_ && *p_ == ']') return ++p_, scan_.close();
    while (true) {
      if (!value()) return false;
      skip_space();
      if (p_ == end_) return false;
      char c = *p_++;
      if (c == ']') return scan_.close();
      if (c != ',') return false;
      skip_space();
    }
  }

  // Integers of up to 18 digits (they fit every type nlohmann picks); anything else is left to it.
  bool number() {
    bool negative = p_ < end_ && *p_ == '-';
    if (negative) ++p_;
    const char* digits = p_;
    uint64_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') v = v * 10 + static_cast<uint64_t>(*p_++ - '0');
    size_t n = static_cast<size_t>(p_ - digits);
    if (n == 0 || n > 18 || (n > 1 && *digits == '0')) return false;
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;  // a float
    return negative ? scan_.number_integer(-static_cast<int64_t>(v)) : scan_.number_unsigned(v);
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool unicode_escape(uint32_t& cp) {  // after the backslash-u
    if (end_ - p_ < 4) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex(*p_++);
      if (h < 0) return false;
      cp = cp * 16 + static_cast<uint32_t>(h);
    }
    return true;
  }
  // Size dump() writes for one code point (no ensure_ascii): escapes for the few it must escape.
  static size_t dumped_code_point_size(uint32_t cp) {
    if (cp == '"' || cp == '\\' || cp == '\b' || cp == '\t' || cp == '\n' || cp == '\f' || cp == '\r') return 2;
    if (cp < 0x20) return 6;
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  // Length of a well-formed UTF-8 sequence starting at p_ (RFC 3629, as nlohmann checks), 0 if not.
  size_t utf8_sequence() const {
    auto in = [&](size_t i, unsigned char lo, unsigned char hi) {
      if (p_ + i >= end_) return false;
      auto c = static_cast<unsigned char>(p_[i]);
      return c >= lo && c <= hi;
    };
    auto c = static_cast<unsigned char>(*p_);
    if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
    if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    return 0;
  }

  // A string at p_ (its opening quote): `text` as written between the quotes, `exact` when that is
  // also its decoded text (no escapes), `dumped` its size as dump() writes it.
  bool string(std::string_view& text, size_t& dumped, bool& exact) {
    const char* start = ++p_;
    dumped = 2;
    exact = true;
    while (true) {
      if (p_ == end_) return false;
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x20) return false;
      if (c < 0x80 && c != '\\') {
        ++p_, ++dumped;
        continue;
      }
      if (c >= 0x80) {
        size_t n = utf8_sequence();
        if (n == 0) return false;
        p_ += n, dumped += n;
        continue;
      }
      exact = false;
      if (++p_ == end_) return false;
      char e = *p_++;
      uint32_t cp;
      switch (e) {
        case '"':
        case '\\':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          dumped += 2;
          continue;
        case '/':
          dumped += 1;
          continue;
        case 'u':
          if (!unicode_escape(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
          if (cp >= 0xD800 && cp <= 0xDBFF) {              // must pair with a low one
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!unicode_escape(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          dumped += dumped_code_point_size(cp);
          continue;
        default:
          return false;
      }
    }
    text = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }
};

}  // namespace

std::optional<JobFacts> scan_job(std::string_view body) {
  JobScan scan;
  if (!JobTextScanner(body, scan).run() || scan.unsettled) return std::nullopt;
  return std::optional<JobFacts>(std::move(static_cast<JobFacts&>(scan)));
}

}  // namespace leakscope::relay
