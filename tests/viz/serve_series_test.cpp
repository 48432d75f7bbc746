// `leakscope serve` over a snapshot series, through HTTP: /api/timeline against `leakscope top` and
// `leakscope trend` of the same files, a window's Top against `leakscope diff` and its flame graph
// against `leakscope flame --base`, a watched directory, and the bad-input classes a series has.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "child_process.h"
#include "leakscope/http/query_params.h"
#include "serve_port.h"
#include "viz_test_support.h"
#include "wait_until.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
namespace fs = std::filesystem;

// A running `leakscope serve ARGS...` on a free loopback port.
class Served {
 public:
  explicit Served(std::vector<std::string> args) {
    args.insert(args.begin(), {kLeakscope, "serve"});
    args.insert(args.end(), {"--http", "127.0.0.1:0"});
    child_ = std::make_unique<ChildProcess>(args, std::vector<std::string>{});
    port_ = serve_port(*child_);
    if (port_ != 0 && !serve_read_series(*child_)) port_ = 0;
  }
  ~Served() { child_->terminate(); }
  int port() const { return port_; }
  std::string err() const { return child_->err(); }
  httplib::Result get(const std::string& path) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c.Get(path.c_str());
  }
  json get_json(const std::string& path) const {
    auto r = get(path);
    if (!r || r->status != 200) return json();
    return json::parse(r->body);
  }

 private:
  std::unique_ptr<ChildProcess> child_;
  int port_ = 0;
};

std::string snapshot(const std::string& dir, int n) { return dir + "/snapshot." + std::to_string(n) + ".heap"; }

// The page's text of an escaped cell (xml_escape's five entities).
std::string unescape(std::string s) {
  for (auto [entity, c] :
       {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}, {"&amp;", "&"}})
    for (size_t at; (at = s.find(entity)) != std::string::npos;) s.replace(at, std::string(entity).size(), c);
  return s;
}

json cli_json(std::vector<std::string> args) {
  args.insert(args.begin(), kLeakscope);
  auto r = run_program(args);
  EXPECT_EQ(r.exit_code, 0) << args[1] << ": " << r.err;
  return r.exit_code == 0 ? json::parse(r.out) : json();
}

std::vector<std::string> names(const json& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r["name"]);
  return out;
}

// The five snapshots alone in a directory (make_backlog_series also writes trend.json beside them).
std::string snapshots_only(const std::string& name, std::string* trend_json = nullptr) {
  std::string work = scratch_dir(name);
  EXPECT_TRUE(make_backlog_series(work));
  std::string dir = work + "/series";
  fs::create_directories(dir);
  for (int i = 1; i <= 5; ++i) fs::copy_file(snapshot(work, i), snapshot(dir, i), fs::copy_options::overwrite_existing);
  if (trend_json) *trend_json = work + "/trend.json";
  return dir;
}

TEST(ServeSeriesApi, TimelineHasEverySnapshotWithTopsTotalsAndTrendsSuspects) {
  std::string trend_path;
  std::string dir = snapshots_only("serve_series_api", &trend_path);
  Served s({dir});
  ASSERT_NE(s.port(), 0) << s.err();
  json t = s.get_json("/api/timeline");
  ASSERT_TRUE(t.is_object());
  ASSERT_EQ(t["snapshots"].size(), 5u) << t.dump();
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    const auto& snap = t["snapshots"][i];
    EXPECT_EQ(snap["file"], snapshot(dir, i + 1));  // snapshot.1 ... snapshot.5, in order
    EXPECT_EQ(snap["total"], cli_json({"top", "--json", snapshot(dir, i + 1)})["total"]);
  }
  json trend = json::parse(read_file(trend_path));
  ASSERT_FALSE(trend["suspects"].empty()) << "the backlog leak is a suspect for `leakscope trend`";
  EXPECT_EQ(names(t["suspects"]), names(trend["suspects"]));
  for (size_t i = 0; i < trend["suspects"].size(); ++i)
    EXPECT_EQ(t["suspects"][i]["growth"], trend["suspects"][i]["growth"]);
  // A window's verdict is trend's over the window's files.
  json w = s.get_json("/api/timeline?from=1&to=4");
  EXPECT_EQ(w["window"]["from"], 1);
  EXPECT_EQ(w["window"]["to"], 4);
  json window_trend =
      cli_json({"trend", "--json", snapshot(dir, 2), snapshot(dir, 3), snapshot(dir, 4), snapshot(dir, 5)});
  EXPECT_EQ(names(w["suspects"]), names(window_trend["suspects"]));
}

