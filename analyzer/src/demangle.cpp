#include "leakscope/analyzer/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <string_view>

namespace leakscope::analyzer {

std::string demangle(const std::string& mangled) {
  if (mangled.size() < 2 || mangled[0] != '_' || mangled[1] != 'Z') return mangled;
  int status = 0;
  char* out = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !out) return mangled;
  std::string s(out);
  std::free(out);
  return s;
}

namespace {

bool starts_with_at(std::string_view s, size_t i, std::string_view token) { return s.substr(i, token.size()) == token; }

// Index just past the bracket group that opens at s[i] (one of '<', '(', '{', '['), balanced.
size_t skip_group(std::string_view s, size_t i) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '<' || c == '(' || c == '{' || c == '[')
      ++depth;
    else if (c == '>' || c == ')' || c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return s.size();
}

}  // namespace

std::string simplify_name(const std::string& name) {
  std::string_view s = name;
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (starts_with_at(s, i, "operator")) {
      // Keep the operator token itself: operator(), operator<<, operator new[], ...
      size_t j = i + 8;
      if (starts_with_at(s, j, "()")) {
        j += 2;
      } else if (starts_with_at(s, j, " new") || starts_with_at(s, j, " delete")) {
        j += s[j + 1] == 'n' ? 4 : 7;
        if (starts_with_at(s, j, "[]")) j += 2;
      } else {
        while (j < s.size() && std::string_view("<>=!+-*/%&|^~,[]").find(s[j]) != std::string_view::npos) ++j;
      }
      out.append(s.substr(i, j - i));
      i = j;
      continue;
    }
    if (starts_with_at(s, i, "(anonymous namespace)")) {
      out.append("(anonymous namespace)");
      i += 21;
      continue;
    }
    if (c == '{') {  // {lambda(int)#1}: keep as is, it names the lambda
      size_t j = skip_group(s, i);
      out.append(s.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '<' || c == '(' || c == '[') {
      i = skip_group(s, i);
      continue;
    }
    out.push_back(c);
    ++i;
  }
  // Drop trailing qualifiers (" const", " &&") and a leading return type ("void ns::f").
  auto trim_end = [&] {
    while (!out.empty() && out.back() == ' ') out.pop_back();
  };
  trim_end();
  for (std::string_view q : {" const", " volatile", " &&", " &", " noexcept"}) {
    while (out.size() > q.size() && std::string_view(out).substr(out.size() - q.size()) == q) {
      out.resize(out.size() - q.size());
      trim_end();
    }
  }
  // A top-level space outside "operator ..." and "(anonymous namespace)" separates a return type.
  size_t cut = std::string::npos;
  int depth = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    char c = out[k];
    if (c == '{' || c == '(')
      ++depth;
    else if (c == '}' || c == ')')
      --depth;
    else if (c == ' ' && depth == 0) {
      std::string_view before = std::string_view(out).substr(0, k);
      if (before.size() >= 8 && before.substr(before.size() - 8) == "operator") continue;
      cut = k;
    }
  }
  if (cut != std::string::npos) out.erase(0, cut + 1);
  return out;
}

}  // namespace leakscope::analyzer
