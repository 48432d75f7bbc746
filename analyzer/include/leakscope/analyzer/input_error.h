// Errors about input: always carry where (file, line or byte offset) and what was expected,
// so the CLI can print one clear line and exit 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace leakscope::analyzer {

class InputError : public std::runtime_error {
 public:
  // position is e.g. "line 12" or "byte 4096"; empty when the whole input is at fault.
  InputError(const std::string& source, const std::string& position, const std::string& what)
      : std::runtime_error(source + (position.empty() ? "" : ":" + position) + ": " + what) {}
};

inline std::string at_line(uint64_t n) { return "line " + std::to_string(n); }
inline std::string at_byte(uint64_t n) { return "byte " + std::to_string(n); }

}  // namespace leakscope::analyzer
