// Escaping of names from untrusted profiles into SVG/HTML and Graphviz labels.
#include <gtest/gtest.h>

#include "leakscope/viz/markup.h"

namespace leakscope::viz {
namespace {

TEST(Markup, XmlEscapesMarkupAndReplacesWhatXmlForbids) {
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  EXPECT_EQ(xml_escape(std::string("x\x01y", 3)), "x\xEF\xBF\xBDy");
  EXPECT_EQ(xml_escape("\xff\xfe"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "invalid UTF-8";
  EXPECT_EQ(xml_escape("caf\xC3\xA9 \xE2\x86\x92"), "caf\xC3\xA9 \xE2\x86\x92") << "valid UTF-8 kept";
  EXPECT_EQ(xml_escape("\xC3"), "\xEF\xBF\xBD") << "truncated sequence";
}

TEST(Markup, DotEscapesQuotesAndBackslashesAndDropsControls) {
  EXPECT_EQ(dot_escape("a\"b\\c\nd"), "a\\\"b\\\\cd");
  EXPECT_EQ(dot_escape("\xff"), "?");
}

}  // namespace
}  // namespace leakscope::viz
