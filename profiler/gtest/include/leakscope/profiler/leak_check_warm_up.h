// Warm-ups for leak-checked suites: code that fills a process's caches and lazy statics (OpenSSL's name
// tables, a library's registry) before the first measured test, so what stays by design is not charged
// to whichever test happens to run first. A warm-up is a GoogleTest environment: it runs once per
// process, after InitGoogleTest and before the first test, outside any check. ctest runs each test in a
// process of its own, so each of those processes warms up once. LEAKSCOPE_LEAKCHECK_WARMUP=0 skips the
// warm-ups, to see what they hide. Header-only, so a suite built with plain gtest_main (the sanitizer
// build) compiles and runs it too.
//
//   LEAKSCOPE_LEAK_CHECK_WARM_UP(openssl_tables) { verify_rs256_jwt(sign_rs256_jwt(...), key); }
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <exception>

namespace leakscope::profiler {

class LeakCheckWarmUp : public ::testing::Environment {
 public:
  LeakCheckWarmUp(const char* name, void (*body)()) : name_(name), body_(body) {}

  void SetUp() override {
    const char* setting = std::getenv("LEAKSCOPE_LEAKCHECK_WARMUP");
    if (setting && std::strcmp(setting, "0") == 0) return;
    // GoogleTest does not catch what an environment's SetUp throws; a broken warm-up fails the run instead.
    try {
      body_();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "leak check warm-up " << name_ << " threw: " << e.what();
    }
  }

 private:
  const char* name_;
  void (*body_)();
};

}  // namespace leakscope::profiler

// Defines a warm-up named `name` (an identifier) with the block that follows as its body.
#define LEAKSCOPE_LEAK_CHECK_WARM_UP(name)                                                     \
  static void leakscope_warm_up_##name();                                                      \
  [[maybe_unused]] static ::testing::Environment* const leakscope_warm_up_environment_##name = \
      ::testing::AddGlobalTestEnvironment(                                                     \
          new ::leakscope::profiler::LeakCheckWarmUp(#name, &leakscope_warm_up_##name));       \
  static void leakscope_warm_up_##name()
