// Profiles from where pprof takes them: http(s) URLs of a real profiled process (profiled_service,
// linking the profiler), standard input and pipes. Every failure is one line naming the URL, exit 2.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "child_process.h"
#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/profile_source.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "run_command.h"
#include "serve_port.h"
#include "wait_until.h"

namespace leakscope::test {

using analyzer::aggregate;
using analyzer::fetch_timeout_seconds;
using analyzer::gunzip;
using analyzer::gzip;
using analyzer::is_url;
using analyzer::Profile;
using analyzer::read_profile;
using analyzer::read_profile_source;
using analyzer::read_proto;
using analyzer::StackTable;
using analyzer::url_with_seconds;

namespace {

using namespace std::chrono_literals;
const std::string kLeakscope = LEAKSCOPE_BIN;
const std::string kService = PROFILED_SERVICE_BIN;
const std::string kLeakFunction = "(anonymous namespace)::leak_step";
// Tests decide the token; one from the environment running them must not leak in.
const std::vector<std::string> kNoToken = {"env", "-u", "LEAKSCOPE_DEBUG_TOKEN"};

int64_t leaked_in(const Profile& p) {
  auto agg = aggregate(p, StackTable(p, {}), p.sample_index("inuse_space"));
  auto it = agg.nodes.find(kLeakFunction);
  return it == agg.nodes.end() ? 0 : it->second.flat;
}

// The error contract: exit 2, nothing on stdout, one line on stderr naming the URL.
void expect_one_line_error(const CommandResult& r, const std::string& url) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("leakscope: " + url, 0), 0u) << "names the URL first: " << r.err;
}

// A loopback port that refuses connections: bound (so nobody else takes it) but not listening.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~RefusingPort() { ::close(fd_); }
  int port() const { return port_; }
  // Listening but never accepting: the kernel completes the connection, no answer ever comes.
  void listen_silently() { ::listen(fd_, 4); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class LiveService : public ::testing::Test {
 protected:
  void start(std::vector<std::string> env = {}) {
    env.push_back("LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0");
    env.push_back("MALLOC_CONF=lg_prof_sample:12");
    service_ = std::make_unique<ChildProcess>(std::vector<std::string>{kService, "--rate", "20"}, env);
    ASSERT_TRUE(service_->wait_for_output("ready", 10s)) << service_->err();
    port_ = debug_port(*service_);
    ASSERT_GT(port_, 0) << service_->err();
  }
  void SetUp() override {
    start();
    ASSERT_TRUE(wait_until([&] { return leaked_now() > 0; }, 20s, 100ms)) << "leak_step never showed";
  }
  std::string url(const std::string& path = "/debug/pprof/heap") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int64_t leaked_now() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    auto r = c.Get("/debug/pprof/heap");
    if (!r || r->status != 200) return 0;
    return leaked_in(read_proto(gunzip(r->body, "response", 1 << 30), "response"));
  }
  // `env` (NAME=value) comes after kNoToken's unsetting, so it may set the token.
  CommandResult leakscope(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = kNoToken;
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(kLeakscope);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
  }

  std::unique_ptr<ChildProcess> service_;
  int port_ = 0;
};

