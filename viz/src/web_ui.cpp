#include "leakscope/viz/web_ui.h"

#include <httplib.h>

#include <filesystem>
#include <mutex>
#include <optional>

#include "leakscope/analyzer/age_report.h"
#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/diff_report.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/pattern.h"
#include "leakscope/analyzer/profile_merge.h"
#include "leakscope/analyzer/text_views.h"
#include "leakscope/analyzer/top_report.h"
#include "leakscope/analyzer/units.h"
#include "leakscope/analyzer/writers.h"
#include "leakscope/http/listen.h"
#include "leakscope/http/query_params.h"
#include "leakscope/viz/dot_writer.h"
#include "leakscope/viz/flame_svg.h"
#include "leakscope/viz/graphviz_render.h"
#include "leakscope/viz/html_page.h"
#include "leakscope/viz/markup.h"
#include "leakscope/viz/snapshot_series.h"
#include "leakscope/viz/timeline_page.h"
#include "leakscope/viz/views.h"

namespace leakscope::viz {

namespace {

// The view state carried in every URL: sample type, refinements, search, and a series' window.
struct Query {
  std::string si, focus, ignore, hide, search, regex, from, to;
  httplib::Params params;  // all of them, for the strict readers

  static Query from_request(const httplib::Request& r) {
    auto get = [&](const char* k) { return r.has_param(k) ? r.get_param_value(k) : std::string(); };
    return {get("si"),    get("focus"), get("ignore"), get("hide"), get("s"),
            get("regex"), get("from"),  get("to"),     r.params};
  }
  // The query string for links (without regex, which belongs to peek and source).
  std::string string() const {
    httplib::Params p;
    if (!si.empty()) p.emplace("si", si);
    if (!focus.empty()) p.emplace("focus", focus);
    if (!ignore.empty()) p.emplace("ignore", ignore);
    if (!hide.empty()) p.emplace("hide", hide);
    if (!search.empty()) p.emplace("s", search);
    if (!from.empty()) p.emplace("from", from);
    if (!to.empty()) p.emplace("to", to);
    return http::params_to_query(p);
  }
  // Compiles every pattern field (cached, so the views' own compiles are free); a bad one throws
  // std::invalid_argument naming its field.
  void check_patterns() const {
    for (auto [pattern, field] :
         {std::pair{&focus, "focus"}, {&ignore, "ignore"}, {&hide, "hide"}, {&search, "search"}, {&regex, "functions"}})
      if (!pattern->empty()) analyzer::Pattern::compile(*pattern, field);
  }
  // The functions peek and source show: Functions, else Search.
  analyzer::Pattern functions() const {
    return regex.empty() ? analyzer::Pattern::compile(search, "search")
                         : analyzer::Pattern::compile(regex, "functions");
  }
};

struct View {
  std::string name, path, title;
};
const View kTimelineView{"timeline", "/ui/timeline", "Timeline"};
const std::vector<View> kViews = {{"top", "/ui/top", "Top"},
                                  {"graph", "/ui/graph", "Graph"},
                                  {"flame", "/ui/flame", "Flame Graph"},
                                  {"peek", "/ui/peek", "Peek"},
                                  {"source", "/ui/source", "Source"}};

}  // namespace

// What one request's views show: a profile and, for a comparison or a series' window, its base.
struct Window {
  std::shared_ptr<const analyzer::Profile> now, base;  // base null: no comparison
  std::string now_name, base_name;
  const analyzer::Profile& profile() const { return *now; }
};

struct WebUi::Impl {
  WebUiInput in;
  std::shared_ptr<const analyzer::Profile> now, base;  // a single profile's (no series)
  httplib::Server server;
  std::mutex flame_mutex;
  std::string flame_key, flame_svg;  // the last flame graph, rendered once for page and frame
  int flame_height = 0;

  // A series' window as indices: `from` and `to` (default: the whole series, ending at the last).
  // Indices out of range or in the wrong order are the user's typo: invalid_argument, a 400.
  TimelineWindow timeline_window(const Query& q) const {
    size_t n = in.series->size(), from = 0, to = n - 1;
    for (auto [name, out] : {std::pair{"to", &to}, {"from", &from}})
      if (auto error = http::read_index_param(q.params, name, n, "snapshot index", *out))
        throw std::invalid_argument(*error);
    if (from > to)
      throw std::invalid_argument("from: snapshot " + q.from + " comes after to (" + std::to_string(to) + ")");
    return {from, to, !q.from.empty()};
  }

