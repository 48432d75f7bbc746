// The debug endpoints of a real process (profiled_service, linking the profiler), over real HTTP on
// loopback; `go tool pprof` as the client that must just work.
#include <gtest/gtest.h>

#include <httplib.h>
#include <atomic>

#include <signal.h>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>

#include "child_process.h"
#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "raw_connection.h"
#include "run_command.h"
#include "wait_until.h"

namespace leakscope::test {

using analyzer::aggregate;
using analyzer::gunzip;
using analyzer::Profile;
using analyzer::read_legacy_heap;
using analyzer::read_profile;
using analyzer::read_proto;
using analyzer::StackTable;

namespace {

using namespace std::chrono_literals;
const std::string kService = PROFILED_SERVICE_BIN;
const std::string kLeakFunction = "(anonymous namespace)::leak_step";

int64_t flat_of(const Profile& p, const std::string& function, const char* type = "inuse_space") {
  if (p.sample_index(type) < 0) return 0;
  auto agg = aggregate(p, StackTable(p, {}), p.sample_index(type));
  auto it = agg.nodes.find(function);
  return it == agg.nodes.end() ? 0 : it->second.flat;
}

Profile parse_gz_proto(const std::string& body) { return read_proto(gunzip(body, "response", 1 << 30), "response"); }

// The snapshots written into `dir` whose file name starts with `prefix` (a half-written one ends in .tmp).
size_t snapshots_in(const std::string& dir, const std::string& prefix = "") {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string f = e.path().filename().string();
    n += f.rfind(prefix, 0) == 0 && e.path().extension() == ".gz";
  }
  return n;
}

class Endpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kService, "--rate", "20"},
        // The rate from process start: a rate set later reaches each thread only at its next sample.
        std::vector<std::string>{"LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0", "MALLOC_CONF=lg_prof_sample:12"});
    ASSERT_TRUE(service_->wait_for_output("ready", 10s)) << service_->err();
    port_ = debug_port(*service_);
    ASSERT_GT(port_, 0) << service_->err();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);
    // Until the leak shows in a profile (the tests below look for it), however slowly the service starts.
    ASSERT_TRUE(wait_until(
        [&] {
          auto r = get("/debug/pprof/heap?debug=1");
          return r && r->status == 200 && r->body.find("leak_step") != std::string::npos;
        },
        20s, 100ms))
        << "leak_step never showed in /debug/pprof/heap?debug=1";
  }
  httplib::Result get(const std::string& path) { return client_->Get(path.c_str()); }

  std::unique_ptr<ChildProcess> service_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = -1;
};

TEST_F(Endpoints, IndexLinksEverything) {
  auto r = get("/debug/pprof/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  for (const char* link :
       {"href=\"heap\"", "href=\"allocs\"", "href=\"cmdline\"", "/debug/vars", "/metrics", "/debug/charts"})
    EXPECT_NE(r->body.find(link), std::string::npos) << link;
}

TEST_F(Endpoints, HeapIsSelfSymbolizedProfileProto) {
  auto r = get("/debug/pprof/heap");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/octet-stream");
  Profile p = parse_gz_proto(r->body);
  EXPECT_GT(flat_of(p, kLeakFunction), 0);
  EXPECT_EQ(p.period, 4096);
}

