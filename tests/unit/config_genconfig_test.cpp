// development_config() and generate_config_yaml(): the NEO_STACK setup of spec §4.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"

namespace neo::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

NamespaceOptions ns(const std::string& name, std::uint32_t size, Duration ttl, bool recovery,
                    bool presence, bool validate) {
  NamespaceOptions o;
  o.name = name;
  o.history_size = size;
  o.history_ttl = ttl;
  o.force_recovery = recovery;
  o.presence = o.join_leave = presence;
  o.validate_events = validate;
  return o;
}

TEST(DevelopmentConfig, IsValid) {
  EXPECT_THAT(validate(development_config("secret", "key")), IsEmpty());
}

TEST(DevelopmentConfig, ServerSettings) {
  const Config c = development_config("secret", "key");
  EXPECT_EQ(c.http.listen, "127.0.0.1:8000");
  EXPECT_THAT(c.http.allowed_origins, ElementsAre("*"));
  EXPECT_EQ(c.engine.type, "memory");
  EXPECT_EQ(c.client.token.hmac_secret, "secret");
  EXPECT_EQ(c.api.key, "key");
  EXPECT_THAT(c.api.tenant_keys, IsEmpty());
  EXPECT_EQ(c.client, ClientOptions{c.client.token});  // defaults apart from the secret
}

TEST(DevelopmentConfig, NeoStackNamespaces) {
  EXPECT_THAT(
      development_config("s", "k").namespaces,
      ElementsAre(ns("tenant", 10, 1h, true, true, true), ns("admin", 100, 1h, false, false, true),
                  ns("system", 0, 0ms, false, false, false), ns("user", 50, 24h, true, false, true),
                  ns("certification", 10, 1h, false, true, false)));
}

TEST(DevelopmentConfig, NeoStackRolesAndLimits) {
  const Config c = development_config("s", "k");
  const std::vector<std::string> everything = {"admin:*", "tenant:*", "system:*"};
  EXPECT_THAT(
      c.roles,
      ElementsAre(RoleOptions{"admin", everything, everything},
                  RoleOptions{"tenant_admin",
                              {"tenant:{tenant_id}:*", "user:{user_id}:*"},
                              {"tenant:{tenant_id}:*"}},
                  RoleOptions{"tenant_user",
                              {"tenant:{tenant_id}:dashboard", "tenant:{tenant_id}:notifications",
                               "tenant:{tenant_id}:billing", "tenant:{tenant_id}:deployments",
                               "user:{user_id}:*", "certification:timer:{user_id}",
                               "certification:results:{user_id}"},
                              {"tenant:{tenant_id}:notifications"}}));
  EXPECT_THAT(c.rate_limits, ElementsAre(RateLimit{"tenant:*:dashboard", 10},
                                         RateLimit{"tenant:*:notifications", 5}));
  EXPECT_EQ(c.tenants, (TenantLimits{10000, 1000, {}}));
}

TEST(DevelopmentConfig, SecretsAreKeptByteForByte) {
  const std::string odd("\x00\xff\"\\:\n", 6);
  const Config c = development_config(odd, odd + "k");
  EXPECT_EQ(c.client.token.hmac_secret, odd);
  EXPECT_EQ(c.api.key, odd + "k");
}

TEST(GenerateConfig, LoadsBackLikeTheDevelopmentConfig) {
  const Config loaded = load_from_text(generate_config_yaml("gen-secret", "gen-key"));
  Config expected = development_config("gen-secret", "gen-key");
  EXPECT_EQ(loaded.namespaces, expected.namespaces);
  EXPECT_EQ(loaded.roles, expected.roles);
  EXPECT_EQ(loaded.rate_limits, expected.rate_limits);
  EXPECT_EQ(loaded.tenants, expected.tenants);
  EXPECT_EQ(loaded.http.listen, "0.0.0.0:8000");
  EXPECT_THAT(loaded.http.allowed_origins, ElementsAre("https://*.neo-stack.com"));
  // A production file drains before it stops; the development setup stops at once.
  EXPECT_EQ(loaded.shutdown, ShutdownOptions{});
  EXPECT_EQ(expected.shutdown.drain_delay.count(), 0);
  EXPECT_EQ(expected.shutdown.spread.count(), 0);
  // Everything else is the development config too.
  expected.http.listen = loaded.http.listen;
  expected.http.allowed_origins = loaded.http.allowed_origins;
  expected.shutdown = loaded.shutdown;
  EXPECT_EQ(loaded, expected);
}

TEST(GenerateConfig, SecretsNeedingQuotesRoundTrip) {
  for (const std::string secret : {"plain", "a\"b\\c", "#not a comment", "x: y", "{tenant_id}",
                                   "tab\tnewline\n", "ключ", " spaced ", "-"}) {
    const Config c = load_from_text(generate_config_yaml(secret, "key-" + secret));
    EXPECT_EQ(c.client.token.hmac_secret, secret);
    EXPECT_EQ(c.api.key, "key-" + secret);
  }
}

TEST(GenerateConfig, CommentsEachSection) {
  const std::string text = generate_config_yaml("s", "k");
  for (const char* section : {"http:", "client:", "api:", "engine:", "namespaces:", "roles:",
                              "rate_limits:", "tenants:", "metrics:", "log:", "node:"}) {
    const auto at = text.find(std::string("\n") + section);
    ASSERT_NE(at, std::string::npos) << section;
    // The section line or the line before it carries a comment.
    const auto line_end = text.find('\n', at + 1);
    const auto prev_start = text.rfind('\n', at - 1);
    EXPECT_TRUE(text.substr(prev_start, line_end - prev_start).find('#') != std::string::npos)
        << section;
  }
  EXPECT_THAT(text, HasSubstr("NEO_EVENTS_"));
}

}  // namespace
}  // namespace neo::config