// A window's Top page as (function, growth) rows.
std::map<std::string, int64_t> growth_rows(const std::string& page) {
  std::map<std::string, int64_t> shown;
  std::regex row(R"re(<tr[^>]*><td>([^<]*)</td><td class="n delta" data-value="(-?\d+)")re");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), row); it != std::sregex_iterator(); ++it)
    shown[unescape((*it)[1].str())] = std::stoll((*it)[2].str());
  return shown;
}

// `leakscope diff --json` of two files as (function, delta) rows.
std::map<std::string, int64_t> diff_rows(const std::string& base, const std::string& now) {
  json diff = cli_json({"diff", "--json", "--nodecount", "0", base, now});
  std::map<std::string, int64_t> expected;
  for (const auto& r : diff["rows"]) expected[r["name"]] = r["delta"];
  return expected;
}

TEST(ServeSeriesApi, WindowTopIsTheDiffOfItsEndsAndFlameIsTheirDifferentialFlameGraph) {
  std::string dir = snapshots_only("serve_series_window");
  Served s({dir});
  ASSERT_NE(s.port(), 0) << s.err();
  auto top = s.get("/ui/top?from=1&to=4");
  ASSERT_TRUE(top);
  ASSERT_EQ(top->status, 200) << top->body;
  auto expected = diff_rows(snapshot(dir, 2), snapshot(dir, 5));
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(growth_rows(top->body), expected);

  auto flame = s.get("/svg/flame?from=1&to=4");
  ASSERT_TRUE(flame);
  std::string cli_svg = fs::path(dir).parent_path().string() + "/window.svg";
  auto r = run_program({kLeakscope, "flame", snapshot(dir, 5), "--base", snapshot(dir, 2), "-o", cli_svg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto titles = [](const std::string& svg) {
    auto v = all_matches(svg, R"(<g class="f"[^>]*><title>([^<]*)</title>)");
    return std::multiset<std::string>(v.begin(), v.end());
  };
  EXPECT_FALSE(titles(flame->body).empty());
  EXPECT_EQ(titles(flame->body), titles(read_file(cli_svg)));
  // Without a window the views show the last snapshot alone.
  auto last = s.get("/ui/top");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body.find("n delta"), std::string::npos);
}

std::string regex_escape(const std::string& name) {
  return std::regex_replace(name, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

// The number in the first column of peek's line for `name` itself (not a caller or callee line).
std::string peek_flat(const std::string& peek_text, const std::string& name) {
  std::regex line("^ *(\\S+) .*\\| " + regex_escape(name) + "$");
  std::smatch m;
  std::stringstream text(unescape(peek_text));
  for (std::string l; std::getline(text, l);)
    if (std::regex_match(l, m, line)) return m[1];
  return "";
}

TEST(ServeSeriesApi, WindowPeekAndSourceShowTheGrowthNotTheLastSnapshot) {
  std::string dir = snapshots_only("serve_series_peek");
  Served s({dir});
  ASSERT_NE(s.port(), 0) << s.err();
  // The function that grew most in snapshots 2 -> 5, and its growth as `top --base` prints it.
  json diff = cli_json({"diff", "--json", "--nodecount", "0", snapshot(dir, 2), snapshot(dir, 5)});
  ASSERT_FALSE(diff["rows"].empty());
  std::string grown = diff["rows"][0]["name"];
  std::string exact = http::encode_query_component("^" + regex_escape(grown) + "$");
  auto flat_column = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kLeakscope, "top", "--nodecount", "0"});
    auto r = run_program(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::smatch m;
    std::string out = r.out;
    std::regex row("\n *(\\S+) +\\S+ +\\S+ +\\S+ +\\S+ +" + regex_escape(grown) + "\n");
    return std::regex_search(out, m, row) ? m[1].str() : std::string();
  };
  std::string growth = flat_column({snapshot(dir, 5), "--base", snapshot(dir, 2)});
  std::string last = flat_column({snapshot(dir, 5)});
  ASSERT_FALSE(growth.empty());
  ASSERT_NE(growth, last) << "the window's growth must differ from the last snapshot for this test to tell them apart";

  auto peek = s.get("/ui/peek?from=1&to=4&regex=" + exact);
  ASSERT_TRUE(peek);
  ASSERT_EQ(peek->status, 200) << peek->body;
  auto text = all_matches(peek->body, R"re(<pre id="peek-text">([\s\S]*)</pre>)re");
  ASSERT_EQ(text.size(), 1u) << peek->body;
  EXPECT_EQ(peek_flat(text[0], grown), growth) << text[0];
  // Without a window, peek is the last snapshot's.
  auto alone = s.get("/ui/peek?regex=" + exact);
  ASSERT_TRUE(alone);
  auto alone_text = all_matches(alone->body, R"re(<pre id="peek-text">([\s\S]*)</pre>)re");
  ASSERT_EQ(alone_text.size(), 1u);
  EXPECT_EQ(peek_flat(alone_text[0], grown), last) << alone_text[0];

  auto source = s.get("/ui/source?from=1&to=4&regex=" + exact);
  ASSERT_TRUE(source);
  ASSERT_EQ(source->status, 200) << source->body;
  EXPECT_NE(source->body.find("class=\"growth-note\""), std::string::npos);
  auto listing = all_matches(source->body, R"re(<pre id="source-text">([\s\S]*)</pre>)re");
  ASSERT_EQ(listing.size(), 1u) << source->body;
  EXPECT_NE(unescape(listing[0]).find(growth), std::string::npos) << listing[0];
}

TEST(ServeSeriesApi, ALongSeriesReadInParallelKeepsItsOrder) {
  // Folded stacks with one mtime: no times to sort by, so the order is the files' (numbers as numbers).
  std::string dir = scratch_dir("serve_series_parallel") + "/series";
  fs::create_directories(dir);
  constexpr int kFiles = 40;
  auto when = fs::file_time_type::clock::now();
  for (int i = 1; i <= kFiles; ++i) {
    std::string text;
    for (int k = 0; k < 200; ++k) text += "main;work_" + std::to_string(k) + " 10\n";
    text += "main;grow " + std::to_string(i * 1000) + "\n";
    std::string path = write_text(dir + "/snapshot." + std::to_string(i) + ".folded", text);
    fs::last_write_time(path, when);
  }
  Served s({dir});
  ASSERT_NE(s.port(), 0) << s.err();
  EXPECT_NE(s.err().find("leakscope serve: read " + std::to_string(kFiles) + " snapshots (0 skipped)"),
            std::string::npos)
      << s.err();
  json t = s.get_json("/api/timeline");
  EXPECT_TRUE(t["loading"].is_null()) << t["loading"].dump();
  ASSERT_EQ(t["snapshots"].size(), static_cast<size_t>(kFiles));
  for (int i = 0; i < kFiles; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(t["snapshots"][i]["file"], dir + "/snapshot." + std::to_string(i + 1) + ".folded");
    EXPECT_EQ(t["snapshots"][i]["total"], 200 * 10 + (i + 1) * 1000);
  }
}

TEST(ServeSeriesApi, AWindowOutsideTheSeriesIs400SayingWhatWasExpected) {
  std::string dir = snapshots_only("serve_series_bad_window");
  Served s({dir});
  ASSERT_NE(s.port(), 0) << s.err();
  for (auto [path, body] : {std::pair{"/ui/top?from=9", "from: expected a snapshot index from 0 to 4, got '9'\n"},
                            {"/api/timeline?to=x", "to: expected a snapshot index from 0 to 4, got 'x'\n"},
                            {"/ui/flame?from=3&to=1", "from: snapshot 3 comes after to (1)\n"}}) {
    SCOPED_TRACE(path);
    auto r = s.get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->body, body);
  }
}