TEST_F(Endpoints, GoToolPprofReadsTheEndpoint) {
  auto dir = scratch_dir("pprof-http");
  auto r =
      run_program({"go", "tool", "pprof", "-top", "http://127.0.0.1:" + std::to_string(port_) + "/debug/pprof/heap"},
                  {std::string("PPROF_TMPDIR=") + dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("leak_step"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Type: inuse_space"), std::string::npos) << r.out;
}

// Without cumulative counts (no prof_accum) allocs is the heap profile, in-use as its default.
TEST_F(Endpoints, AllocsWithoutCumulativeDataIsTheHeap) {
  auto r = get("/debug/pprof/allocs");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  Profile p = parse_gz_proto(r->body);
  EXPECT_EQ(p.default_sample_type, "inuse_space");
  EXPECT_GT(flat_of(p, kLeakFunction), 0);
}

// Go's allocs: the heap profile with alloc_space as the default type (what Parca scrapes).
TEST(AllocsEndpoint, GoToolPprofDefaultsToAllocSpace) {
  ChildProcess service({kService, "--rate", "20"},
                       {"LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0", "MALLOC_CONF=lg_prof_sample:12,prof_accum:true"});
  ASSERT_TRUE(service.wait_for_output("ready", 10s)) << service.err();
  int port = debug_port(service);
  ASSERT_GT(port, 0) << service.err();
  std::this_thread::sleep_for(300ms);
  auto dir = scratch_dir("pprof-allocs");
  auto top = [&](const std::string& path) {
    return run_program({"go", "tool", "pprof", "-top", "http://127.0.0.1:" + std::to_string(port) + path},
                       {std::string("PPROF_TMPDIR=") + dir});
  };
  auto allocs = top("/debug/pprof/allocs");
  ASSERT_EQ(allocs.exit_code, 0) << allocs.err;
  EXPECT_NE(allocs.out.find("Type: alloc_space"), std::string::npos) << allocs.out;
  // churn_step frees all it allocates: it weighs in allocated bytes only.
  EXPECT_NE(allocs.out.find("churn_step"), std::string::npos) << allocs.out;
  auto heap = top("/debug/pprof/heap");
  ASSERT_EQ(heap.exit_code, 0) << heap.err;
  EXPECT_NE(heap.out.find("Type: inuse_space"), std::string::npos) << "heap keeps in-use as its default: " << heap.out;
}

TEST_F(Endpoints, DebugTextHasStacksAndAllocatorStatistics) {
  auto r = get("/debug/pprof/heap?debug=1");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body.rfind("heap profile: ", 0), 0u);
  EXPECT_NE(r->body.find("leak_step"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r->body, m, std::regex(R"(# Allocated = (\d+))")));
  EXPECT_GT(std::stoll(m[1]), 0);
  for (const char* key : {"# Active = ", "# Resident = ", "# Mapped = ", "# Retained = ", "# Metadata = ", "# RSS = ",
                          "# SamplePeriod = 4096"})
    EXPECT_NE(r->body.find(key), std::string::npos) << key;
  // It is also a legacy heap profile that reads back without binaries.
  Profile p = read_legacy_heap(r->body, "debug=1");
  EXPECT_GT(flat_of(p, kLeakFunction), 0);
}

TEST_F(Endpoints, SecondsGivesADeltaProfile) {
  auto full = get("/debug/pprof/heap");
  auto delta = get("/debug/pprof/heap?seconds=1");
  ASSERT_TRUE(full && delta);
  ASSERT_EQ(delta->status, 200) << delta->body;
  Profile d = parse_gz_proto(delta->body), f = parse_gz_proto(full->body);
  int64_t grown = flat_of(d, kLeakFunction);
  EXPECT_GT(grown, 0) << "the service leaks steadily";
  EXPECT_LT(grown, flat_of(f, kLeakFunction) + 4 * 1024 * 1024);
  EXPECT_EQ(delta->get_header_value("Content-Disposition"), "attachment; filename=\"heap-delta\"");
}

TEST_F(Endpoints, GcPurgesFirst) {
  auto r = get("/debug/pprof/heap?gc=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(Endpoints, BadParametersAre400AndUnknownPaths404) {
  for (const char* q : {"?debug=abc", "?seconds=-1", "?seconds=100000", "?gc=2", "?debug=1&seconds=1", "?debug=1x"}) {
    auto r = get(std::string("/debug/pprof/heap") + q);
    ASSERT_TRUE(r) << q;
    EXPECT_EQ(r->status, 400) << q;
    EXPECT_FALSE(r->body.empty()) << q;
  }
  auto r = get("/debug/pprof/nosuch");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = get("/../../etc/passwd");
  ASSERT_TRUE(r);
  EXPECT_NE(r->status, 200);
}

// Hostile requests: odd and oversized query strings, traversal attempts, a body far over the limit.
// Each gets a clear refusal and the endpoint keeps serving.
TEST_F(Endpoints, HostileRequestsAreRefusedAndTheServerKeepsServing) {
  std::string huge(200 * 1024, 'a');
  std::vector<std::string> queries{"?debug=" + huge, "?" + huge,     "?debug=%00", "?seconds=99999999999999999999",
                                   "?gc=1;rm%20-rf", "?debug=%ff%fe"};
  for (const std::string& q : queries) {
    auto r = get("/debug/pprof/heap" + q);
    if (r) {  // a refusal, or the connection closed on an oversized request line
      EXPECT_GE(r->status, 400) << q.substr(0, 40);
    }
  }
  // As Go's net/http/pprof: unknown parameters are ignored, and of repeated ones the first counts.
  for (const char* q : {"?%%%%=&&&==", "?debug=1&debug=2&debug=%ff%fe"}) {
    auto r = get(std::string("/debug/pprof/heap") + q);
    ASSERT_TRUE(r) << q;
    EXPECT_EQ(r->status, 200) << q;
  }
  for (const char* path : {"/debug/pprof/../../../../etc/passwd", "/debug/pprof/%2e%2e/%2e%2e/etc/passwd",
                           "/debug/pprof//etc/passwd", "/debug/pprof/cmdline/../../../etc/shadow"}) {
    auto r = get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_NE(r->status, 200) << path;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
  }
  httplib::Client c("127.0.0.1", port_);
  auto big = c.Post("/debug/pprof/heap", std::string(1 << 20, 'x'), "application/octet-stream");
  if (big) {
    EXPECT_GE(big->status, 400);
  }
  auto ok = get("/debug/pprof/heap");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << "still serving after the hostile requests";
}

// Slowloris: more trickling clients than the server has workers, each byte well inside the 5 s
// per-read timeout. Each is cut off at the 10 s header deadline, and a normal request is answered
// while they are still sending.
TEST_F(Endpoints, TricklingClientsAreCutOffAndOthersStillServed) {
  RawConnections slow = open_connections(port_, 6);
  ASSERT_TRUE(all_connected(slow));
  auto r = slowloris(port_, slow, "GET /debug/pprof/heap HTTP/1.1\r\nHost: x\r\nX-Slow: ", "/debug/vars", 50,
                     500ms);  // ≤ 25 s
  EXPECT_EQ(r.still_open, 0u) << "every trickling client is cut off";
  EXPECT_TRUE(r.served_while_trickling) << "a normal request is answered while the tricklers are still sending";
}

// Idle connections beyond the bound (32) are answered 503 at once instead of queueing for a worker.
TEST_F(Endpoints, ConnectionFloodIsBounded) {
  RawConnections idle = open_connections(port_, 64);
  ASSERT_TRUE(all_connected(idle));
  int turned_away = count_turned_away(idle, 32, 10s);
  EXPECT_EQ(turned_away, 32);
  idle.clear();
  EXPECT_EQ(status_once_freed(port_, "/debug/vars", 10s), 200) << "served again once the idle connections are gone";
}

// Snapshots requested by many clients at once are all answered, one at a time, and stay valid.
TEST_F(Endpoints, ConcurrentSnapshotRequestsAreSerializedAndValid) {
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int i = 0; i < 8; ++i)
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port_);
      c.set_read_timeout(60, 0);
      auto r = c.Get("/debug/pprof/heap");
      if (r && r->status == 200 && flat_of(parse_gz_proto(r->body), kLeakFunction) > 0) ++good;
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), 8);
  EXPECT_EQ(service_->wait_exit(0ms), -1) << "the service is still running";
}

