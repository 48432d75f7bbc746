// Writes the fuzzers' seed corpora from a real jemalloc dump (made by tests/programs/known_allocs):
// the dump itself and its conversions to every format leakscope reads, plus valid relay inputs and
// debug query strings. Usage: make_seeds DUMP OUT_DIR
#include <filesystem>
#include <fstream>
#include <iostream>

#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/analyzer/symbolizer.h"
#include "leakscope/analyzer/writers.h"

namespace fs = std::filesystem;

static void put(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds DUMP OUT_DIR\n";
    return 2;
  }
  using namespace leakscope::analyzer;
  fs::path out = argv[2];
  std::string dump = read_input(argv[1]);
  put(out / "jemalloc_reader", "known_allocs.heap", dump);
  Profile p = read_jemalloc_heap(dump, argv[1]);
  if (needs_symbolization(p)) symbolize(p, {});
  std::string raw = encode_proto(p);
  put(out / "proto_reader", "known_allocs.pb", raw);
  put(out / "proto_reader", "known_allocs.pb.gz", gzip(raw));
  put(out / "legacy_reader", "known_allocs.txt", write_legacy_heap_text(p));
  put(out / "legacy_reader", "gperftools.txt",
      "heap profile:    2:   2048 [    2:   2048] @ heap_v2/524288\n    1:  1024 [    1:  1024] @ 0x401000 0x402000\n"
      "    1:  1024 [    1:  1024] @ 0x401000\n\nMAPPED_LIBRARIES:\n00400000-00500000 r-xp 00000000 00:00 0 "
      "/bin/true\n");
  std::string folded = write_folded(p, StackTable(p, {}), p.default_sample_index());
  put(out / "folded_reader", "known_allocs.folded", folded);
  put(out / "folded_reader", "diff.folded", "main;a;b 10 30\nmain;c 20 5\n");
  // Relay inputs: the first byte picks the parser (see relay_inputs_fuzz.cpp).
  auto relay = [&](char kind, const std::string& name, const std::string& text) {
    put(out / "relay_inputs", name, std::string(1, kind) + text);
  };
  relay(0, "job.json", R"({"message":{"token":"abc","data":{"id":"1","payload":"xxxx"}}})");
  relay(0, "topic.json", R"({"message":{"topic":"news","notification":{"title":"t","body":"b"}}})");
  relay(
      1, "service_account.json",
      R"({"type":"service_account","project_id":"p","private_key_id":"k","private_key":"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n","client_email":"a@b.c","token_uri":"http://127.0.0.1:1/token"})");
  relay(2, "retry_seconds", "120");
  relay(2, "retry_date", "Wed, 21 Oct 2026 07:28:00 GMT");
  relay(3, "fcm_error",
        "30\n{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"errorCode\":\"QUOTA_EXCEEDED\"}"
        "]}}");
  relay(3, "fcm_ok", "\n{\"name\":\"projects/p/messages/1\"}");
  relay(4, "config.toml", "queue = \"jobs\"\nmax-inflight = 64\n[section]\nkey = [1, 2]\n");
  put(out / "debug_query", "q1", "debug=1&seconds=30&gc=1");
  put(out / "debug_query", "q2", "seconds=%33%30&debug=2&token=abc");
  std::cout << "seeds written to " << out << "\n";
  return 0;
}
