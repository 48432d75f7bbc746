#include "leakscope/analyzer/symbolizer.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <unordered_map>

#include "leakscope/analyzer/demangle.h"
#include "leakscope/analyzer/warnings.h"

namespace leakscope::analyzer {
namespace fs = std::filesystem;

std::vector<std::string> split_binary_path(const std::string& s) {
  std::vector<std::string> dirs;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(':', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) dirs.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return dirs;
}

bool needs_symbolization(const Profile& p) {
  return std::any_of(p.locations.begin(), p.locations.end(), [](const Location& l) { return l.lines.empty(); });
}

namespace {

struct Frame {
  std::string name, system_name, file;
  int64_t line = 0;
};

struct ElfSymbol {
  uint64_t start, size;
  std::string name;
};

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string basename_of(const std::string& path) { return fs::path(path).filename().string(); }

// An opened ELF file with its symbol table and DWARF (from the file or its separate debug file).
class ElfImage {
 public:
  static std::unique_ptr<ElfImage> open(const std::string& path) {
    auto img = std::unique_ptr<ElfImage>(new ElfImage);
    img->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (img->fd_ < 0) return nullptr;
    img->elf_ = elf_begin(img->fd_, ELF_C_READ_MMAP, nullptr);
    if (!img->elf_ || elf_kind(img->elf_) != ELF_K_ELF) return nullptr;
    img->load_segments();
    img->build_id_ = read_build_id(img->elf_);
    img->load_symbols();
    img->dwarf_ = dwarf_begin_elf(img->elf_, DWARF_C_READ, nullptr);
    if (!img->dwarf_ && !img->build_id_.empty()) img->open_debug_file();
    return img;
  }
  ~ElfImage() {
    if (dwarf_) dwarf_end(dwarf_);
    if (debug_elf_) elf_end(debug_elf_);
    if (debug_fd_ >= 0) ::close(debug_fd_);
    if (elf_) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
  }

  const std::string& build_id() const { return build_id_; }
  bool has_symbols() const { return !symbols_.empty() || dwarf_; }

  // File offset -> link-time virtual address, via the PT_LOAD segment that holds it.
  bool vaddr_of(uint64_t file_offset, uint64_t& vaddr) const {
    for (const auto& ph : loads_)
      if (file_offset >= ph.p_offset && file_offset < ph.p_offset + ph.p_filesz) {
        vaddr = file_offset - ph.p_offset + ph.p_vaddr;
        return true;
      }
    return false;
  }

  // Whether an executable mapping from the profile's memory map can be this file: the kernel maps
  // each executable PT_LOAD segment from its page-aligned offset over its page-rounded size. The
  // dump's page size is unknown, so any common one will do. A mapping may be part of a segment
  // (split by mprotect); one that starts where a segment starts must cover all of it.
  bool can_be_mapped_as(const Mapping& m) const {
    // Nothing to compare without segments, or when the mapping is not a /proc maps line (tools that
    // write profile.proto may give [0, 2^64) for a whole binary).
    if (loads_.empty() || m.limit <= m.start || m.start % 4096 || m.limit % 4096 || m.limit - m.start > (1ull << 40))
      return true;
    const uint64_t size = m.limit - m.start;
    for (uint64_t page : {uint64_t{4096}, uint64_t{16384}, uint64_t{65536}})
      for (const auto& ph : loads_) {
        if (!(ph.p_flags & PF_X)) continue;
        uint64_t begin = ph.p_offset & ~(page - 1);
        uint64_t extent = ((ph.p_vaddr & (page - 1)) + ph.p_memsz + page - 1) & ~(page - 1);
        if (m.offset == begin && size == extent) return true;
        if (m.offset > begin && m.offset + size <= begin + extent && m.offset % page == 0) return true;
      }
    return false;
  }

  // Innermost frame first; empty when nothing is known.
  std::vector<Frame> frames_at(uint64_t vaddr) const {
    std::vector<Frame> frames;
    const ElfSymbol* sym = symbol_at(vaddr);
    if (dwarf_) frames = dwarf_frames(vaddr);
    if (frames.empty() && sym) frames.push_back({simplify_name(demangle(sym->name)), sym->name, "", 0});
    // The ELF symbol names the outermost function more reliably than DWARF (clones, .cold parts).
    if (!frames.empty() && sym && frames.back().system_name.empty()) frames.back().system_name = sym->name;
    return frames;
  }

 private:
  ElfImage() = default;