TEST_F(Endpoints, VarsMetricsAndCmdline) {
  auto vars = get("/debug/vars");
  ASSERT_TRUE(vars);
  auto j = nlohmann::json::parse(vars->body)["memstats"];
  for (const char* key : {"allocated", "active", "resident", "mapped", "retained", "metadata", "rss"})
    EXPECT_GT(j[key].get<uint64_t>(), 0u) << key;
  EXPECT_TRUE(j["profiling_active"].get<bool>());
  EXPECT_TRUE(j["fast_unwinder"].get<bool>());
  EXPECT_EQ(j["sample_period_bytes"], 4096);
  // SetUp's snapshots held sampling off while jemalloc dumped.
  EXPECT_GT(j["sampling_paused_for_dumps_ns"].get<uint64_t>(), 0u);

  auto metrics = get("/metrics");
  ASSERT_TRUE(metrics);
  for (const char* name : {"jemalloc_allocated_bytes", "jemalloc_resident_bytes", "process_resident_memory_bytes",
                           "leakscope_snapshots_total"})
    EXPECT_TRUE(std::regex_search(metrics->body, std::regex(std::string("\n") + name + R"( \d+\n)"))) << name;
  EXPECT_NE(metrics->body.find("# TYPE jemalloc_allocated_bytes gauge"), std::string::npos);
  EXPECT_NE(metrics->body.find("# TYPE leakscope_snapshots_total counter"), std::string::npos);
  std::smatch paused;
  ASSERT_TRUE(std::regex_search(metrics->body, paused,
                                std::regex(R"(\nleakscope_sampling_paused_seconds_total (\d+\.\d{6})\n)")));
  EXPECT_GT(std::stod(paused[1]), 0.0);
  EXPECT_NE(metrics->body.find("# TYPE leakscope_sampling_paused_seconds_total counter"), std::string::npos);

  auto cmd = get("/debug/pprof/cmdline");
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->body, kService + std::string("\0--rate\0"
                                              "20",
                                              10));  // NUL-separated, as Go's
}

