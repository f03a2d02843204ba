// Policy: channel names, namespaces, tenant isolation and role patterns (spec §4 and §6).
#include <gtest/gtest.h>

#include <string>

#include "auth/policy.h"

namespace neo::auth {
namespace {

// The namespaces and roles of spec §4, plus two roles that probe rule 2.
config::Config spec_config() {
  config::Config config;
  for (const char* name : {"tenant", "admin", "system", "user", "certification"})
    config.namespaces.push_back({.name = name});
  config.roles = {
      {"admin", {"admin:*", "tenant:*", "system:*"}, {"admin:*", "tenant:*", "system:*"}},
      {"tenant_admin", {"tenant:{tenant_id}:*", "user:{user_id}:*"}, {"tenant:{tenant_id}:*"}},
      {"tenant_user",
       {"tenant:{tenant_id}:dashboard", "tenant:{tenant_id}:notifications",
        "tenant:{tenant_id}:billing", "tenant:{tenant_id}:deployments", "user:{user_id}:*",
        "certification:timer:{user_id}", "certification:results:{user_id}"},
       {"tenant:{tenant_id}:notifications"}},
      {"everything", {"*"}, {}},                           // no literal tenant:* prefix
      {"notifier", {"tenant:*:notifications"}, {"ten*"}},  // crosses tenants for one channel
      {"tenant_news", {"system:{tenant_id}:news", "system:{user_id}{tenant_id}"}, {}},
  };
  return config;
}

Identity who(std::string tenant, std::string user, std::vector<std::string> roles) {
  return Identity{std::move(user), std::move(tenant), std::move(roles), ""};
}

struct Case {
  const char* name;
  Identity identity;
  std::string channel;
  Action action;
  bool sub_token;
  Decision expected;
};

constexpr auto sub = Action::subscribe;
constexpr auto pub = Action::publish;
constexpr auto allow = Decision::allow;
constexpr auto denied = Decision::denied;

class PolicyTest : public ::testing::Test {
 protected:
  config::Config config_ = spec_config();
  Policy policy_{config_};
};

TEST_F(PolicyTest, TenantIsolationTable) {
  const Identity user_a = who("A", "1", {"tenant_user"});
  const Identity admin_a = who("A", "2", {"tenant_admin"});
  const Identity admin = who("", "root", {"admin"});
  const Case cases[] = {
      {"own deployments", user_a, "tenant:A:deployments", sub, false, allow},
      {"own dashboard", user_a, "tenant:A:dashboard", sub, false, allow},
      {"other tenant", user_a, "tenant:B:deployments", sub, false, denied},
      {"own, not in list", user_a, "tenant:A:monitoring", sub, false, denied},
      {"tenant_admin own", admin_a, "tenant:A:monitoring", sub, false, allow},
      {"tenant_admin own publish", admin_a, "tenant:A:anything:deep", pub, false, allow},
      {"tenant_admin other", admin_a, "tenant:B:monitoring", sub, false, denied},
      {"tenant_admin other publish", admin_a, "tenant:B:notifications", pub, false, denied},
      {"admin any tenant", admin, "tenant:B:deployments", sub, false, allow},
      {"admin publish any tenant", admin, "tenant:C:billing", pub, false, allow},
      {"admin with own tenant", who("A", "r", {"admin"}), "tenant:B:x", sub, false, allow},
      {"admin namespace", admin, "admin:metrics", sub, false, allow},
      {"user not admin", user_a, "admin:metrics", sub, false, denied},
      {"user publish notifications", user_a, "tenant:A:notifications", pub, false, allow},
      {"user publish deployments", user_a, "tenant:A:deployments", pub, false, denied},
      {"user publish other notifications", user_a, "tenant:B:notifications", pub, false, denied},
      {"personal channel", user_a, "user:1:notifications", sub, false, allow},
      {"other's personal", user_a, "user:2:notifications", sub, false, denied},
      {"personal prefix only", user_a, "user:1", sub, false, denied},
      {"personal publish", user_a, "user:1:notifications", pub, false, denied},
      {"timer own", user_a, "certification:timer:1", sub, false, allow},
      {"timer other", user_a, "certification:timer:2", sub, false, denied},
      {"timer suffix", user_a, "certification:timer:1x", sub, false, denied},
      {"results own", user_a, "certification:results:1", sub, false, allow},
      {"sub token grants", user_a, "tenant:A:monitoring", sub, true, allow},
      {"sub token other namespace", user_a, "system:news", sub, true, allow},
      {"sub token never crosses", user_a, "tenant:B:deployments", sub, true, denied},
      {"sub token no publish", user_a, "system:news", pub, true, denied},
      {"no tenant, tenant var", who("", "1", {"tenant_user"}), "tenant::deployments", sub, false,
       denied},
      {"no tenant, sub token", who("", "1", {"tenant_user"}), "tenant::deployments", sub, true,
       denied},
      {"no tenant, tenant_admin", who("", "1", {"tenant_admin"}), "tenant::x", sub, false, denied},
      {"no user, user var", who("A", "", {"tenant_user"}), "user::x", sub, false, denied},
      {"no user, timer", who("A", "", {"tenant_user"}), "certification:timer:", sub, false, denied},
      {"injection 123x", who("123", "1", {"tenant_admin"}), "tenant:123x:deployments", sub, false,
       denied},
      {"injection 12:3", who("123", "1", {"tenant_admin"}), "tenant:12:3:deployments", sub, false,
       denied},
      {"injection sub token", who("123", "1", {"tenant_user"}), "tenant:1234:deployments", sub,
       true, denied},
      {"tenant segment only", who("123", "1", {"tenant_admin"}), "tenant:123", sub, false, denied},
      {"wildcard tenant value", who("*", "1", {"tenant_admin"}), "tenant:B:x", sub, false, denied},
      {"wildcard own tenant", who("*", "1", {"tenant_admin"}), "tenant:*:x", sub, false, denied},
      {"colon tenant value", who("A:x", "1", {"tenant_admin"}), "tenant:A:x:y", sub, false, denied},
      {"wildcard user value", who("A", "*", {"tenant_user"}), "user:2:x", sub, false, denied},
      {"star role cannot cross", who("A", "1", {"everything"}), "tenant:B:x", sub, false, denied},
      {"star role own tenant", who("A", "1", {"everything"}), "tenant:A:x", sub, false, allow},
      {"star role elsewhere", who("A", "1", {"everything"}), "system:x", sub, false, allow},
      {"tenant:* pattern crosses", who("A", "1", {"notifier"}), "tenant:B:notifications", sub,
       false, allow},
      {"tenant:* pattern is narrow", who("A", "1", {"notifier"}), "tenant:B:billing", sub, false,
       denied},
      {"ten* cannot cross", who("A", "1", {"notifier"}), "tenant:B:x", pub, false, denied},
      {"tenant var elsewhere", who("A", "1", {"tenant_news"}), "system:A:news", sub, false, allow},
      {"both vars", who("A", "1", {"tenant_news"}), "system:1A", sub, false, allow},
      {"empty tenant elsewhere", who("", "1", {"tenant_news"}), "system::news", sub, false, denied},
      {"empty tenant both vars", who("", "1", {"tenant_news"}), "system:1", sub, false, denied},
      {"star tenant elsewhere", who("*", "1", {"tenant_news"}), "system:B:news", sub, false,
       denied},
      {"unknown role ignored", who("A", "1", {"root", "tenant_user"}), "tenant:A:billing", sub,
       false, allow},
      {"only unknown roles", who("A", "1", {"root"}), "tenant:A:billing", sub, false, denied},
      {"no roles", who("A", "1", {}), "system:x", sub, false, denied},
      {"unknown namespace", admin, "foo:bar", sub, false, Decision::unknown_channel},
      {"no namespace", admin, "lobby", sub, true, Decision::unknown_channel},
      {"long channel", admin, "tenant:A:" + std::string(247, 'x'), sub, false,
       Decision::bad_channel},
      {"max channel", admin, "tenant:A:" + std::string(246, 'x'), sub, false, allow},
      {"space", admin, "tenant:A:dep loyments", sub, false, Decision::bad_channel},
      {"non-ascii", admin, "tenant:A:d\xc3\xa9ploiements", sub, false, Decision::bad_channel},
      {"control", admin, "tenant:A:\x7f", sub, false, Decision::bad_channel},
      {"empty", admin, "", sub, false, Decision::bad_channel},
  };
  for (const auto& c : cases)
    EXPECT_EQ(policy_.check(c.identity, c.channel, c.action, c.sub_token), c.expected) << c.name;
}

TEST_F(PolicyTest, CheckChannel) {
  EXPECT_EQ(policy_.check_channel("tenant:A:x"), allow);
  EXPECT_EQ(policy_.check_channel("system:"), allow);
  EXPECT_EQ(policy_.check_channel("nope:x"), Decision::unknown_channel);
  EXPECT_EQ(policy_.check_channel(":x"), Decision::unknown_channel);
  EXPECT_EQ(policy_.check_channel(std::string(256, 'a')), Decision::bad_channel);
  EXPECT_EQ(policy_.check_channel("a\tb"), Decision::bad_channel);
}

TEST(PolicyFunctionsTest, MatchPattern) {
  struct {
    std::string_view pattern, text;
    bool expected;
  } const cases[] = {
      {"*", "", true},
      {"*", "tenant:a:b", true},
      {"", "", true},
      {"", "a", false},
      {"abc", "abc", true},
      {"abc", "abd", false},
      {"abc", "ab", false},
      {"ab", "abc", false},
      {"a*b*c", "abc", true},
      {"a*b*c", "axxbyyc", true},
      {"a*b*c", "abcbc", true},
      {"a*b*c", "axxbyy", false},
      {"a*b*c", "acb", false},
      {"a*", "a", true},
      {"a*", "a:b:c", true},
      {"a*", "ba", false},
      {"*a", "bba", true},
      {"*a", "ab", false},
      {"**", "x", true},
      {"a**b", "ab", true},
      {"tenant:*:x", "tenant::x", true},
      {"tenant:*:x", "tenant:a:b:x", true},
      {"tenant:*:x", "tenant:a:xy", false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(match_pattern(c.pattern, c.text), c.expected) << c.pattern << " ~ " << c.text;
}

TEST(PolicyFunctionsTest, MatchPatternStaysFastOnPathologicalInput) {
  const std::string pattern = "*a*a*a*a*a*a*a*a*a*a*b";
  const std::string text(100000, 'a');
  EXPECT_FALSE(match_pattern(pattern, text));
  EXPECT_TRUE(match_pattern(pattern, text + "b"));
}

TEST(PolicyFunctionsTest, NamespaceAndTenantOf) {
  EXPECT_EQ(namespace_of("tenant:A:x"), "tenant");
  EXPECT_EQ(namespace_of("lobby"), "");
  EXPECT_EQ(namespace_of(":x"), "");
  EXPECT_EQ(tenant_of("tenant:A:x"), "A");
  EXPECT_EQ(tenant_of("tenant:A"), "A");
  EXPECT_EQ(tenant_of("tenant:"), "");
  EXPECT_EQ(tenant_of("tenant"), "");
  EXPECT_EQ(tenant_of("tenants:A:x"), "");
  EXPECT_EQ(tenant_of("user:A:x"), "");
}

TEST(PolicyFunctionsTest, ValidChannelName) {
  EXPECT_TRUE(valid_channel_name("!"));
  EXPECT_TRUE(valid_channel_name("~"));
  EXPECT_TRUE(valid_channel_name(std::string(255, 'a')));
  EXPECT_FALSE(valid_channel_name(std::string(256, 'a')));
  EXPECT_FALSE(valid_channel_name(""));
  EXPECT_FALSE(valid_channel_name(" "));
  EXPECT_FALSE(valid_channel_name(std::string_view("a\0b", 3)));
  EXPECT_FALSE(valid_channel_name("\x80"));
}

TEST(PolicyFunctionsTest, TenantKeyAllows) {
  EXPECT_TRUE(Policy::tenant_key_allows("123", "tenant:123:deployments"));
  EXPECT_TRUE(Policy::tenant_key_allows("123", "tenant:123:"));
  EXPECT_FALSE(Policy::tenant_key_allows("123", "tenant:1234:deployments"));
  EXPECT_FALSE(Policy::tenant_key_allows("123", "tenant:12:3:deployments"));
  EXPECT_FALSE(Policy::tenant_key_allows("123", "tenant:123"));
  EXPECT_FALSE(Policy::tenant_key_allows("123", "admin:tenant:123:x"));
  EXPECT_FALSE(Policy::tenant_key_allows("", "tenant::x"));
  EXPECT_FALSE(Policy::tenant_key_allows("1:2", "tenant:1:2:x"));
  EXPECT_FALSE(Policy::tenant_key_allows("*", "tenant:*:x"));
}

}  // namespace
}  // namespace neo::auth