TEST(ServeSeriesApi, ANewSnapshotInTheDirectoryAppears) {
  std::string dir = snapshots_only("serve_series_watch");
  std::string later = fs::path(dir).parent_path().string() + "/later";
  fs::create_directories(later);
  for (int i = 1; i <= 3; ++i) fs::copy_file(snapshot(dir, i), snapshot(later, i));
  Served s({later, "--every", "0.2"});
  ASSERT_NE(s.port(), 0) << s.err();
  EXPECT_EQ(s.get_json("/api/timeline")["snapshots"].size(), 3u);
  fs::copy_file(snapshot(dir, 4), later + "/.snapshot.4.heap.tmp");  // written, then renamed into place
  fs::rename(later + "/.snapshot.4.heap.tmp", snapshot(later, 4));
  EXPECT_TRUE(wait_until([&] { return s.get_json("/api/timeline")["snapshots"].size() == 4; }, 30s));
  EXPECT_EQ(s.get_json("/api/timeline")["snapshots"][3]["file"], snapshot(later, 4));
}

// Bad input: the command's one stderr line and exit code (a serve that starts is stopped after 60 s).
CommandResult serve_fails(std::vector<std::string> args) {
  args.insert(args.begin(), {kLeakscope, "serve"});
  args.insert(args.end(), {"--http", "127.0.0.1:0"});
  return run_program(args, std::chrono::seconds(60));
}

