// NEO_EVENTS_* environment overrides.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/loader.h"

namespace neo::config {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::Not;
using ::testing::Pair;

const char* const kFile = R"(
client: { token: { hmac_secret: file-secret }, channel_limit: 5 }
api: { key: file-key }
http: { allowed_origins: ["https://file.example"] }
)";

Config load_with(const Environment& env) { return load_from_text(kFile, env); }

std::vector<std::string> problems_with(const Environment& env, const char* yaml = kFile) {
  try {
    load_from_text(yaml, env);
    return {};
  } catch (const ConfigError& e) {
    return e.problems;
  }
}

TEST(ConfigEnv, StringOverridesFile) {
  const Config c = load_with({{"NEO_EVENTS_API_KEY", "env-key"},
                              {"NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET", "env-secret"},
                              {"NEO_EVENTS_HTTP_LISTEN", "127.0.0.1:9"}});
  EXPECT_EQ(c.api.key, "env-key");
  EXPECT_EQ(c.client.token.hmac_secret, "env-secret");
  EXPECT_EQ(c.http.listen, "127.0.0.1:9");
}

TEST(ConfigEnv, StringValueIsTakenVerbatim) {
  // Not parsed as YAML: a secret may contain anything.
  const Config c = load_with({{"NEO_EVENTS_API_KEY", " [a]: #{x} "}});
  EXPECT_EQ(c.api.key, " [a]: #{x} ");
}

TEST(ConfigEnv, NumberDurationBool) {
  const Config c = load_with({{"NEO_EVENTS_CLIENT_CHANNEL_LIMIT", "7"},
                              {"NEO_EVENTS_CLIENT_PING_INTERVAL", "1m30s"},
                              {"NEO_EVENTS_CLIENT_QUEUE_MAX_BYTES", "2048"},
                              {"NEO_EVENTS_METRICS_ENABLED", "false"},
                              {"NEO_EVENTS_NODE_THREADS", "2"}});
  EXPECT_EQ(c.client.channel_limit, 7u);
  EXPECT_EQ(c.client.ping_interval, 90s);
  EXPECT_EQ(c.client.queue_max_bytes, 2048u);
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.node.threads, 2u);
}

TEST(ConfigEnv, EngineType) {
  EXPECT_EQ(load_with({{"NEO_EVENTS_ENGINE_TYPE", "redis"}}).engine.type, "redis");
}

TEST(ConfigEnv, EveryNestedScalarHasAName) {
  const Config c = load_with({{"NEO_EVENTS_HTTP_TLS_CERT_FILE", "c.pem"},
                              {"NEO_EVENTS_HTTP_TLS_KEY_FILE", "k.pem"},
                              {"NEO_EVENTS_CLIENT_TOKEN_TENANT_CLAIM", "tid"},
                              {"NEO_EVENTS_CLIENT_TOKEN_ROLES_CLAIM", "r"},
                              {"NEO_EVENTS_CLIENT_HISTORY_MAX_PUBLICATION_LIMIT", "9"},
                              {"NEO_EVENTS_ENGINE_REDIS_PREFIX", "p"},
                              {"NEO_EVENTS_TENANTS_MAX_PUBLISH_PER_SECOND", "3"},
                              {"NEO_EVENTS_LOG_FORMAT", "text"},
                              {"NEO_EVENTS_NODE_NAME", "n1"}});
  EXPECT_EQ(c.http.tls, (TlsOptions{"c.pem", "k.pem"}));
  EXPECT_EQ(c.client.token.tenant_claim, "tid");
  EXPECT_EQ(c.client.token.roles_claim, "r");
  EXPECT_EQ(c.client.history_max_publication_limit, 9u);
  EXPECT_EQ(c.engine.redis.prefix, "p");
  EXPECT_EQ(c.tenants.max_publish_per_second, 3u);
  EXPECT_EQ(c.log.format, "text");
  EXPECT_EQ(c.node.name, "n1");
}