  // The window's ends: a series' snapshots `from` and `to` (default: the last, alone), else the profile
  // and its --base.
  Window window(const Query& q) const {
    if (!in.series) return {now, base, in.profile_name, in.has_base ? in.base_name : ""};
    TimelineWindow tw = timeline_window(q);
    Window w;
    w.now = in.series->profile(tw.to);
    w.now_name = in.series->file(tw.to);
    if (tw.chosen && tw.from < tw.to) {
      w.base = in.series->profile(tw.from);
      w.base_name = in.series->file(tw.from);
    }
    return w;
  }

  int sample_index(const Window& w, const Query& q) const {
    if (q.si.empty()) return w.profile().default_sample_index();
    int i = w.profile().sample_index(q.si);
    if (i < 0) throw std::invalid_argument("no sample type '" + q.si + "' in this profile");
    return i;
  }

  ViewInput view(const Window& w, const Query& q, bool with_base) const {
    ViewInput v;
    v.now = w.now.get();
    v.now_index = sample_index(w, q);
    if (with_base && w.base) {
      v.base = w.base.get();
      v.base_index = w.base->sample_index(w.now->sample_types[v.now_index].type);
      if (v.base_index < 0)
        throw std::invalid_argument("the base has no sample type " + w.now->sample_types[v.now_index].type);
    }
    v.normalize = in.normalize;
    v.stacks.keep_allocator_frames = in.keep_allocator_frames;
    v.stacks.focus = q.focus;
    v.stacks.ignore = q.ignore;
    v.stacks.hide = q.hide;
    return v;
  }

  // The page frame: header, navigation, the refine form; `active` is the view's name.
  HtmlPage page(const Window& w, const Query& q, const std::string& active) const {
    HtmlPage p("leakscope: " + std::filesystem::path(w.now_name).filename().string() +
               (w.base ? " vs " + std::filesystem::path(w.base_name).filename().string() : ""));
    std::string nav = "<nav class=\"views\">";
    std::string qs = q.string();
    std::vector<View> views = kViews;
    if (in.series) views.insert(views.begin(), kTimelineView);
    for (const auto& v : views)
      nav += "<a id=\"nav-" + v.name + "\" class=\"" + (v.name == active ? "active" : "") + "\" href=\"" + v.path +
             (qs.empty() ? "" : "?" + xml_escape(qs)) + "\">" + v.title + "</a> ";
    nav += "<a id=\"download\" href=\"/download\">Download profile</a></nav>\n";
    std::string form = "<form class=\"refine\" method=\"get\" action=\"/ui/" + active + "\">";
    if (!q.from.empty()) form += "<input type=\"hidden\" name=\"from\" value=\"" + xml_escape(q.from) + "\">";
    if (!q.to.empty()) form += "<input type=\"hidden\" name=\"to\" value=\"" + xml_escape(q.to) + "\">";
    form += "<label>Sample <select name=\"si\" id=\"si\" onchange=\"this.form.submit()\">";
    int current = sample_index(w, q);
    for (size_t i = 0; i < w.now->sample_types.size(); ++i) {
      const auto& t = w.now->sample_types[i].type;
      form += "<option value=\"" + xml_escape(t) + "\"" + (static_cast<int>(i) == current ? " selected" : "") + ">" +
              xml_escape(t) + "</option>";
    }
    form += "</select></label>";
    auto field = [&](const char* name, const char* label, const std::string& value) {
      form += " <label>" + std::string(label) + " <input name=\"" + name + "\" id=\"" + name + "\" value=\"" +
              xml_escape(value) + "\" size=\"14\"></label>";
    };
    field("focus", "Focus", q.focus);
    field("ignore", "Ignore", q.ignore);
    field("hide", "Hide", q.hide);
    field("s", "Search", q.search);
    if (active == "peek" || active == "source") field("regex", "Functions", q.regex.empty() ? q.search : q.regex);
    form += " <button type=\"submit\" id=\"refine\">Refine</button> <a id=\"reset\" href=\"/ui/" + active +
            "\">Reset</a></form>\n";
    p.raw(
        "<style>nav.views a { margin-right: 1em; } nav.views a.active { font-weight: 700; } "
        "form.refine { margin: 0.8em 0; } tr.match td { background: #f7d6f7; } pre { font-size: 0.85em; }</style>\n");
    p.raw(nav + form);
    if (w.base && in.series)
      p.paragraph("Window: the growth from " + std::filesystem::path(w.base_name).filename().string() + " (snapshot " +
                      q.from + ") to " + std::filesystem::path(w.now_name).filename().string() + " (snapshot " +
                      (q.to.empty() ? std::to_string(in.series->size() - 1) : q.to) + ")",
                  "window");
    return p;
  }

