#include "leakscope/analyzer/series_files.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "leakscope/analyzer/input_error.h"

namespace leakscope {

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

std::vector<SeriesInput> expand_series_dirs(const std::vector<std::string>& args) {
  std::vector<SeriesInput> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (!std::filesystem::is_directory(a, ec)) {
      out.push_back({a, ""});
      continue;
    }
    auto files = list_series_files(a);
    if (files.empty())
      throw InputError(a, "", "no series files in the directory (expected <instance>.<seq>.pb.gz, as collect writes)");
    for (auto& f : files) out.push_back({std::move(f.path), std::move(f.instance)});
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

}  // namespace leakscope
