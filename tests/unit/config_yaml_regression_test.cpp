// Regression tests for config loading bugs found by tests/fuzz/fuzz_config (reproducers in
// tests/fuzz/corpus/config/crash-*).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "config/loader.h"

namespace {

// load_from_text(",") never returned: YAML::LoadAll (yaml-cpp 0.7) loops forever on it, growing
// memory (fixed in 3712ffa: one YAML::Load, document markers counted by the loader).
TEST(ConfigYamlRegression, StrayTopLevelCommaIsASyntaxErrorNotAHang) {
  // In a child process with an alarm, so that the bug fails the test in seconds instead of
  // hanging the suite.
  EXPECT_EXIT(
      {
        alarm(3);
        try {
          neo::config::load_from_text(",");
        } catch (const neo::config::ConfigError&) {
          std::_Exit(0);
        }
        std::_Exit(1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
