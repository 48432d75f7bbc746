// Reads a profile file into memory, inflating gzip transparently, with a hard limit on the
// inflated size so a gzip bomb cannot exhaust memory.
#pragma once

#include <cstdint>
#include <string>

namespace leakscope::analyzer {

// Default cap on a profile's (inflated) size: 1 GiB. Override with LEAKSCOPE_MAX_INPUT_BYTES.
inline constexpr uint64_t kDefaultMaxInputBytes = 1ull << 30;
uint64_t max_input_bytes();

bool is_gzip(const std::string& bytes);

// Reads `path` ("-" is stdin; a pipe or FIFO is read as a stream under the same limit), inflating gzip.
// Throws InputError on I/O failure, broken gzip or size over the limit.
std::string read_input(const std::string& path, uint64_t limit = max_input_bytes());

// What read_input does after reading: refuses empty input and inflates gzip under `limit`.
// For bytes from elsewhere (a URL); `source` names them in errors.
std::string decode_input(std::string raw, const std::string& source, uint64_t limit = max_input_bytes());

// Inflates gzip data; `source` names it in errors.
std::string gunzip(const std::string& compressed, const std::string& source, uint64_t limit);

std::string gzip(const std::string& raw);

}  // namespace leakscope::analyzer