  std::string total_line(const ViewInput& v, const analyzer::StackTable& stacks, int64_t total) const {
    const auto& t = v.now->sample_types[v.now_index];
    return t.type + ": total " + analyzer::format_value(total, t.unit) +
           (stacks.filtered_samples() ? " (" + std::to_string(stacks.filtered_samples()) + " samples refined away)"
                                      : "");
  }
  std::string total_line(const ViewInput& v) const {
    analyzer::StackTable stacks(*v.now, v.stacks);
    return total_line(v, stacks, analyzer::Graph(*v.now, stacks, v.now_index).total());
  }

  // With a base (a series' window or --base): the growth per function, as `leakscope diff` shows it.
  std::string top_growth(HtmlPage& p, const ViewInput& v, const Query& q) const {
    const auto& type = v.now->sample_types[v.now_index];
    analyzer::StackTable now_stacks(*v.now, v.stacks), base_stacks(*v.base, v.stacks);
    analyzer::DiffReport d =
        analyzer::diff_profiles(*v.base, base_stacks, v.base_index, *v.now, now_stacks, v.now_index, v.normalize);
    p.paragraph(type.type + ": total " + analyzer::format_value(d.base_total, type.unit) + " \u2192 " +
                    analyzer::format_value(d.new_total, type.unit) + " (" +
                    analyzer::format_value(d.new_total - d.base_total, type.unit) + ")",
                "total");
    analyzer::Pattern match = q.search.empty() ? analyzer::Pattern() : analyzer::Pattern::compile(q.search, "search");
    // The age of the live bytes at the window's end, when the profiler tagged the samples: what grew
    // in the window and is every-age is leak-like, one-age a cache that filled.
    analyzer::AgeReport ages = analyzer::make_age_report(*v.now, now_stacks, v.now_index, 0.0, 0);
    std::string rows;
    for (const auto& row : d.rows)
      rows += std::string("<tr") + (match.matches(row.name) ? " class=\"match\"" : "") + "><td>" +
              xml_escape(row.name) + "</td><td class=\"n delta\" data-value=\"" + std::to_string(row.delta()) + "\">" +
              analyzer::format_value(row.delta(), type.unit) + "</td><td class=\"n\">" +
              analyzer::format_value(row.base, type.unit) + "</td><td class=\"n\">" +
              analyzer::format_value(row.now, type.unit) + "</td>" +
              (ages.has_ages() ? age_cell(find_age_row(ages, row.name)) : "") + "</tr>\n";
    p.raw(
        "<table class=\"data growth\" id=\"top-table\"><thead><tr><th>function</th><th class=\"n\">growth</th>"
        "<th class=\"n\">base</th><th class=\"n\">now</th>" +
        std::string(ages.has_ages() ? kAgeHeader : "") + "</tr></thead><tbody>\n" + rows + "</tbody></table>\n");
    return p.html();
  }

  static constexpr const char* kAgeHeader = "<th title=\"live bytes by allocation age, as top --by-age\">age</th>";
  // The age shape of a function's live bytes and, in its tooltip, the shares behind it.
  static std::string age_cell(const analyzer::AgeRow* row) {
    if (!row || row->total == 0) return "<td class=\"age\"></td>";
    return "<td class=\"age\" data-shape=\"" + std::string(analyzer::age_shape_name(row->shape)) + "\" title=\"" +
           xml_escape(row->why) + "\">" + analyzer::age_shape_name(row->shape) + " (" +
           analyzer::age_shape_reading(row->shape) + ")</td>";
  }

