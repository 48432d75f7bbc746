// A self-contained HTML page built from sections (tables, charts, embedded SVG files). No external
// scripts, fonts or styles, so a report opens from file:// on a machine with no network.
#pragma once

#include <string>
#include <vector>

namespace leakscope::viz {

class HtmlPage {
 public:
  explicit HtmlPage(std::string title);

  void heading(const std::string& text, const std::string& id = "");
  void paragraph(const std::string& text, const std::string& css_class = "");
  // Key/value facts (profile, type, total, time...).
  void facts(const std::vector<std::pair<std::string, std::string>>& rows);
  // A table; columns after the first `text_columns` are right-aligned numbers.
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
             size_t text_columns = 1, const std::string& id = "");
  // Trusted markup made by viz itself (an inline chart).
  void raw(const std::string& html);
  // An interactive SVG file next to the page (its scripts run: zoom and search work).
  void embed_svg(const std::string& file, int height, const std::string& id);

  std::string html() const;

 private:
  std::string title_;
  std::string body_;
};

}  // namespace leakscope::viz
