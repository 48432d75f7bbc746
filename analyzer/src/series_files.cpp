#include "leakscope/analyzer/series_files.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "leakscope/analyzer/input_error.h"

namespace leakscope::analyzer {

namespace {
constexpr std::string_view kSuffix = ".pb.gz";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

std::string series_file_name(const std::string& instance, uint64_t seq) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(seq));
  return instance + "." + digits + std::string(kSuffix);
}

std::vector<SeriesFile> list_series_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<SeriesFile> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw InputError(dir, "", "cannot read the directory: " + ec.message());
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (name.size() <= kSuffix.size() || name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
      continue;
    std::string stem = name.substr(0, name.size() - kSuffix.size());
    size_t dot = stem.rfind('.');
    if (dot == std::string::npos || dot == 0 || !all_digits(std::string_view(stem).substr(dot + 1)) ||
        stem.size() - dot - 1 > 18)
      continue;
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec)) continue;
    files.push_back({entry.path().string(), stem.substr(0, dot), std::stoull(stem.substr(dot + 1))});
  }
  std::sort(files.begin(), files.end(), [](const SeriesFile& a, const SeriesFile& b) {
    return a.instance != b.instance ? a.instance < b.instance : a.seq < b.seq;
  });
  return files;
}

namespace {

// "snapshot.2" before "snapshot.10": runs of digits compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t ie = i, je = j;
      while (ie < a.size() && digit(a[ie])) ++ie;
      while (je < b.size() && digit(b[je])) ++je;
      std::string x = a.substr(i, ie - i), y = b.substr(j, je - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie, j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// Hidden, or still being written (collect writes NAME.partial, other writers NAME.tmp, then rename).
bool is_transient(const std::string& name) {
  return name.empty() || name[0] == '.' || name.find(".tmp") != std::string::npos ||
         name.find(".partial") != std::string::npos;
}

// A directory of snapshots that is not a collected series: its files by name, numbers as numbers.
// `left_out` counts the hidden and temporary files passed over, for the error when nothing else is there.
std::vector<std::string> snapshot_files_by_name(const std::string& dir, size_t& left_out) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  left_out = 0;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    std::error_code type_ec;
    if (!e.is_regular_file(type_ec)) continue;
    if (is_transient(name))
      ++left_out;
    else
      names.push_back(name);
  }
  if (ec) throw InputError(dir, "", "cannot read the directory: " + ec.message());
  std::sort(names.begin(), names.end(), natural_less);
  for (auto& n : names) n = (fs::path(dir) / n).string();
  return names;
}

}  // namespace

std::vector<SeriesInput> expand_series_dirs(const std::vector<std::string>& args) {
  std::vector<SeriesInput> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (!std::filesystem::is_directory(a, ec)) {
      out.push_back({a, ""});
      continue;
    }
    auto files = list_series_files(a);
    for (auto& f : files) out.push_back({std::move(f.path), std::move(f.instance)});
    if (!files.empty()) continue;
    size_t left_out = 0;
    auto plain = snapshot_files_by_name(a, left_out);
    if (plain.empty()) {
      const std::string expected = "expected heap snapshots (jemalloc dumps, .pb.gz, legacy heap or folded files)";
      if (left_out == 0) throw InputError(a, "", "empty directory, " + expected);
      throw InputError(a, "",
                       "no snapshot, only " + std::to_string(left_out) +
                           (left_out == 1 ? " hidden or temporary file" : " hidden or temporary files") +
                           " (names starting with '.' or holding .tmp or .partial, left out); " + expected);
    }
    for (auto& f : plain) out.push_back({std::move(f), ""});
  }
  return out;
}

void set_instance_label(Profile& p, const std::string& instance) {
  for (auto& s : p.samples) {
    std::erase_if(s.labels, [](const Label& l) { return l.key == kInstanceLabel; });
    s.labels.push_back(Label{kInstanceLabel, instance, 0, ""});
  }
}

std::string instance_of(const Profile& p) {
  for (const auto& s : p.samples)
    for (const auto& l : s.labels)
      if (l.key == kInstanceLabel && !l.str.empty()) return l.str;
  return "";
}

}  // namespace leakscope::analyzer