// The sample promotion is read off snapshots, so every surface says which one: the time of the dump,
// newer after each snapshot, the same on /debug/vars, /metrics and the charts' data.
TEST_F(Endpoints, SamplePromotionIsLabelledWithItsSnapshotsTime) {
  auto promotion_of = [&] {
    auto r = get("/debug/vars");
    return r ? nlohmann::json::parse(r->body)["memory"]["profiler"] : nlohmann::json();
  };
  nlohmann::json first = promotion_of();
  ASSERT_TRUE(first["sample_promotion_time"].is_number()) << first.dump() << ": SetUp took snapshots";
  EXPECT_GT(first["sample_promotion"].get<int64_t>(), 0) << "a heap sampled every 4 KiB has promoted samples";
  double asked = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto heap = get("/debug/pprof/heap");
  ASSERT_TRUE(heap && heap->status == 200);
  nlohmann::json later = promotion_of();
  double t = later["sample_promotion_time"].get<double>();
  EXPECT_GT(t, first["sample_promotion_time"].get<double>());
  EXPECT_GE(t, asked - 1) << "the snapshot just taken, not an older one";

  auto metrics = get("/metrics");
  ASSERT_TRUE(metrics);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics->body, m,
                                std::regex(R"(\nleakscope_sample_promotion_timestamp_seconds (\d+\.\d{3})\n)")))
      << metrics->body;
  EXPECT_NEAR(std::stod(m[1]), t, 0.001);

  nlohmann::json point;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = get("/debug/charts/data");
        if (!r) return false;
        auto data = nlohmann::json::parse(r->body);
        point = data.empty() ? nlohmann::json() : data.back();
        return point.contains("sample_promotion_time") && point["sample_promotion_time"].get<double>() >= t;
      },
      10s, 200ms))
      << point.dump();
  EXPECT_NEAR(point["sample_promotion_time"].get<double>(), t, 0.001);
}

TEST_F(Endpoints, ChartsDataAccumulates) {
  auto page = get("/debug/charts");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("/debug/charts/data"), std::string::npos);
  EXPECT_EQ(page->body.find("http"), std::string::npos) << "no external resources";
  nlohmann::json data;
  wait_until(
      [&] {
        auto r = get("/debug/charts/data");
        data = r ? nlohmann::json::parse(r->body) : nlohmann::json::array();
        return data.size() >= 2 && data.back()["allocated"].get<uint64_t>() > data.front()["allocated"].get<uint64_t>();
      },
      20s, 200ms);
  ASSERT_GE(data.size(), 2u);
  EXPECT_GT(data.back()["allocated"].get<uint64_t>(), data.front()["allocated"].get<uint64_t>()) << "it leaks";
}

TEST(EndpointTokens, EveryRequestNeedsTheToken) {
  ChildProcess service({kService}, {"LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0", "LEAKSCOPE_DEBUG_TOKEN=s3cret-token"});
  ASSERT_TRUE(service.wait_for_output("ready", 10s)) << service.err();
  httplib::Client c("127.0.0.1", debug_port(service));
  auto none = c.Get("/debug/vars");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = c.Get("/debug/vars", {{"Authorization", "Bearer s3cret-tokeX"}});
  EXPECT_EQ(wrong->status, 401);
  auto bearer = c.Get("/debug/vars", {{"Authorization", "Bearer s3cret-token"}});
  EXPECT_EQ(bearer->status, 200);
  auto query = c.Get("/debug/pprof/heap?token=s3cret-token");
  EXPECT_EQ(query->status, 200);
  auto wrong_query = c.Get("/debug/pprof/heap?token=nope");
  EXPECT_EQ(wrong_query->status, 401);
}