TEST(ConfigEnv, IdempotencyKeys) {
  const Config c = load_with(
      {{"NEO_EVENTS_API_IDEMPOTENCY_TTL", "2m"}, {"NEO_EVENTS_API_IDEMPOTENCY_MAX_KEYS", "10"}});
  EXPECT_EQ(c.api.idempotency_ttl, 2min);
  EXPECT_EQ(c.api.idempotency_max_keys, 10u);
  EXPECT_THAT(problems_with({{"NEO_EVENTS_API_IDEMPOTENCY_TTL", "0s"}}),
              ElementsAre("api.idempotency_ttl: must be greater than 0 (set by "
                          "NEO_EVENTS_API_IDEMPOTENCY_TTL)"));
  EXPECT_THAT(problems_with({{"NEO_EVENTS_API_IDEMPOTENCY_TTL", "later"}}),
              ElementsAre("NEO_EVENTS_API_IDEMPOTENCY_TTL: expected a duration like 25s, got "
                          "\"later\""));
}

TEST(ConfigEnv, CommaSeparatedList) {
  const Config c = load_with({{"NEO_EVENTS_HTTP_ALLOWED_ORIGINS", "https://a.com, https://b.com"}});
  EXPECT_THAT(c.http.allowed_origins, ElementsAre("https://a.com", "https://b.com"));
}

