#include "leakscope/analyzer/input_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "leakscope/analyzer/input_error.h"

namespace leakscope::analyzer {

uint64_t max_input_bytes() {
  if (const char* env = std::getenv("LEAKSCOPE_MAX_INPUT_BYTES")) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0' && v > 0) return v;
  }
  return kDefaultMaxInputBytes;
}

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(const std::string& compressed, const std::string& source, uint64_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw InputError(source, "", "cannot initialise zlib");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = sizeof buf - zs.avail_out;
    if (out.size() + produced > limit) {
      inflateEnd(&zs);
      throw InputError(source, "",
                       "gzip data inflates beyond the " + std::to_string(limit) +
                           "-byte limit (set LEAKSCOPE_MAX_INPUT_BYTES to raise it)");
    }
    out.append(buf, produced);
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members are legal; continue with the next one if present.
      if (zs.avail_in > 0 && inflateReset(&zs) == Z_OK) continue;
      break;
    }
    if (rc != Z_OK) {
      uint64_t at = zs.total_in;
      inflateEnd(&zs);
      if (rc == Z_BUF_ERROR)
        throw InputError(source, at_byte(compressed.size()), "truncated gzip stream, expected more compressed data");
      throw InputError(source, at_byte(at), std::string("broken gzip data: ") + (zs.msg ? zs.msg : "inflate failed"));
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string gzip(const std::string& raw) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, raw.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

namespace {
// Reads all of `fd` (a regular file, a pipe, a FIFO, a terminal), stopping once past `limit`.
std::string read_all(int fd, const std::string& path, uint64_t limit, bool regular) {
  std::string bytes;
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError(path, at_byte(bytes.size()), std::string("read failed: ") + std::strerror(errno));
    if (n == 0) return bytes;
    if (bytes.size() + static_cast<uint64_t>(n) > limit)
      throw InputError(path, "",
                       std::string(regular ? "file" : "input") + " is larger than the " + std::to_string(limit) +
                           "-byte limit (set LEAKSCOPE_MAX_INPUT_BYTES to raise it)");
    bytes.append(buf, static_cast<size_t>(n));
  }
}

struct Fd {
  int fd;
  bool owned;
  ~Fd() {
    if (owned) ::close(fd);
  }
};
}  // namespace

std::string read_input(const std::string& path, uint64_t limit) {
  // "-" and anything that is not a regular file (a pipe, a FIFO, <(curl ...)) is read as a stream:
  // its size is known only at its end, so the limit is checked as it arrives.
  Fd in{path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC), path != "-"};
  if (in.fd < 0) throw InputError(path, "", std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  if (::fstat(in.fd, &st) != 0) throw InputError(path, "", std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputError(path, "", "is a directory, expected a heap profile file");
  bool regular = S_ISREG(st.st_mode);
  if (regular && static_cast<uint64_t>(st.st_size) > limit)
    throw InputError(
        path, "",
        "file is larger than the " + std::to_string(limit) + "-byte limit (set LEAKSCOPE_MAX_INPUT_BYTES to raise it)");
  return decode_input(read_all(in.fd, path, limit, regular), path, limit);
}

std::string decode_input(std::string bytes, const std::string& source, uint64_t limit) {
  if (bytes.empty()) throw InputError(source, "", "empty file, expected a heap profile");
  if (is_gzip(bytes)) {
    bytes = gunzip(bytes, source, limit);
    if (bytes.empty()) throw InputError(source, "", "gzip data is empty, expected a heap profile");
  }
  return bytes;
}

}  // namespace leakscope::analyzer