  std::string top(const Query& q) const {
    Window w = window(q);
    HtmlPage p = page(w, q, "top");
    if (w.base && in.series) return top_growth(p, view(w, q, true), q);
    ViewInput v = view(w, q, false);
    const auto& type = v.now->sample_types[v.now_index];
    analyzer::StackTable stacks(*v.now, v.stacks);
    analyzer::Graph graph(*v.now, stacks, v.now_index);
    p.paragraph(total_line(v, stacks, graph.total()), "total");
    analyzer::Pattern match = q.search.empty() ? analyzer::Pattern() : analyzer::Pattern::compile(q.search, "search");
    analyzer::TopReport r = analyzer::make_top(graph, type, {false, 0, 0.0});
    // The age of live memory, when the profiler tagged the samples (`top --by-age`'s shapes).
    analyzer::AgeReport ages = analyzer::make_age_report(*v.now, stacks, v.now_index, 0.0, 0);
    std::string rows;
    int64_t sum = 0;
    auto pct = [&](int64_t x) {
      return analyzer::format_percent(r.total ? static_cast<double>(x) / static_cast<double>(r.total) : 0);
    };
    for (const auto& row : r.rows) {
      sum += row.flat;
      bool hit = match.matches(row.name);
      rows += std::string("<tr") + (hit ? " class=\"match\"" : "") + "><td>" + xml_escape(row.name) +
              "</td><td class=\"n\">" + analyzer::format_value(row.flat, type.unit) + "</td><td class=\"n\">" +
              pct(row.flat) + "</td><td class=\"n\">" + pct(sum) + "</td><td class=\"n\">" +
              analyzer::format_value(row.cum, type.unit) + "</td><td class=\"n\">" + pct(row.cum) + "</td>" +
              (ages.has_ages() ? age_cell(analyzer::find_age_row(ages, row.name)) : "") + "</tr>\n";
    }
    p.raw(
        "<table class=\"data\" id=\"top-table\"><thead><tr><th>function</th><th class=\"n\">flat</th><th "
        "class=\"n\">flat%</th>"
        "<th class=\"n\">sum%</th><th class=\"n\">cum</th><th class=\"n\">cum%</th>" +
        std::string(ages.has_ages() ? kAgeHeader : "") + "</tr></thead><tbody>\n" + rows + "</tbody></table>\n");
    return p.html();
  }

  std::string graph_svg(const Query& q) const {
    Window w = window(q);
    ViewInput v = view(w, q, true);
    return render_graphviz(render_dot(call_graph_for(v, {}), file_legend(w.now_name, v.base ? w.base_name : "")),
                           "svg");
  }

  // Renders (or reuses) the flame graph for this query; `now_stacks`, when given, is the query's
  // table for the profile, already built.
  std::pair<std::string, int> flame(const Window& w, const Query& q, const analyzer::StackTable* now_stacks = nullptr) {
    std::string key = q.string();
    std::lock_guard lock(flame_mutex);
    if (key != flame_key || flame_svg.empty()) {
      ViewInput v = view(w, q, true);
      v.now_stacks = now_stacks;
      FlameSvgOptions o;
      o.sample_type = v.now->sample_types[v.now_index];
      o.differential = is_differential(v);
      if (o.differential) o.title = "Differential Flame Graph";
      FlameSvgStats st;
      flame_svg = render_flame_svg(flame_tree_for(v, false), o, &st);
      flame_height = st.height;
      flame_key = key;
    }
    return {flame_svg, flame_height};
  }

  std::string text_view(const Query& q, const std::string& name) const {
    Window w = window(q);
    HtmlPage p = page(w, q, name);
    if (q.regex.empty() && q.search.empty()) {
      p.paragraph("Enter a function regex under Functions (or Search) to see its " +
                  std::string(name == "peek" ? "callers and callees." : "source lines."));
      return p.html();
    }
    ViewInput v = view(w, q, in.series != nullptr);
    // A series' window: the views read the growth profile (now minus base, pprof's -diff_base), so
    // every caller, callee and line shows what the window added.
    std::optional<analyzer::Profile> growth;
    if (v.base) {
      growth = analyzer::merge_profiles(*v.now, *v.base, -1);
      v.now_index = growth->sample_index(v.now->sample_types[v.now_index].type);
      v.now = &*growth;
    }
    std::string text;
    if (name == "peek") {
      text = analyzer::render_peek(*v.now, analyzer::StackTable(*v.now, v.stacks), v.now_index, q.functions());
    } else {
      analyzer::StackOptions so = v.stacks;
      so.granularity = analyzer::Granularity::kLines;
      text =
          analyzer::render_list(*v.now, analyzer::StackTable(*v.now, so), v.now_index, q.functions(), in.source_path);
    }
    if (growth) p.paragraph("Values are the growth between the window's ends.", "growth-note");
    p.raw("<pre id=\"" + name + "-text\">" + xml_escape(text) + "</pre>\n");
    return p.html();
  }