TEST(EndpointTokens, NonLoopbackWithoutTokenIsRefused) {
  ChildProcess service({kService}, {"LEAKSCOPE_DEBUG_ADDR=0.0.0.0:0"});
  EXPECT_EQ(service.wait_exit(10s), 2);
  EXPECT_NE(service.err().find("refusing to serve debug endpoints on non-loopback address"), std::string::npos)
      << service.err();
}

TEST(EndpointTokens, BadAddressIsRefused) {
  ChildProcess service({kService}, {"LEAKSCOPE_DEBUG_ADDR=nonsense"});
  EXPECT_EQ(service.wait_exit(10s), 2);
  EXPECT_NE(service.err().find("is not host:port"), std::string::npos) << service.err();
}

TEST(PeriodicSnapshots, TimeTriggeredSeriesWithRetention) {
  auto dir = scratch_dir("series");
  ChildProcess service({kService, "--rate", "20"},
                       {"LEAKSCOPE_SNAPSHOT_DIR=" + dir, "LEAKSCOPE_SNAPSHOT_INTERVAL=0.3",
                        "LEAKSCOPE_SNAPSHOT_RETAIN=3", "LEAKSCOPE_SNAPSHOT_NAME=svc", "MALLOC_CONF=lg_prof_sample:12"});
  ASSERT_TRUE(service.wait_for_output("ready", 10s)) << service.err();
  // Until the fifth snapshot is written: two have been taken and removed by then.
  EXPECT_TRUE(wait_until(
      [&] {
        for (const auto& e : std::filesystem::directory_iterator(dir))
          if (std::regex_match(e.path().filename().string(), std::regex(R"(svc\.\d+\.([5-9]|\d\d+)\.pb\.gz)")))
            return true;
        return false;
      },
      30s, 100ms))
      << "the fifth snapshot never came";
  service.terminate();
  std::vector<std::pair<int, std::string>> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::smatch m;
    std::string f = e.path().filename().string();
    if (std::regex_match(f, m, std::regex(R"(svc\.(\d+)\.(\d+)\.pb\.gz)")))
      files.push_back({std::stoi(m[2]), e.path()});
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 3u) << "retention keeps the newest 3";
  EXPECT_GE(files.front().first, 3) << "older ones were taken and removed";
  int64_t previous = -1;
  for (const auto& [seq, path] : files) {
    Profile p = read_profile(path);
    int64_t leaked = flat_of(p, kLeakFunction);
    EXPECT_GT(leaked, previous) << "the leak grows across the series";
    previous = leaked;
  }
}

// A real series from the profiler: the leaking service is a suspect, the quiet one is not.
TEST(PeriodicSnapshots, TrendVerdictOnRealSeries) {
  for (int rate : {20, 0}) {
    SCOPED_TRACE(rate);
    auto dir = scratch_dir("trend-series-" + std::to_string(rate));
    ChildProcess service({kService, "--rate", std::to_string(rate)},
                         {"LEAKSCOPE_SNAPSHOT_DIR=" + dir, "LEAKSCOPE_SNAPSHOT_INTERVAL=0.4",
                          "LEAKSCOPE_SNAPSHOT_RETAIN=0", "MALLOC_CONF=lg_prof_sample:14"});
    ASSERT_TRUE(service.wait_for_output("ready", 10s)) << service.err();
    EXPECT_TRUE(wait_until([&] { return snapshots_in(dir) >= 7; }, 60s, 100ms)) << "7 snapshots never came";
    service.terminate();
    std::vector<std::string> argv = {LEAKSCOPE_BIN, "trend", "--json", "--fail-on-leak"};
    for (const auto& e : std::filesystem::directory_iterator(dir)) argv.push_back(e.path().string());
    auto r = run_program(argv);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_GE(j["snapshots"].get<int>(), 5);
    EXPECT_EQ(j["work_unit"], "tick") << "the service's work counter travels in its snapshots";
    if (rate > 0) {
      EXPECT_EQ(r.exit_code, 1);
      ASSERT_FALSE(j["suspects"].empty()) << r.out;
      EXPECT_EQ(j["suspects"][0]["name"], kLeakFunction);
      // 20 blocks of 1 KiB leak per tick; sampled at 16 KiB the estimate is close, not exact.
      EXPECT_NEAR(j["suspects"][0]["slope_per_work"].get<double>(), 20 * 1024, 20 * 1024 * 0.4) << r.out;
    } else {
      EXPECT_EQ(r.exit_code, 0) << r.out;
      EXPECT_TRUE(j["suspects"].empty()) << r.out;
    }
  }
}