TEST(ServeSeriesBadInput, AnEmptyDirectoryIsOneLineExit2) {
  std::string dir = scratch_dir("serve_series_empty") + "/empty";
  fs::create_directories(dir);
  auto r = serve_fails({dir});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "leakscope: " + dir +
                ": empty directory, expected heap snapshots (jemalloc dumps, .pb.gz, legacy heap or folded files)\n");
}

TEST(ServeSeriesBadInput, AnUnreadableSnapshotIsSkippedWithAWarning) {
  std::string dir = snapshots_only("serve_series_unreadable");
  write_text(dir + "/snapshot.6.heap", "heap_v2/524288\n  t*: not numbers\n");
  Served s({dir});
  ASSERT_NE(s.port(), 0) << s.err();
  EXPECT_EQ(s.get_json("/api/timeline")["snapshots"].size(), 5u);
  EXPECT_NE(s.err().find("leakscope serve: warning: " + dir + "/snapshot.6.heap"), std::string::npos) << s.err();
  EXPECT_NE(s.err().find("(skipped)"), std::string::npos) << s.err();
  EXPECT_NE(s.err().find("leakscope serve: read 6 snapshots (1 skipped)"), std::string::npos) << s.err();
}

TEST(ServeSeriesBadInput, NoUsableSnapshotIsExit2) {
  std::string dir = scratch_dir("serve_series_unusable") + "/bad";
  fs::create_directories(dir);
  write_text(dir + "/a.heap", "not a profile\n");
  write_text(dir + "/b.heap", "heap_v2/524288\n  t*: not numbers\n");
  auto r = serve_fails({dir});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("leakscope: " + dir + ": no usable snapshot among 2 (2 skipped, see the warnings above)\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("warning: " + dir + "/a.heap"), std::string::npos) << r.err;
}

TEST(ServeSeriesBadInput, ASnapshotOfAnotherSampleTypeIsSkippedWithAWarning) {
  std::string dir = snapshots_only("serve_series_types");
  write_text(dir + "/snapshot.6.folded", "main;work 100\n");  // folded stacks: "samples", not inuse_space
  Served s({dir});
  ASSERT_NE(s.port(), 0) << s.err();
  EXPECT_EQ(s.get_json("/api/timeline")["snapshots"].size(), 5u);
  EXPECT_NE(s.err().find(dir + "/snapshot.6.folded: no sample type inuse_space like the rest of the series"),
            std::string::npos)
      << s.err();
}

TEST(ServeSeriesBadInput, SeveralCollectInstancesNeedInstance) {
  std::string src = snapshots_only("serve_series_instances");
  std::string dir = fs::path(src).parent_path().string() + "/collected";
  fs::create_directories(dir);
  // collect's names: <instance>.<seq>.pb.gz
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(
        run_program({kLeakscope, "convert", snapshot(src, i), "-o", dir + "/relay-a." + std::to_string(i) + ".pb.gz"})
            .exit_code,
        0);
    ASSERT_EQ(run_program(
                  {kLeakscope, "convert", snapshot(src, i + 2), "-o", dir + "/relay-b." + std::to_string(i) + ".pb.gz"})
                  .exit_code,
              0);
  }
  auto r = serve_fails({dir});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "leakscope: " + dir +
                       ": holds snapshots of several instances: relay-a (3), relay-b (3); pick one with --instance\n");
  Served s({dir, "--instance", "relay-b"});
  ASSERT_NE(s.port(), 0) << s.err();
  json t = s.get_json("/api/timeline");
  ASSERT_EQ(t["snapshots"].size(), 3u);
  EXPECT_EQ(t["snapshots"][0]["file"], dir + "/relay-b.1.pb.gz");
  EXPECT_EQ(t["snapshots"][0]["total"], cli_json({"top", "--json", snapshot(src, 3)})["total"]);
}