  void routes() {
    auto html = [](httplib::Response& res, const std::string& body) {
      res.set_content(body, "text/html; charset=utf-8");
    };
    // Bad patterns and unknown sample types are the user's typos: a 400 page that says which.
    auto guarded = [this](auto handler) {
      return [this, handler](const httplib::Request& req, httplib::Response& res) {
        try {
          Query::from_request(req).check_patterns();
          handler(req, res);
        } catch (const std::exception& e) {
          res.status = 400;
          res.set_content(std::string(e.what()) + "\n", "text/plain");
        }
      };
    };
    server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      res.set_redirect(in.series ? "/ui/timeline" : "/ui/top");
    });
    server.Get("/ui/top", guarded([=, this](const httplib::Request& req, httplib::Response& res) {
                 html(res, top(Query::from_request(req)));
               }));
    server.Get("/ui/graph", guarded([=, this](const httplib::Request& req, httplib::Response& res) {
                 Query q = Query::from_request(req);
                 Window w = window(q);
                 HtmlPage p = page(w, q, "graph");
                 p.paragraph(total_line(view(w, q, false)), "total");
                 std::string qs = q.string();
                 p.raw("<object id=\"graph-object\" type=\"image/svg+xml\" data=\"/svg/graph" +
                       (qs.empty() ? "" : "?" + xml_escape(qs)) + "\" style=\"width:100%;height:760px\"></object>\n");
                 html(res, p.html());
               }));
    server.Get("/ui/flame", guarded([=, this](const httplib::Request& req, httplib::Response& res) {
                 Query q = Query::from_request(req);
                 Window w = window(q);
                 HtmlPage p = page(w, q, "flame");
                 ViewInput v = view(w, q, false);
                 analyzer::StackTable stacks(*v.now, v.stacks);  // for the total line and the graph both
                 p.paragraph(total_line(v, stacks, analyzer::Graph(*v.now, stacks, v.now_index).total()), "total");
                 int height = flame(w, q, &stacks).second;
                 std::string qs = q.string();
                 p.raw("<iframe id=\"flame-frame\" title=\"flame graph\" src=\"/svg/flame" +
                       (qs.empty() ? "" : "?" + xml_escape(qs)) +
                       "\" style=\"width:1220px;border:0;height:" + std::to_string(height + 10) + "px\"></iframe>\n");
                 html(res, p.html());
               }));
    server.Get("/ui/peek", guarded([=, this](const httplib::Request& req, httplib::Response& res) {
                 html(res, text_view(Query::from_request(req), "peek"));
               }));
    server.Get("/ui/source", guarded([=, this](const httplib::Request& req, httplib::Response& res) {
                 html(res, text_view(Query::from_request(req), "source"));
               }));
    server.Get("/svg/graph", guarded([this](const httplib::Request& req, httplib::Response& res) {
                 res.set_content(graph_svg(Query::from_request(req)), "image/svg+xml");
               }));
    server.Get("/svg/flame", guarded([this](const httplib::Request& req, httplib::Response& res) {
                 Query q = Query::from_request(req);
                 res.set_content(flame(window(q), q).first, "image/svg+xml");
               }));
    server.Get("/download", guarded([this](const httplib::Request& req, httplib::Response& res) {
                 Window w = window(Query::from_request(req));
                 std::string name = std::filesystem::path(w.now_name).stem().string() + ".pb.gz";
                 res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
                 res.set_content(analyzer::write_proto_gz(*w.now), "application/octet-stream");
               }));
    if (!in.series) return;
    server.Get("/ui/timeline", guarded([=, this](const httplib::Request& req, httplib::Response& res) {
                 Query q = Query::from_request(req);
                 Window w = window(q);
                 HtmlPage p = page(w, q, "timeline");
                 TimelineWindow tw = timeline_window(q);
                 p.raw(render_timeline_section(*in.series, tw, q.string()));
                 html(res, p.html());
               }));
    server.Get("/api/series", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(render_series_state_json(*in.series), "application/json");
    });
    server.Get("/api/timeline", guarded([this](const httplib::Request& req, httplib::Response& res) {
                 Query q = Query::from_request(req);
                 res.set_content(render_timeline_json(*in.series, timeline_window(q)), "application/json");
               }));
  }
};

WebUi::WebUi(WebUiInput input) : impl_(std::make_unique<Impl>()) {
  impl_->in = std::move(input);
  if (!impl_->in.series) {
    impl_->now = std::make_shared<const analyzer::Profile>(std::move(impl_->in.now));
    if (impl_->in.has_base) impl_->base = std::make_shared<const analyzer::Profile>(std::move(impl_->in.base));
  }
  impl_->routes();
}
WebUi::~WebUi() = default;

int WebUi::bind(const std::string& address) {
  return http::bind_http_server(impl_->server, address, "leakscope serve");
}
void WebUi::serve() { impl_->server.listen_after_bind(); }
void WebUi::stop() { impl_->server.stop(); }

}  // namespace leakscope::viz