TEST(PeriodicSnapshots, GrowthTriggered) {
  auto dir = scratch_dir("growth");
  ChildProcess service({kService, "--rate", "50"},
                       {"LEAKSCOPE_SNAPSHOT_DIR=" + dir, "LEAKSCOPE_SNAPSHOT_GROWTH=1048576"});
  ASSERT_TRUE(service.wait_for_output("ready", 10s)) << service.err();
  // ~50 KiB per 10 ms: a snapshot every ~200 ms of leaking.
  wait_until([&] { return snapshots_in(dir) >= 2; }, 30s, 100ms);
  service.terminate();
  EXPECT_GE(snapshots_in(dir), 2u);
}

// The issue's stress case: 8 threads allocating and freeing while snapshots are taken every 50 ms for
// 10 s. Returns the service's own count of good and bad snapshots, and its stderr.
struct StressOutcome {
  int snapshots = -1, bad = -1;
  std::string err;
};
StressOutcome run_snapshot_stress(std::vector<std::string> env) {
  env.insert(env.end(), {"LEAKSCOPE_PROFILE=1", "LEAKSCOPE_LG_SAMPLE=14"});
  ChildProcess service({kService, "--seconds", "10", "--threads", "8", "--snapshot-stress", "50"}, env);
  int code = service.wait_exit(60s);
  EXPECT_EQ(code, 0) << service.out() << service.err();
  StressOutcome o{-1, -1, service.err()};
  std::smatch m;
  std::string out = service.out();
  EXPECT_TRUE(std::regex_search(out, m, std::regex(R"(snapshots (\d+) bad (\d+))"))) << out;
  if (!m.empty()) o.snapshots = std::stoi(m[1]), o.bad = std::stoi(m[2]);
  return o;
}

// In-process (no helper): the dump and the parse race the allocating threads directly.
TEST(SnapshotStress, EightThreadsAndSnapshotsEvery50ms) {
  StressOutcome o = run_snapshot_stress({"LEAKSCOPE_SYMBOLIZER=off"});
  EXPECT_GE(o.snapshots, 40) << "no deadlock: snapshots kept coming";
  EXPECT_EQ(o.bad, 0);
}

// The same with the symbolizing helper process. Each snapshot then also starts a process that competes
// with 8 busy threads for 2 cores (measured here: 0.3-0.8 s a snapshot), so fewer come back; every one
// must be valid and they must keep coming.
TEST(SnapshotStress, EightThreadsAndHelperSnapshots) {
  StressOutcome o = run_snapshot_stress({});
  EXPECT_GE(o.snapshots, 5) << "no deadlock: snapshots kept coming";
  EXPECT_EQ(o.bad, 0);
  EXPECT_EQ(o.err.find("unsymbolized"), std::string::npos) << "the helper ran: " << o.err;
}

// An unmodified jemalloc program, profiled through LD_PRELOAD.
TEST(PreloadLibrary, UnmodifiedProgramGetsEndpointsAndFastUnwinder) {
  ChildProcess program({KNOWN_ALLOCS_BIN, std::string(LEAKSCOPE_TEST_SCRATCH) + "/preload.heap", "3", "--linger"},
                       {"LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:" + std::string(PRELOAD_LIB),
                        "MALLOC_CONF=prof:true,lg_prof_sample:0", "LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0",
                        // No variable: the helper is found as lib/../bin/leakscope, beside the library.
                        "LEAKSCOPE_SYMBOLIZER="});
  ASSERT_TRUE(program.wait_for_output("lingering", 10s)) << program.err();
  int port = debug_port(program);
  ASSERT_GT(port, 0) << program.err();
  httplib::Client c("127.0.0.1", port);
  auto vars = c.Get("/debug/vars");
  ASSERT_TRUE(vars);
  EXPECT_TRUE(nlohmann::json::parse(vars->body)["memstats"]["fast_unwinder"].get<bool>());
  auto heap = c.Get("/debug/pprof/heap");
  ASSERT_TRUE(heap);
  Profile p = parse_gz_proto(heap->body);
  EXPECT_EQ(flat_of(p, "keep_large"), 3 * 81920);
  EXPECT_EQ(flat_of(p, "grow"), 3 * 4096);
  EXPECT_EQ(program.err().find("unsymbolized"), std::string::npos) << program.err();
}

