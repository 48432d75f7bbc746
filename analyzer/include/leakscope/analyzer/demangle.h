// C++ demangling and pprof-style name simplification.
#pragma once

#include <string>

namespace leakscope::analyzer {

// Full demangled form, or the input unchanged when it is not a mangled C++ name.
std::string demangle(const std::string& mangled);
// pprof's default display: no parameter lists, no template arguments, no return type,
// e.g. "std::vector<int>::_M_realloc_insert<int const&>(...)" -> "std::vector::_M_realloc_insert".
std::string simplify_name(const std::string& demangled);

}  // namespace leakscope::analyzer
