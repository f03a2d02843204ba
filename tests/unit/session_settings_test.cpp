// LiveSettings: a thread reads what it pinned until it pins again; a thread that never pinned
// reads the latest; an old Settings lives while a thread still holds it.
#include <gtest/gtest.h>

#include <thread>

#include "session/settings.h"

namespace neo::session {
namespace {

std::shared_ptr<const Settings> settings_with_key(const std::string& key) {
  config::Config config;
  config.client.token.hmac_secret = "secret";
  config.api.key = key;
  return std::make_shared<const Settings>(config);
}

TEST(LiveSettings, APinnedThreadSeesAReloadOnlyWhenItPinsAgain) {
  LiveSettings live(settings_with_key("first"));
  EXPECT_EQ(live.get().config.api.key, "first");  // never pinned: the latest
  std::thread([&] {
    live.pin();
    const Settings& held = live.get();
    live.replace(settings_with_key("second"));
    EXPECT_EQ(live.get().config.api.key, "first");  // mid-"handler": unchanged
    EXPECT_EQ(held.config.api.key, "first");        // and still alive
    live.pin();
    EXPECT_EQ(live.get().config.api.key, "second");
  }).join();
  EXPECT_EQ(live.get().config.api.key, "second");
  EXPECT_EQ(live.latest()->config.api.key, "second");
}

TEST(LiveSettings, APinOfAnotherInstanceIsNotUsed) {
  auto a = std::make_unique<LiveSettings>(settings_with_key("a"));
  a->pin();
  LiveSettings b(settings_with_key("b"));
  EXPECT_EQ(b.get().config.api.key, "b");
  EXPECT_EQ(a->get().config.api.key, "a");
}

}  // namespace
}  // namespace neo::session