const std::string kPreloadEnv = "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:" + std::string(PRELOAD_LIB);

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// An unmodified program that resets jemalloc's profiling itself, preloaded: the next snapshot notices it
// (counted in /debug/vars, one warning line for all), and the sample promotion read before it is
// replaced by the one read after (the dumps after a reset lack the samples taken before it).
TEST(PreloadLibrary, ProgramsOwnProfResetIsNoticedAtTheNextSnapshot) {
  ChildProcess program({KNOWN_ALLOCS_BIN, std::string(LEAKSCOPE_TEST_SCRATCH) + "/reset.heap", "3", "--linger"},
                       {"LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:" + std::string(PRELOAD_LIB),
                        "MALLOC_CONF=prof:true,lg_prof_sample:0", "LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0"});
  ASSERT_TRUE(program.wait_for_output("lingering", 10s)) << program.err();
  int port = debug_port(program);
  ASSERT_GT(port, 0) << program.err();
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  auto vars = [&] {
    auto r = c.Get("/debug/vars");
    return r ? nlohmann::json::parse(r->body) : nlohmann::json::object();
  };
  auto heap = [&] {
    auto r = c.Get("/debug/pprof/heap");
    return r && r->status == 200 ? parse_gz_proto(r->body) : Profile{};
  };
  EXPECT_EQ(flat_of(heap(), "keep_large"), 3 * 81920);
  auto before = vars();
  int64_t promotion_before = before["memory"]["profiler"]["sample_promotion"].get<int64_t>();
  EXPECT_GT(promotion_before, 10 * 15000) << "keep_small's ten 1000-byte samples, 16 KiB each";
  EXPECT_EQ(before["memstats"]["program_profiling_resets"].get<int>(), 0);

  ASSERT_EQ(::kill(program.pid(), SIGUSR1), 0);
  ASSERT_TRUE(program.wait_for_output("reset 1", 10s)) << program.out();
  Profile after_reset = heap();
  EXPECT_EQ(flat_of(after_reset, "keep_large"), 0) << "jemalloc's dumps lack the samples taken before the reset";
  auto after = vars();
  EXPECT_EQ(after["memstats"]["program_profiling_resets"].get<int>(), 1);
  EXPECT_LT(after["memory"]["profiler"]["sample_promotion"].get<int64_t>(), promotion_before - 10 * 15000)
      << "read off the dump after the reset";

  ASSERT_EQ(::kill(program.pid(), SIGUSR1), 0);
  ASSERT_TRUE(program.wait_for_output("reset 2", 10s)) << program.out();
  heap();
  EXPECT_EQ(vars()["memstats"]["program_profiling_resets"].get<int>(), 2);
  heap();
  EXPECT_EQ(vars()["memstats"]["program_profiling_resets"].get<int>(), 2) << "each reset is counted once";
  EXPECT_EQ(count_of(program.err(), "the program reset jemalloc's heap profiling itself"), 1u) << program.err();
}

// A preloaded command's processes, stopped together (a wrapper need not pass SIGTERM on).
struct PreloadedCommand {
  PreloadedCommand(const std::vector<std::string>& argv, std::vector<std::string> env)
      : process(argv, [&] {
          env.insert(env.end(),
                     {kPreloadEnv, "MALLOC_CONF=prof:true,lg_prof_sample:0", "LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0"});
          return env;
        }()) {}
  ~PreloadedCommand() {
    if (process.pid() > 0) ::kill(-process.pid(), SIGTERM);
  }
  ChildProcess process;
};

// The heap served by the one process that started endpoints, and its command line.
struct Served {
  Profile heap;
  std::string cmdline;
};
Served served_by(const ChildProcess& process) {
  int port = debug_port(process);
  if (port <= 0) return {};
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  auto heap = c.Get("/debug/pprof/heap");
  auto cmdline = c.Get("/debug/pprof/cmdline");
  if (!heap || !cmdline) return {};
  return {parse_gz_proto(heap->body), cmdline->body};
}