// collect's layout with two instances: each served with --instance has its own timeline, window
// growth (Top as `diff` of that instance's files) and verdict (`trend` of its files).
TEST(ServeSeriesApi, EachCollectedInstanceHasItsOwnWindowGrowthAndVerdict) {
  std::string src = snapshots_only("serve_series_fleet");
  std::string dir = fs::path(src).parent_path().string() + "/collected";
  fs::create_directories(dir);
  auto file = [&](const std::string& instance, int seq) {
    return dir + "/" + instance + "." + std::to_string(seq) + ".pb.gz";
  };
  // relay-a holds snapshots 1..3 of the backlog, relay-b 3..5: their windows grow differently.
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(run_program({kLeakscope, "convert", snapshot(src, i), "-o", file("relay-a", i)}).exit_code, 0);
    ASSERT_EQ(run_program({kLeakscope, "convert", snapshot(src, i + 2), "-o", file("relay-b", i)}).exit_code, 0);
  }
  std::map<std::string, std::map<std::string, int64_t>> growth;
  for (const std::string instance : {"relay-a", "relay-b"}) {
    SCOPED_TRACE(instance);
    Served s({dir, "--instance", instance});
    ASSERT_NE(s.port(), 0) << s.err();
    json t = s.get_json("/api/timeline?from=0&to=2");
    ASSERT_EQ(t["snapshots"].size(), 3u) << t.dump();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(t["snapshots"][i]["file"], file(instance, i + 1));
    json trend = cli_json({"trend", "--json", file(instance, 1), file(instance, 2), file(instance, 3)});
    EXPECT_EQ(names(t["suspects"]), names(trend["suspects"]));
    auto top = s.get("/ui/top?from=0&to=2");
    ASSERT_TRUE(top);
    ASSERT_EQ(top->status, 200) << top->body;
    auto expected = diff_rows(file(instance, 1), file(instance, 3));
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(growth_rows(top->body), expected);
    growth[instance] = expected;
  }
  EXPECT_NE(growth["relay-a"], growth["relay-b"]) << "each instance's own files, not one series of both";
}

