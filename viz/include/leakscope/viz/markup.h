// Escaping for the markup viz writes (SVG, HTML, Graphviz labels). Profile names come from files
// people pull from production: anything in them must come out as text, never as markup.
#pragma once

#include <string>
#include <string_view>

namespace leakscope::viz {

// XML/HTML text and attribute values: & < > " ' escaped, characters XML forbids (C0 controls
// but tab/newline, invalid UTF-8) replaced by U+FFFD.
std::string xml_escape(std::string_view s);

// A Graphviz double-quoted string: quotes and backslashes escaped, controls dropped, invalid UTF-8 as "?".
std::string dot_escape(std::string_view s);

// One number for an attribute or a table cell, by a printf format for a double ("%.2f", "%g").
std::string format_double(const char* printf_format, double value);

}  // namespace leakscope::viz