  static std::string read_build_id(Elf* elf) {
    size_t n = 0;
    if (elf_getphdrnum(elf, &n) != 0) return "";
    for (size_t i = 0; i < n; ++i) {
      GElf_Phdr ph;
      if (!gelf_getphdr(elf, static_cast<int>(i), &ph) || ph.p_type != PT_NOTE) continue;
      Elf_Data* data = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
      if (!data) continue;
      size_t off = 0, name_off, desc_off;
      GElf_Nhdr nh;
      while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
            std::string_view(static_cast<char*>(data->d_buf) + name_off, 3) == "GNU") {
          std::string id;
          auto* d = static_cast<unsigned char*>(data->d_buf) + desc_off;
          char buf[3];
          for (size_t k = 0; k < nh.n_descsz; ++k) {
            std::snprintf(buf, sizeof buf, "%02x", d[k]);
            id += buf;
          }
          return id;
        }
      }
    }
    return "";
  }

  void load_segments() {
    size_t n = 0;
    if (elf_getphdrnum(elf_, &n) != 0) return;
    for (size_t i = 0; i < n; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf_, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD) loads_.push_back(ph);
    }
  }

  // Function symbols with their sizes: an address outside every symbol's extent stays unnamed
  // rather than being charged to the nearest preceding export (jeprof's malloc_usable_size problem).
  void load_symbols() {
    for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf_, scn));) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB) continue;
      read_symbols(scn, sh);
    }
    if (symbols_.empty())
      for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf_, scn));) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM) read_symbols(scn, sh);
      }
    std::sort(symbols_.begin(), symbols_.end(), [](const ElfSymbol& a, const ElfSymbol& b) {
      return a.start != b.start ? a.start < b.start : a.size > b.size;
    });
  }

  void read_symbols(Elf_Scn* scn, const GElf_Shdr& sh) {
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || sh.sh_entsize == 0) return;
    size_t count = sh.sh_size / sh.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(i), &sym)) continue;
      int type = GELF_ST_TYPE(sym.st_info);
      if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_value == 0 || sym.st_size == 0) continue;
      const char* name = elf_strptr(elf_, sh.sh_link, sym.st_name);
      if (!name || !*name) continue;
      symbols_.push_back({sym.st_value, sym.st_size, name});
    }
  }

  const ElfSymbol* symbol_at(uint64_t vaddr) const {
    auto it = std::upper_bound(symbols_.begin(), symbols_.end(), vaddr,
                               [](uint64_t a, const ElfSymbol& s) { return a < s.start; });
    // Walk back over symbols starting at or before vaddr; nested/aliased symbols share starts.
    for (int steps = 0; it != symbols_.begin() && steps < 8; ++steps) {
      --it;
      if (vaddr < it->start + it->size) return &*it;
    }
    return nullptr;
  }

  // Separate debug info installed by -dbgsym packages: /usr/lib/debug/.build-id/xx/rest.debug
  void open_debug_file() {
    std::string path = "/usr/lib/debug/.build-id/" + build_id_.substr(0, 2) + "/" + build_id_.substr(2) + ".debug";
    debug_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (debug_fd_ < 0) return;
    debug_elf_ = elf_begin(debug_fd_, ELF_C_READ_MMAP, nullptr);
    if (debug_elf_) dwarf_ = dwarf_begin_elf(debug_elf_, DWARF_C_READ, nullptr);
  }

  // The mangled linkage name when DWARF has one; else the plain name qualified by its enclosing
  // namespaces and classes (GCC omits linkage names for some inlined template members).
  std::string die_name(Dwarf_Die* die) const {
    Dwarf_Attribute attr;
    for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
      if (dwarf_attr_integrate(die, at, &attr)) {
        if (const char* s = dwarf_formstring(&attr)) return s;
      }
    }
    // Follow abstract_origin / specification to the declaration that sits inside its class.
    Dwarf_Die decl = *die;
    for (int hops = 0; hops < 4; ++hops) {
      Dwarf_Die next;
      if ((dwarf_attr(&decl, DW_AT_abstract_origin, &attr) || dwarf_attr(&decl, DW_AT_specification, &attr)) &&
          dwarf_formref_die(&attr, &next))
        decl = next;
      else
        break;
    }
    const char* base = dwarf_diename(&decl);
    if (!base) return "";
    Dwarf_Off off = dwarf_dieoffset(&decl);
    if (auto it = qualified_names_.find(off); it != qualified_names_.end()) return it->second;
    std::string name = base;
    Dwarf_Die* scopes = nullptr;
    int n = dwarf_getscopes_die(&decl, &scopes);
    for (int i = 1; i < n; ++i) {
      int tag = dwarf_tag(&scopes[i]);
      if (tag != DW_TAG_namespace && tag != DW_TAG_class_type && tag != DW_TAG_structure_type &&
          tag != DW_TAG_union_type)
        continue;
      const char* scope = dwarf_diename(&scopes[i]);
      name = std::string(scope ? scope : "(anonymous namespace)") + "::" + name;
    }
    free(scopes);
    qualified_names_.emplace(off, name);
    return name;
  }

  std::vector<Frame> dwarf_frames(uint64_t vaddr) const {
    std::vector<Frame> frames;
    Dwarf_Die cudie;
    if (!dwarf_addrdie(dwarf_, vaddr, &cudie)) return frames;
    std::string file;
    int64_t line = 0;
    if (Dwarf_Line* l = dwarf_getsrc_die(&cudie, vaddr)) {
      int lineno = 0;
      dwarf_lineno(l, &lineno);
      line = lineno;
      if (const char* f = dwarf_linesrc(l, nullptr, nullptr)) file = f;
    }
    // dwarf_getscopes follows an inlined instance into its abstract origin's parents; the
    // concrete chain (inlined instance -> ... -> subprogram) comes from dwarf_getscopes_die on
    // the innermost scope, as elfutils' addr2line -i does.
    Dwarf_Die* scopes = nullptr;
    int n = dwarf_getscopes(&cudie, vaddr, &scopes);
    if (n > 0) {
      Dwarf_Die innermost = scopes[0];
      free(scopes);
      scopes = nullptr;
      n = dwarf_getscopes_die(&innermost, &scopes);
    }
    Dwarf_Files* files = nullptr;
    size_t nfiles = 0;
    dwarf_getsrcfiles(&cudie, &files, &nfiles);
    for (int i = 0; i < n; ++i) {
      int tag = dwarf_tag(&scopes[i]);
      if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
      std::string raw = die_name(&scopes[i]);
      frames.push_back({simplify_name(demangle(raw)), raw, file, line});
      if (tag == DW_TAG_subprogram) break;
      // The enclosing frame's position is this inlined call's site.
      Dwarf_Attribute attr;
      Dwarf_Word w = 0;
      if (dwarf_attr(&scopes[i], DW_AT_call_file, &attr) && dwarf_formudata(&attr, &w) == 0 && files) {
        const char* f = dwarf_filesrc(files, w, nullptr, nullptr);
        file = f ? f : "";
      }
      if (dwarf_attr(&scopes[i], DW_AT_call_line, &attr) && dwarf_formudata(&attr, &w) == 0)
        line = static_cast<int64_t>(w);
    }
    free(scopes);
    return frames;
  }

  int fd_ = -1, debug_fd_ = -1;
  Elf* elf_ = nullptr;
  Elf* debug_elf_ = nullptr;
  Dwarf* dwarf_ = nullptr;
  std::string build_id_;
  std::vector<GElf_Phdr> loads_;
  std::vector<ElfSymbol> symbols_;
  mutable std::unordered_map<Dwarf_Off, std::string> qualified_names_;
};