TEST(ServeSeriesBadInput, SeveralUrlsAreOneLineExit2NamingThem) {
  // Nothing listens there: the check comes before any fetch.
  auto r = serve_fails({"http://127.0.0.1:9/debug/pprof/heap", "http://127.0.0.1:10/debug/pprof/heap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "leakscope: http://127.0.0.1:9/debug/pprof/heap: a series follows one process, got 2 URLs "
            "(http://127.0.0.1:9/debug/pprof/heap, http://127.0.0.1:10/debug/pprof/heap); serve each on its own "
            "--http port, or `leakscope collect` them into a DIR and serve it with --instance\n");
}

TEST(TrendOfADirectory, IsTheTrendOfItsSnapshotsInOrder) {
  std::string trend_path;
  std::string dir = snapshots_only("trend_directory", &trend_path);
  json of_dir = cli_json({"trend", "--json", dir});
  EXPECT_EQ(of_dir["snapshots"], 5);
  EXPECT_EQ(of_dir["totals"],
            json::parse(read_file(trend_path))["totals"]);  // same order as the files named one by one
  std::string empty = fs::path(dir).parent_path().string() + "/empty";
  fs::create_directories(empty);
  auto r = run_program({kLeakscope, "trend", empty});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "leakscope: " + empty +
                ": empty directory, expected heap snapshots (jemalloc dumps, .pb.gz, legacy heap or folded files)\n");
  r = run_program({kLeakscope, "trend", snapshot(dir, 1)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "leakscope: " + snapshot(dir, 1) + ": a trend needs two or more snapshots, got one\n");
}

// trend judges every snapshot of a DIR: one it cannot use is one line naming that file, exit 2
// (serve skips it with a warning instead, above).
TEST(TrendOfADirectory, ASnapshotItCannotUseIsOneLineExit2) {
  auto expect_one_line = [](const CommandResult& r, const std::string& start) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "") << "no partial output";
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind(start, 0), 0u) << r.err;
  };
  {
    SCOPED_TRACE("one unreadable snapshot");
    std::string dir = snapshots_only("trend_directory_unreadable");
    write_text(dir + "/snapshot.6.heap", "heap_v2/524288\n  t*: not numbers\n");
    expect_one_line(run_program({kLeakscope, "trend", dir}), "leakscope: " + dir + "/snapshot.6.heap:line 2");
  }
  {
    SCOPED_TRACE("a snapshot of another sample type");
    std::string dir = snapshots_only("trend_directory_types");
    write_text(dir + "/snapshot.6.folded", "main;work 100\n");  // folded stacks: "samples", not inuse_space
    auto r = run_program({kLeakscope, "trend", dir});
    expect_one_line(r, "leakscope: " + dir + "/snapshot.6.folded: ");
    EXPECT_NE(r.err.find("inuse_space"), std::string::npos) << "names the type it lacks: " << r.err;
  }
  {
    SCOPED_TRACE("only hidden and temporary files");
    std::string dir = scratch_dir("trend_directory_transient") + "/transient";
    fs::create_directories(dir);
    std::string src = snapshots_only("trend_directory_transient_src");
    fs::copy_file(snapshot(src, 1), dir + "/.snapshot.1.heap");
    fs::copy_file(snapshot(src, 2), dir + "/snapshot.2.heap.tmp");
    fs::copy_file(snapshot(src, 3), dir + "/relay-a.3.pb.gz.partial");
    auto r = run_program({kLeakscope, "trend", dir});
    expect_one_line(r, "leakscope: " + dir + ": no snapshot, only 3 hidden or temporary files");
    EXPECT_NE(r.err.find("expected heap snapshots"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace leakscope::test
