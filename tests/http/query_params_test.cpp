// Query strings written and read by leakscope's own code (http/query_params.h): what the encoder
// writes, cpp-httplib's real server decodes to the same parameters, our parser inverts it, and the
// strict parameters accept exactly what they say.
#include "leakscope/http/query_params.h"

#include <gtest/gtest.h>

#include <cctype>
#include <mutex>
#include <thread>

#include "wait_until.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;

// Values a link or a test really carries: patterns, spaces, the query's own delimiters, UTF-8.
httplib::Params hostile_params() {
  return {{"focus", "^std::vector<int>::push_back\\(\\)$"},
          {"s", "a&b=c"},
          {"hide", "x y+z"},
          {"ignore", "100% #frag ?q"},
          {"name", "caf\xc3\xa9 \x01\x7f"},
          {"empty", ""},
          {"key with=&", "v"}};
}

TEST(QueryParams, CppHttplibsServerDecodesWhatWeEncode) {
  httplib::Server server;
  std::mutex mu;
  httplib::Params seen;
  server.Get("/echo", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    seen = req.params;
    res.set_content("ok", "text/plain");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&] { server.listen_after_bind(); });
  ASSERT_TRUE(wait_until([&] { return server.is_running(); }, 10s));
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/echo?" + http::params_to_query(hostile_params()));
  server.stop();
  thread.join();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, hostile_params());
}

TEST(QueryParams, ParseQueryInvertsParamsToQuery) {
  EXPECT_EQ(http::parse_query(http::params_to_query(hostile_params())), hostile_params());
  EXPECT_EQ(http::parse_query(""), httplib::Params{});
  httplib::Params expected{{"a", "1"}, {"b", ""}, {"c", "x=y"}};
  EXPECT_EQ(http::parse_query("a=1&&b&=skipped&c=x=y"), expected);  // empty pairs and keys skipped
}

TEST(QueryParams, EncodingKeepsOnlyUnreservedBytes) {
  const std::string unreserved = "ABCXYZabcxyz0189-._~";
  EXPECT_EQ(http::encode_query_component(unreserved), unreserved);
  for (int c = 0; c < 256; ++c) {
    std::string one(1, static_cast<char>(c));
    if (unreserved.find(one) != std::string::npos || std::isalnum(c)) continue;
    std::string encoded = http::encode_query_component(one);
    EXPECT_EQ(encoded.size(), 3u) << c;
    EXPECT_EQ(encoded[0], '%') << c;
    EXPECT_EQ(http::decode_query_component(encoded), one) << c;
  }
  EXPECT_EQ(http::encode_query_component("a b&c"), "a%20b%26c");
}

TEST(QueryParams, DecodeLeavesBrokenPercentSequencesAlone) {
  EXPECT_EQ(http::decode_query_component("%41%62+c"), "Ab c");
  EXPECT_EQ(http::decode_query_component("%"), "%");
  EXPECT_EQ(http::decode_query_component("%4"), "%4");
  EXPECT_EQ(http::decode_query_component("%zz%4g"), "%zz%4g");
  EXPECT_EQ(http::decode_query_component("50%"), "50%");
}

TEST(QueryParams, IndexIsDigitsOnlyAndBelowTheCount) {
  EXPECT_EQ(http::parse_index("0", 5), 0u);
  EXPECT_EQ(http::parse_index("4", 5), 4u);
  EXPECT_EQ(http::parse_index("007", 8), 7u);
  for (const char* bad : {"5", "-1", "+1", " 1", "1 ", "0x1", "1e0", "", "1.0", "99999999999999999999999"})
    EXPECT_FALSE(http::parse_index(bad, 5)) << "'" << bad << "'";
  EXPECT_FALSE(http::parse_index("0", 0));
}

TEST(QueryParams, IndexParamErrorNamesTheParameterTheRangeAndTheText) {
  size_t out = 99;
  EXPECT_FALSE(http::read_index_param({}, "from", 5, "snapshot index", out));
  EXPECT_FALSE(http::read_index_param({{"from", ""}}, "from", 5, "snapshot index", out));
  EXPECT_EQ(out, 99u);
  EXPECT_FALSE(http::read_index_param({{"from", "3"}}, "from", 5, "snapshot index", out));
  EXPECT_EQ(out, 3u);
  EXPECT_EQ(http::read_index_param({{"to", "x"}}, "to", 5, "snapshot index", out),
            "to: expected a snapshot index from 0 to 4, got 'x'");
  EXPECT_EQ(http::read_index_param({{"to", "0"}}, "to", 0, "snapshot index", out),
            "to: there is no snapshot index to choose, got '0'");
  EXPECT_EQ(out, 3u);
}

TEST(QueryParams, IntParamIsInRangeOrAnErrorSentence) {
  int out = -7;
  EXPECT_FALSE(http::read_int_param({}, "seconds", 0, 300, out));
  EXPECT_EQ(out, -7);
  EXPECT_FALSE(http::read_int_param({{"seconds", "300"}}, "seconds", 0, 300, out));
  EXPECT_EQ(out, 300);
  for (const char* bad : {"301", "-1", "1s", "", " 2"})
    EXPECT_EQ(http::read_int_param({{"seconds", bad}}, "seconds", 0, 300, out),
              "bad value for 'seconds': expected an integer from 0 to 300")
        << bad;
  EXPECT_EQ(out, 300);
}

}  // namespace
}  // namespace leakscope::test
