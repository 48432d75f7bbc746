// Symbolizes address-only locations (jemalloc dumps, legacy profiles) from the binaries named in
// the profile's mappings: ELF symbols (.symtab, then .dynsym) and DWARF lines with inline frames
// (elfutils libdw), C++ demangled. A binary that is missing, stripped or has another build-id
// degrades to "libname+0xoffset" frames with one warning. Each distinct address is looked up once.
#pragma once

#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope {

struct SymbolizeOptions {
  // Directories searched first for a mapping's binary (by base name and by build-id), like
  // PPROF_BINARY_PATH. Filled from --binary-path or LEAKSCOPE_BINARY_PATH.
  std::vector<std::string> binary_path;
};

// Parses "DIR:DIR:..." into a list.
std::vector<std::string> split_binary_path(const std::string& colon_separated);

// Adds function/line information to every location that has none. Locations that cannot be
// resolved get a function named "<file basename>+0x<file offset>" so output stays self-contained.
void symbolize(Profile& p, const SymbolizeOptions& options);

// True when some location has no line information.
bool needs_symbolization(const Profile& p);

}  // namespace leakscope
