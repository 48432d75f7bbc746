// Symbolizes address-only locations (jemalloc dumps, legacy profiles) from the binaries named in
// the profile's mappings: ELF symbols (.symtab, then .dynsym) and DWARF lines with inline frames
// (elfutils libdw), C++ demangled. A binary that is missing, stripped or has another build-id
// degrades to "libname+0xoffset" frames with one warning. Each distinct address is looked up once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

struct SymbolizeOptions {
  // Directories searched first for a mapping's binary (by base name and by build-id), like
  // PPROF_BINARY_PATH. Filled from --binary-path or LEAKSCOPE_BINARY_PATH.
  std::vector<std::string> binary_path;
};

// Parses "DIR:DIR:..." into a list.
std::vector<std::string> split_binary_path(const std::string& colon_separated);

// Keeps opened binaries and resolved addresses across calls, so a process that symbolizes its own
// snapshots again and again (the profiler) pays for each address once. The address cache is bounded.
class Symbolizer {
 public:
  explicit Symbolizer(SymbolizeOptions options = {}, size_t max_cached_addresses = 1 << 20);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // Adds function/line information to every location that has none. Locations that cannot be
  // resolved get a function named "<file basename>+0x<file offset>" so output stays self-contained.
  void symbolize(Profile& p);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot form of Symbolizer::symbolize.
void symbolize(Profile& p, const SymbolizeOptions& options);

// True when some location has no line information.
bool needs_symbolization(const Profile& p);

}  // namespace leakscope::analyzer
