#include "leakscope/viz/html_page.h"

#include "leakscope/viz/markup.h"

namespace leakscope::viz {

HtmlPage::HtmlPage(std::string title) : title_(std::move(title)) {}

void HtmlPage::heading(const std::string& text, const std::string& id) {
  body_ += "<h2" + (id.empty() ? "" : " id=\"" + xml_escape(id) + "\"") + ">" + xml_escape(text) + "</h2>\n";
}

void HtmlPage::paragraph(const std::string& text, const std::string& css_class) {
  body_ +=
      "<p" + (css_class.empty() ? "" : " class=\"" + xml_escape(css_class) + "\"") + ">" + xml_escape(text) + "</p>\n";
}

void HtmlPage::facts(const std::vector<std::pair<std::string, std::string>>& rows) {
  body_ += "<table class=\"facts\">\n";
  for (const auto& [k, v] : rows) body_ += "<tr><th>" + xml_escape(k) + "</th><td>" + xml_escape(v) + "</td></tr>\n";
  body_ += "</table>\n";
}

void HtmlPage::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                     size_t text_columns, const std::string& id) {
  body_ += "<table class=\"data\"" + (id.empty() ? "" : " id=\"" + xml_escape(id) + "\"") + ">\n<thead><tr>";
  for (size_t c = 0; c < header.size(); ++c)
    body_ += std::string(c < text_columns ? "<th>" : "<th class=\"n\">") + xml_escape(header[c]) + "</th>";
  body_ += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (size_t c = 0; c < row.size(); ++c)
      body_ += std::string(c < text_columns ? "<td>" : "<td class=\"n\">") + xml_escape(row[c]) + "</td>";
    body_ += "</tr>\n";
  }
  body_ += "</tbody></table>\n";
}

void HtmlPage::raw(const std::string& html) { body_ += html; }

void HtmlPage::embed_svg(const std::string& file, int height, const std::string& id) {
  body_ += "<object id=\"" + xml_escape(id) + "\" type=\"image/svg+xml\" data=\"" + xml_escape(file) +
           "\" style=\"width:100%;height:" + std::to_string(height) + "px\"></object>\n<p class=\"note\"><a href=\"" +
           xml_escape(file) + "\">open " + xml_escape(file) + " on its own</a></p>\n";
}

std::string HtmlPage::html() const {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + xml_escape(title_) +
         "</title>\n<style>\n"
         "body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1260px; color: #222; }\n"
         "h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }\n"
         "table { border-collapse: collapse; font-size: 0.9em; }\n"
         "table.data th, table.data td { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: left; }\n"
         "table.data .n { text-align: right; font-variant-numeric: tabular-nums; }\n"
         "table.facts th { text-align: left; padding-right: 1em; font-weight: 600; }\n"
         ".verdict-leak { color: #b00; font-weight: 600; } .verdict-clean { color: #070; font-weight: 600; }\n"
         ".note { color: #666; font-size: 0.85em; }\n"
         "object { border: 1px solid #ddd; }\n"
         "</style>\n</head>\n<body>\n<h1>" +
         xml_escape(title_) + "</h1>\n" + body_ + "</body>\n</html>\n";
}

}  // namespace leakscope::viz