// Finds the binary for a mapping: --binary-path dirs first (by build-id, then base name), then
// the recorded path. A candidate whose build-id differs from the recorded one is skipped.
std::unique_ptr<ElfImage> locate(const Mapping& m, const SymbolizeOptions& opt) {
  std::vector<std::string> candidates;
  for (const auto& dir : opt.binary_path) {
    if (!m.build_id.empty()) {
      candidates.push_back(dir + "/" + m.build_id);
      candidates.push_back(dir + "/.build-id/" + m.build_id.substr(0, 2) + "/" + m.build_id.substr(2));
    }
    candidates.push_back(dir + "/" + basename_of(m.file));
  }
  candidates.push_back(m.file);
  for (const auto& path : candidates) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;
    auto img = ElfImage::open(path);
    if (!img) continue;
    if (!m.build_id.empty() && !img->build_id().empty() && img->build_id() != m.build_id) {
      warn_once(path + ": build-id " + img->build_id() + " does not match the profile's " + m.build_id + " for " +
                m.file + "; not using it");
      continue;
    }
    // Without build-ids (jemalloc dumps carry paths only), the memory map still tells a different
    // build apart: its executable segments sit at other offsets or have other sizes.
    if (m.build_id.empty() && !img->can_be_mapped_as(m)) {
      char range[64];
      std::snprintf(range, sizeof range, "offset 0x%llx, size 0x%llx", static_cast<unsigned long long>(m.offset),
                    static_cast<unsigned long long>(m.limit - m.start));
      warn_once(path + ": its executable segments do not match the profile's mapping of " + m.file + " (" + range +
                "); a different build of the program? not using it");
      continue;
    }
    return img;
  }
  return nullptr;
}

}  // namespace