TEST_F(LiveService, TopOnAUrlNamesTheLeak) {
  auto r = leakscope({"top", url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("File: " + url()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("leak_step"), std::string::npos) << r.out;
}

TEST_F(LiveService, EveryProfileCommandTakesAUrl) {
  auto dir = scratch_dir("url-commands");
  const std::vector<std::vector<std::string>> commands = {{"traces", url()},
                                                          {"peek", url(), "leak_step"},
                                                          {"list", url(), "leak_step"},
                                                          {"flame", url(), "-o", dir + "/f.svg"},
                                                          {"dot", url(), "-o", dir + "/g.dot"},
                                                          {"report", url(), "-o", dir + "/report"},
                                                          {"convert", url(), "-o", dir + "/c.folded"}};
  for (const auto& args : commands) {
    SCOPED_TRACE(args[0]);
    auto r = leakscope(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_NE(read_file(dir + "/f.svg").find("leak_step"), std::string::npos);
  EXPECT_NE(read_file(dir + "/c.folded").find("leak_step"), std::string::npos);
}

TEST_F(LiveService, DiffOfAFileAndAUrlAndOfTwoUrls) {
  auto dir = scratch_dir("url-diff");
  std::string file = dir + "/then.pb.gz";
  auto c = leakscope({"convert", url(), "-o", file});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  int64_t then = leaked_in(read_profile(file));
  ASSERT_GT(then, 0);
  ASSERT_TRUE(wait_until([&] { return leaked_now() > then; }, 20s, 100ms)) << "the service leaks steadily";
  const std::vector<std::vector<std::string>> commands = {
      {"diff", file, url()}, {"diff", url(), url()}, {"top", "--base", file, url()}};
  for (const auto& args : commands) {
    SCOPED_TRACE(args[0] + " " + args[1]);
    auto r = leakscope(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (args[1] != url()) {  // two fetches in a row need not differ; file vs now does
      EXPECT_NE(r.out.find("leak_step"), std::string::npos) << r.out;
    }
  }
}

TEST_F(LiveService, TrendOverUrls) {
  auto r = leakscope({"trend", "--json", url(), url(), url()});
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["snapshots"], 3) << r.out;
}

// Heap text has no timestamp: a fetched one is stamped when it was taken, as a file by its mtime.
TEST_F(LiveService, FetchedHeapTextIsStampedWhenTaken) {
  auto before = std::chrono::system_clock::now();
  Profile p = read_profile_source(url("/debug/pprof/heap?debug=1"));
  auto after = std::chrono::system_clock::now();
  auto ns = [](auto t) { return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(); };
  EXPECT_GE(p.time_nanos, ns(before));
  EXPECT_LE(p.time_nanos, ns(after));
  EXPECT_GT(leaked_in(p), 0);
}

TEST_F(LiveService, SecondsAsksForADeltaProfile) {
  auto dir = scratch_dir("url-seconds");
  auto r = leakscope({"convert", "--seconds", "1", url(), "-o", dir + "/delta.pb.gz"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Profile d = read_profile(dir + "/delta.pb.gz");
  EXPECT_NE(std::find(d.comments.begin(), d.comments.end(), "delta profile over 1s"), d.comments.end());
  EXPECT_GT(leaked_in(d), 0) << "the service leaks during the second";
  // A query already there is kept; its own seconds= is replaced (99 s would outlast --timeout).
  r = leakscope({"convert", "--seconds", "1", "--timeout", "20", url("/debug/pprof/heap?gc=1&seconds=99"), "-o",
                 dir + "/delta2.pb.gz"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  d = read_profile(dir + "/delta2.pb.gz");
  EXPECT_NE(std::find(d.comments.begin(), d.comments.end(), "delta profile over 1s"), d.comments.end());
}

TEST_F(LiveService, UnknownPathIs404NamingTheUrl) {
  auto r = leakscope({"top", url("/debug/pprof/nosuch")});
  expect_one_line_error(r, url("/debug/pprof/nosuch"));
  EXPECT_NE(r.err.find(": HTTP 404"), std::string::npos) << r.err;
}

TEST_F(LiveService, BadParameterIsTheServersReason) {
  auto r = leakscope({"top", url("/debug/pprof/heap?debug=abc")});
  expect_one_line_error(r, url("/debug/pprof/heap?debug=abc"));
  EXPECT_NE(r.err.find(": HTTP 400"), std::string::npos) << r.err;
}

TEST_F(LiveService, NonProfileBodyIsTheFormatErrorNamingTheUrl) {
  auto r = leakscope({"top", url("/debug/vars")});
  expect_one_line_error(r, url("/debug/vars"));
  EXPECT_NE(r.err.find("not a recognized profile"), std::string::npos) << r.err;
}

TEST_F(LiveService, ResponsesOverTheSizeLimitsStopTheTransfer) {
  auto r = leakscope({"top", url()}, {"LEAKSCOPE_MAX_INPUT_BYTES=100"});
  expect_one_line_error(r, url());
  EXPECT_NE(r.err.find("larger than the 100-byte limit"), std::string::npos) << r.err;
  // Over the limit only once inflated: the gzip limit applies as to files.
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(30, 0);
  auto body = c.Get("/debug/pprof/heap");
  ASSERT_TRUE(body && body->status == 200);
  size_t packed = body->body.size(), inflated = gunzip(body->body, "response", 1 << 30).size();
  ASSERT_GT(inflated, packed + 64);
  // Halfway between the two sizes: the transfer fits, the profile does not. (It was 2 x packed, which a
  // young, small profile that compresses less than 2:1 under a loaded machine did not reach.) The
  // heap only grows, so the next fetch is no smaller.
  size_t limit = packed + (inflated - packed) / 2;
  r = leakscope({"top", url()}, {"LEAKSCOPE_MAX_INPUT_BYTES=" + std::to_string(limit)});
  expect_one_line_error(r, url());
  EXPECT_NE(r.err.find("inflates beyond the " + std::to_string(limit) + "-byte limit"), std::string::npos) << r.err;
}

class TokenProtected : public LiveService {
 protected:
  void SetUp() override { start({"LEAKSCOPE_DEBUG_TOKEN=secret"}); }
};

TEST_F(TokenProtected, NeedsTheTokenFromTheFlagOrTheEnvironment) {
  auto r = leakscope({"top", url()});
  expect_one_line_error(r, url());
  EXPECT_NE(r.err.find(": HTTP 401 (missing or wrong token; give --token or LEAKSCOPE_DEBUG_TOKEN)"), std::string::npos)
      << r.err;
  r = leakscope({"top", "--token", "nope", url()});
  expect_one_line_error(r, url());
  EXPECT_NE(r.err.find(": HTTP 401"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("nope"), std::string::npos) << "a token is never repeated: " << r.err;
  // The endpoint's heap may still be empty at first; the token is what is tested, so any profile will do.
  for (std::string env : {"", "LEAKSCOPE_DEBUG_TOKEN=secret"}) {
    SCOPED_TRACE(env);
    r = env.empty() ? leakscope({"top", "--json", "--token", "secret", url()})
                    : leakscope({"top", "--json", url()}, {env});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["sample_type"], "inuse_space") << "the heap profile was read: " << r.out;
  }
  r = leakscope({"top", url("/debug/pprof/heap?token=wrong")});
  EXPECT_NE(r.err.find("token=xxx"), std::string::npos) << "a token in the URL is not repeated: " << r.err;
}

TEST(UrlErrors, ConnectionRefused) {
  RefusingPort port;
  std::string url = "http://127.0.0.1:" + std::to_string(port.port()) + "/debug/pprof/heap";
  auto r = run_program({kLeakscope, "top", url});
  expect_one_line_error(r, url);
  EXPECT_EQ(r.err, "leakscope: " + url + ": connection refused\n");
}

TEST(UrlErrors, NoAnswerTimesOut) {
  RefusingPort port;
  port.listen_silently();
  std::string url = "http://127.0.0.1:" + std::to_string(port.port()) + "/debug/pprof/heap";
  auto r = run_program({kLeakscope, "top", "--timeout", "0.5", url});
  expect_one_line_error(r, url);
  EXPECT_NE(r.err.find("timed out after 0.5 s"), std::string::npos) << r.err;
}

TEST(UrlErrors, OtherSchemesAreNamed) {
  auto r = run_program({kLeakscope, "top", "ftp://127.0.0.1/heap"});
  expect_one_line_error(r, "ftp://127.0.0.1/heap");
  EXPECT_NE(r.err.find("unsupported URL scheme 'ftp'"), std::string::npos) << r.err;
}

TEST(UrlOptions, SecondsGoIntoTheQuery) {
  EXPECT_EQ(url_with_seconds("http://h/debug/pprof/heap", 5), "http://h/debug/pprof/heap?seconds=5");
  EXPECT_EQ(url_with_seconds("http://h/p?gc=1", 5), "http://h/p?gc=1&seconds=5");
  EXPECT_EQ(url_with_seconds("http://h/p?seconds=9&gc=1#x", 5), "http://h/p?gc=1&seconds=5#x");
  EXPECT_EQ(fetch_timeout_seconds({.seconds = 30}), 90);
  EXPECT_EQ(fetch_timeout_seconds({.seconds = 30, .timeout_seconds = 5}), 35);
  EXPECT_TRUE(is_url("HTTPS://x/"));
  EXPECT_FALSE(is_url("httpx.pb.gz"));
}

// https: a local TLS server with a certificate from a test CA (a self-signed one, made by openssl).
class Https : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir("https");
    for (const char* name : {"server", "other"}) {
      auto r = run_program({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                            dir_ + "/" + name + ".key", "-out", dir_ + "/" + name + ".pem"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    server_ = std::make_unique<httplib::SSLServer>((dir_ + "/server.pem").c_str(), (dir_ + "/server.key").c_str());
    ASSERT_TRUE(server_->is_valid());
    server_->Get("/debug/pprof/heap", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(gzip("main;serve;tls_leak 4096\nmain;idle 1024\n"), "application/octet-stream");
    });
    server_->Get("/debug/vars", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{\"memstats\": {}}", "application/json");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url(const std::string& path = "/debug/pprof/heap") const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::string dir_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(Https, VerifiesAgainstTheCaFile) {
  auto r = run_program({kLeakscope, "top", "--ca-file", dir_ + "/server.pem", url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tls_leak"), std::string::npos) << r.out;
  r = run_program({kLeakscope, "top", "--ca-file", dir_ + "/server.pem", url("/debug/vars")});
  expect_one_line_error(r, url("/debug/vars"));
  EXPECT_NE(r.err.find("not a recognized profile"), std::string::npos) << "past TLS to the format: " << r.err;
}

TEST_F(Https, AnUntrustedCertificateIsRefused) {
  for (std::string ca : {std::string(), dir_ + "/other.pem"}) {
    SCOPED_TRACE(ca);
    auto r =
        ca.empty() ? run_program({kLeakscope, "top", url()}) : run_program({kLeakscope, "top", "--ca-file", ca, url()});
    expect_one_line_error(r, url());
    EXPECT_NE(r.err.find("TLS certificate not trusted"), std::string::npos) << r.err;
  }
}

// `-` and pipes: no size is known in advance, the same limit applies as the bytes arrive.
class Streams : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir("streams");
    std::ofstream(dir_ + "/p.folded") << "main;serve;stream_leak 5000\nmain;idle 1500\n";
    gz_ = dir_ + "/p.folded.gz";
    std::ofstream(gz_, std::ios::binary) << gzip(read_file(dir_ + "/p.folded"));
  }
  std::string dir_, gz_;
};

// A shell on purpose here and below: a pipe, a redirection, process substitution and a FIFO writer are
// what these tests feed the CLI.
TEST_F(Streams, StdinAndPipes) {
  const std::string leakscope = shell_quote(kLeakscope), gz = shell_quote(gz_);
  for (std::string cmd : {"cat " + gz + " | " + leakscope + " top -", leakscope + " top - < " + gz,
                          "bash -c " + shell_quote(leakscope + " top <(cat " + gz + ")")}) {
    SCOPED_TRACE(cmd);
    auto r = run_command(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("stream_leak"), std::string::npos) << r.out;
  }
}

TEST_F(Streams, Fifo) {
  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(run_program({"mkfifo", fifo}).exit_code, 0);
  auto r = run_command("cat " + shell_quote(gz_) + " > " + shell_quote(fifo) + " & " + shell_quote(kLeakscope) +
                       " top " + shell_quote(fifo));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stream_leak"), std::string::npos) << r.out;
}

TEST_F(Streams, OverTheLimitIsStopped) {
  auto r = run_command("cat " + shell_quote(dir_ + "/p.folded") + " | LEAKSCOPE_MAX_INPUT_BYTES=20 " +
                       shell_quote(kLeakscope) + " top -");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "leakscope: -: input is larger than the 20-byte limit (set LEAKSCOPE_MAX_INPUT_BYTES to raise it)\n");
  r = run_program({kLeakscope, "top", "-"});  // run_program's stdin is /dev/null
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("-: empty"), std::string::npos) << r.err;
}

// The web UI on a live profile: a view over HTTP from `serve URL`.
TEST_F(LiveService, ServeShowsALiveProfile) {
  ChildProcess serve({kLeakscope, "serve", url(), "--http", "127.0.0.1:0"}, {});
  int port = serve_port(serve, 30s);
  ASSERT_NE(port, 0) << serve.err();
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  auto r = c.Get("/ui/top");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("leak_step"), std::string::npos);
}

// URL options given with files only: warned once per run (naming the first file), the files still read.
TEST_F(LiveService, UrlOptionsOnFilesAreWarnedOnce) {
  auto dir = scratch_dir("url-options-on-files");
  std::string file = dir + "/now.pb.gz";
  ASSERT_EQ(leakscope({"convert", url(), "-o", file}).exit_code, 0);
  for (const auto& option :
       std::vector<std::vector<std::string>>{{"--seconds", "2"}, {"--token", "secret"}, {"--ca-file", file}}) {
    SCOPED_TRACE(option[0]);
    auto r = leakscope({"trend", "--json", option[0], option[1], file, file, file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["snapshots"], 3) << "all three files read: " << r.out;
    EXPECT_EQ(r.err, "leakscope: warning: --seconds, --token and --ca-file apply to http(s) URLs only; ignored for " +
                         file + "\n");
  }
  // From the environment, a token is not an option given: no warning.
  auto r = leakscope({"top", file}, {"LEAKSCOPE_DEBUG_TOKEN=secret"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

// `serve URL` polls the live process into a bounded series: the leak grows from its first snapshot.
TEST_F(LiveService, ServeUrlFollowsTheProcessInABoundedSeries) {
  ChildProcess serve({kLeakscope, "serve", url(), "--every", "0.2", "--max-snapshots", "3", "--http", "127.0.0.1:0"},
                     {});
  int port = serve_port(serve, 30s);
  ASSERT_NE(port, 0) << serve.err();
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  auto files = [&] {
    std::vector<std::string> out;
    auto r = c.Get("/api/timeline");
    if (!r || r->status != 200) return out;
    nlohmann::json timeline = nlohmann::json::parse(r->body);
    for (const auto& snap : timeline["snapshots"]) out.push_back(snap["file"]);
    return out;
  };
  // Three snapshots, then more fetches: the series stays at three, the oldest dropped.
  ASSERT_TRUE(wait_until([&] { return files().size() == 3; }, 60s)) << serve.err();
  std::string oldest = files().front();
  ASSERT_TRUE(wait_until(
      [&] {
        auto f = files();
        return !f.empty() && f.front() != oldest;
      },
      60s))
      << serve.err();
  EXPECT_EQ(files().size(), 3u);
  auto top = c.Get("/ui/top?from=0&to=2");
  ASSERT_TRUE(top);
  ASSERT_EQ(top->status, 200) << top->body;
  std::smatch row;
  ASSERT_TRUE(std::regex_search(
      top->body, row,
      std::regex(R"re(<td>(?:\(anonymous namespace\)::)?leak_step</td><td class="n delta" data-value="(-?\d+)")re")))
      << top->body;
  EXPECT_GT(std::stoll(row[1]), 0) << "leak_step grew between the window's ends";
}

}  // namespace
}  // namespace leakscope::test