// `timeout`, `sh -c` and `env` in front of the program: the program is profiled, not the wrapper.
TEST(PreloadLibrary, ThroughAWrapperTheProgramIsProfiled) {
  auto dir = scratch_dir("preload-wrappers");
  const std::string program = KNOWN_ALLOCS_BIN;
  std::vector<std::vector<std::string>> commands{
      {"/usr/bin/timeout", "60", program, dir + "/timeout.heap", "3", "--linger"},
      // A command after it, so the shell forks the program instead of exec'ing it.
      {"/bin/sh", "-c", shell_quote(program) + " " + dir + "/sh.heap 3 --linger; echo done"},
      {"/usr/bin/env", "LEAKSCOPE_TEST=1", program, dir + "/env.heap", "3", "--linger"}};
  for (const auto& argv : commands) {
    SCOPED_TRACE(argv[0]);
    PreloadedCommand command(argv, {});
    ASSERT_TRUE(command.process.wait_for_output("lingering", 10s)) << command.process.err();
    std::string err = command.process.err();
    EXPECT_EQ(debug_listening_events(err).size(), 1u) << err;
    Served s = served_by(command.process);
    EXPECT_EQ(s.cmdline.rfind(program + std::string(1, '\0'), 0), 0u) << "served by: " << s.cmdline;
    EXPECT_EQ(flat_of(s.heap, "keep_large"), 3 * 81920) << "the program's heap";
  }
}

// What the profiled program starts is not profiled: it neither takes endpoints nor serves.
TEST(PreloadLibrary, ChildrenOfTheProfiledProgramAreNotProfiled) {
  auto dir = scratch_dir("preload-children");
  PreloadedCommand command({SPAWNER_BIN, KNOWN_ALLOCS_BIN, dir + "/child.heap", "3", "--linger"}, {});
  ASSERT_TRUE(command.process.wait_for_output("lingering", 10s)) << command.process.err();
  std::string err = command.process.err();
  auto listening = debug_listening_events(err);
  ASSERT_EQ(listening.size(), 1u) << err;
  EXPECT_EQ(listening[0]["pid"], command.process.pid()) << "the spawner itself: " << err;
  Served s = served_by(command.process);
  EXPECT_GT(flat_of(s.heap, "spawner_keep"), 0) << "the spawner's heap";
  EXPECT_EQ(flat_of(s.heap, "keep_large"), 0);
}

TEST(PreloadLibrary, ProfileChildrenKeepsThemProfiled) {
  auto dir = scratch_dir("preload-children-kept");
  PreloadedCommand command({SPAWNER_BIN, KNOWN_ALLOCS_BIN, dir + "/child.heap", "3", "--linger"},
                           {"LEAKSCOPE_PROFILE_CHILDREN=1"});
  ASSERT_TRUE(command.process.wait_for_output("lingering", 10s)) << command.process.err();
  EXPECT_EQ(debug_listening_events(command.process.err()).size(), 2u) << command.process.err();
}

// LEAKSCOPE_PROGRAM names the program: here the spawner's child, as behind a start script.
TEST(PreloadLibrary, LeakscopeProgramNamesTheProfiledProgram) {
  auto dir = scratch_dir("preload-named");
  PreloadedCommand command({SPAWNER_BIN, KNOWN_ALLOCS_BIN, dir + "/named.heap", "3", "--linger"},
                           {"LEAKSCOPE_PROGRAM=known_allocs"});
  ASSERT_TRUE(command.process.wait_for_output("lingering", 10s)) << command.process.err();
  std::string err = command.process.err();
  auto listening = debug_listening_events(err);
  ASSERT_EQ(listening.size(), 1u) << err;
  EXPECT_NE(listening[0]["pid"], command.process.pid()) << "not the spawner: " << err;
  Served s = served_by(command.process);
  EXPECT_EQ(flat_of(s.heap, "keep_large"), 3 * 81920);
  EXPECT_EQ(flat_of(s.heap, "spawner_keep"), 0);
}

TEST(PreloadLibrary, SnapshotDirectoryFromEnvironment) {
  auto dir = scratch_dir("preload-series");
  ChildProcess program({KNOWN_ALLOCS_BIN, dir + "/x.heap", "2", "--linger"},
                       {"LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:" + std::string(PRELOAD_LIB),
                        "MALLOC_CONF=prof:true", "LEAKSCOPE_SNAPSHOT_DIR=" + dir, "LEAKSCOPE_SNAPSHOT_INTERVAL=0.2"});
  ASSERT_TRUE(program.wait_for_output("lingering", 10s)) << program.err();
  wait_until([&] { return snapshots_in(dir, "known_allocs.") >= 2; }, 30s, 100ms);
  program.terminate();
  EXPECT_GE(snapshots_in(dir, "known_allocs."), 2u);
}

}  // namespace
}  // namespace leakscope::test