struct Symbolizer::Impl {
  SymbolizeOptions options;
  size_t max_cached;
  // By mapping file: the opened image (null when missing or refused) and resolved addresses.
  struct Binary {
    std::unique_ptr<ElfImage> image;
    std::unordered_map<uint64_t, std::vector<Frame>> frames_by_offset;
  };
  std::unordered_map<std::string, Binary> binaries;
  size_t cached = 0;

  Binary& binary_for(const Mapping& m) {
    auto key = m.file + '\0' + m.build_id;
    auto it = binaries.find(key);
    if (it != binaries.end()) return it->second;
    Binary b;
    b.image = locate(m, options);
    if (!b.image)
      warn_once(m.file + ": binary not found or unreadable; its frames are shown as " + basename_of(m.file) +
                "+0x<offset> (use --binary-path DIR)");
    else if (!b.image->has_symbols())
      warn_once(m.file + ": no symbols (stripped); its frames are shown as " + basename_of(m.file) + "+0x<offset>");
    return binaries.emplace(key, std::move(b)).first->second;
  }

  const std::vector<Frame>& frames_at(Binary& b, uint64_t file_offset) {
    auto it = b.frames_by_offset.find(file_offset);
    if (it != b.frames_by_offset.end()) return it->second;
    if (cached >= max_cached) {  // bounded: start over rather than grow without limit
      for (auto& [_, other] : binaries) other.frames_by_offset.clear();
      cached = 0;
    }
    std::vector<Frame> frames;
    uint64_t vaddr;
    if (b.image && b.image->vaddr_of(file_offset, vaddr)) frames = b.image->frames_at(vaddr);
    ++cached;
    return b.frames_by_offset.emplace(file_offset, std::move(frames)).first->second;
  }
};

Symbolizer::Symbolizer(SymbolizeOptions options, size_t max_cached_addresses) : impl_(std::make_unique<Impl>()) {
  static const bool elf_ready = elf_version(EV_CURRENT) != EV_NONE;
  (void)elf_ready;
  impl_->options = std::move(options);
  impl_->max_cached = max_cached_addresses;
}

Symbolizer::~Symbolizer() = default;

void Symbolizer::symbolize(Profile& p) {
  std::vector<Impl::Binary*> binaries(p.mappings.size(), nullptr);
  std::vector<bool> resolved_any(p.mappings.size(), false);
  std::map<std::pair<std::string, std::string>, uint64_t> function_ids;  // (name, file) -> id
  for (const auto& f : p.functions) function_ids.emplace(std::make_pair(f.name, f.filename), f.id);
  auto intern = [&](const std::string& name, const std::string& system_name, const std::string& file) {
    auto [it, inserted] = function_ids.try_emplace({name, file}, p.functions.size() + 1);
    if (inserted) p.functions.push_back(Function{it->second, name, system_name, file, 0});
    return it->second;
  };

  for (auto& loc : p.locations) {
    if (!loc.lines.empty()) continue;
    const Mapping* m = p.mapping(loc.mapping_id);
    if (!m) {
      loc.lines.push_back({intern(hex(loc.address), "", ""), 0});
      continue;
    }
    size_t mi = loc.mapping_id - 1;
    if (!binaries[mi]) {
      binaries[mi] = &impl_->binary_for(*m);
      if (binaries[mi]->image && p.mappings[mi].build_id.empty())
        p.mappings[mi].build_id = binaries[mi]->image->build_id();
    }
    uint64_t file_offset = loc.address - m->start + m->offset;
    const auto& frames = impl_->frames_at(*binaries[mi], file_offset);
    if (frames.empty()) {
      loc.lines.push_back({intern(basename_of(m->file) + "+" + hex(file_offset), "", ""), 0});
      continue;
    }
    resolved_any[mi] = true;
    for (const auto& f : frames) loc.lines.push_back({intern(f.name, f.system_name, f.file), f.line});
  }
  // Everything is now in the profile; tell pprof not to look for these binaries again.
  for (size_t i = 0; i < p.mappings.size(); ++i)
    if (binaries[i]) {
      auto& m = p.mappings[i];
      m.has_functions = true;
      m.has_filenames = m.has_line_numbers = m.has_inline_frames = resolved_any[i];
    }
}

void symbolize(Profile& p, const SymbolizeOptions& options) { Symbolizer(options).symbolize(p); }

}  // namespace leakscope::analyzer