TEST(ConfigEnv, FlowList) {
  const Config c =
      load_with({{"NEO_EVENTS_ENGINE_REDIS_ADDRESSES", R"(["redis://a:1", "redis://b:2"])"}});
  EXPECT_THAT(c.engine.redis.addresses, ElementsAre("redis://a:1", "redis://b:2"));
}

TEST(ConfigEnv, RedisClusterSeeds) {
  const Config c = load_with({{"NEO_EVENTS_ENGINE_REDIS_CLUSTER", "redis://a:1,redis://b:2"}});
  EXPECT_THAT(c.engine.redis.cluster, ElementsAre("redis://a:1", "redis://b:2"));
}

TEST(ConfigEnv, RedisSentinel) {
  const Config c =
      load_with({{"NEO_EVENTS_ENGINE_REDIS_SENTINEL_MASTER_NAME", "mymaster"},
                 {"NEO_EVENTS_ENGINE_REDIS_SENTINEL_ADDRESSES", "redis://a:1,redis://b:2"},
                 {"NEO_EVENTS_ENGINE_REDIS_SENTINEL_PASSWORD", "pw"},
                 {"NEO_EVENTS_ENGINE_REDIS_SENTINEL_MASTER_PASSWORD", "mpw"},
                 {"NEO_EVENTS_ENGINE_REDIS_SENTINEL_MASTER_DB", "2"},
                 {"NEO_EVENTS_ENGINE_REDIS_SENTINEL_MASTER_TLS", "true"}});
  EXPECT_EQ(c.engine.redis.sentinel.master_name, "mymaster");
  EXPECT_THAT(c.engine.redis.sentinel.addresses, ElementsAre("redis://a:1", "redis://b:2"));
  EXPECT_EQ(c.engine.redis.sentinel.password, "pw");
  EXPECT_EQ(c.engine.redis.sentinel.master_password, "mpw");
  EXPECT_EQ(c.engine.redis.sentinel.master_db, 2);
  EXPECT_TRUE(c.engine.redis.sentinel.master_tls);
}

TEST(ConfigEnv, EmptyValueClearsList) {
  EXPECT_THAT(load_with({{"NEO_EVENTS_HTTP_ALLOWED_ORIGINS", ""}}).http.allowed_origins, IsEmpty());
}

TEST(ConfigEnv, SuppliesWhatTheFileLacksBeforeValidation) {
  const Config c =
      load_from_text("log: { level: debug }",
                     {{"NEO_EVENTS_API_KEY", "k"}, {"NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET", "s"}});
  EXPECT_EQ(c.api.key, "k");
}

TEST(ConfigEnv, UnknownVariable) {
  EXPECT_THAT(problems_with({{"NEO_EVENTS_FOO", "1"}}),
              ElementsAre("NEO_EVENTS_FOO: unknown setting"));
  // Splitting on '_' would wrongly accept a partial path.
  EXPECT_THAT(problems_with({{"NEO_EVENTS_CLIENT_TOKEN", "x"}}),
              ElementsAre("NEO_EVENTS_CLIENT_TOKEN: unknown setting"));
}

TEST(ConfigEnv, CollectionsCannotBeSet) {
  EXPECT_THAT(problems_with({{"NEO_EVENTS_NAMESPACES", "[]"}}),
              ElementsAre("NEO_EVENTS_NAMESPACES: cannot be set from the environment; set "
                          "namespaces in the file"));
  EXPECT_THAT(problems_with({{"NEO_EVENTS_API_TENANT_KEYS", "x"}}),
              ElementsAre("NEO_EVENTS_API_TENANT_KEYS: cannot be set from the environment; set "
                          "api.tenant_keys in the file"));
}

TEST(ConfigEnv, ReservedAndForeignVariablesAreIgnored) {
  EXPECT_THAT(problems_with({{"NEO_EVENTS_BIN", "/x"},
                             {"NEO_EVENTS_CONFIG", "/y.yaml"},
                             {"PATH", "/bin"},
                             {"NEO_EVENTSX", "1"}}),
              IsEmpty());
}

TEST(ConfigEnv, BadValuesNameTheVariable) {
  EXPECT_THAT(
      problems_with({{"NEO_EVENTS_CLIENT_PING_INTERVAL", "abc"},
                     {"NEO_EVENTS_CLIENT_CHANNEL_LIMIT", "-3"},
                     {"NEO_EVENTS_METRICS_ENABLED", "maybe"},
                     {"NEO_EVENTS_HTTP_ALLOWED_ORIGINS", "[a, {b: 1}]"}}),
      ElementsAre("NEO_EVENTS_CLIENT_CHANNEL_LIMIT: expected a non-negative integer, got \"-3\"",
                  "NEO_EVENTS_CLIENT_PING_INTERVAL: expected a duration like 25s, got \"abc\"",
                  "NEO_EVENTS_HTTP_ALLOWED_ORIGINS[1]: expected a string, got a mapping",
                  "NEO_EVENTS_METRICS_ENABLED: expected true or false, got \"maybe\""));
}

TEST(ConfigEnv, BrokenFlowList) {
  const auto problems = problems_with({{"NEO_EVENTS_ENGINE_REDIS_ADDRESSES", "[redis://a"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], ::testing::StartsWith("NEO_EVENTS_ENGINE_REDIS_ADDRESSES: expected a "
                                                 "list like [\"a\", \"b\"] or a,b: "));
}

TEST(ConfigEnv, ValidationOfAnOverrideNamesTheVariable) {
  EXPECT_THAT(problems_with({{"NEO_EVENTS_ENGINE_TYPE", "mysql"}}),
              ElementsAre("engine.type: expected memory or redis, got \"mysql\" (set by "
                          "NEO_EVENTS_ENGINE_TYPE)"));
  EXPECT_THAT(problems_with({{"NEO_EVENTS_API_KEY", ""}}),
              ElementsAre("api.key: must be set (set by NEO_EVENTS_API_KEY)"));
}

TEST(ConfigEnv, ProcessEnvironmentReadsOnlyOurVariables) {
  ASSERT_EQ(::setenv("NEO_EVENTS_UNIT_TEST_PROBE", "a=b", 1), 0);
  const Environment env = process_environment();
  ::unsetenv("NEO_EVENTS_UNIT_TEST_PROBE");
  EXPECT_THAT(env, Contains(Pair("NEO_EVENTS_UNIT_TEST_PROBE", "a=b")));
  EXPECT_THAT(env, Not(Contains(Key("PATH"))));
  for (const auto& [name, value] : env) EXPECT_TRUE(name.starts_with("NEO_EVENTS_")) << name;
}

}  // namespace
}  // namespace neo::config
