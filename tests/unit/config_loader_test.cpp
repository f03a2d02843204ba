// Loading YAML/JSON into the options tree: the spec example, defaults, unknown keys,
// ill-typed values, syntax errors, files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/loader.h"

namespace neo::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

// Secrets every loadable document needs, given through the environment so that a test
// document shows only what it is about.
const Environment kSecrets = {{"NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET", "test-secret"},
                              {"NEO_EVENTS_API_KEY", "test-api-key"}};

std::vector<std::string> problems_of(const std::string& yaml, const Environment& env = kSecrets) {
  try {
    load_from_text(yaml, env);
    return {};
  } catch (const ConfigError& e) {
    return e.problems;
  }
}

// Spec §4, verbatim except distinct secrets (the spec's "..." placeholders are all equal)
// and an added `node` section.
const char* const kSpecExample = R"(
http:
  listen: 0.0.0.0:8000
  tls: { cert_file: "", key_file: "" }        # optional: serve wss/https directly
  allowed_origins: ["https://*.neo-stack.com"] # Origin check for browser connections
client:
  token:
    hmac_secret: "the-secret"   # HS256/HS384/HS512
    rsa_public_key: ""          # PEM (inline or file path) for RS256; ecdsa_public_key for ES256
    audience: ""                # checked when set
    issuer: ""                  # checked when set
    tenant_claim: tenantId      # NEO_STACK claim names (the seeds' JWT shape)
    roles_claim: roles
  channel_limit: 100            # subscriptions per connection
  max_message_bytes: 65536      # largest client frame / publication
  ping_interval: 25s
  pong_timeout: 15s
  queue_max_bytes: 1048576      # a slower client is disconnected, never allowed to grow memory
api:
  key: "master-key"             # master key: every channel
  tenant_keys:                  # a tenant's backend may publish only into tenant:{tenant}:*
    - { tenant: "123", key: "tenant-123-key" }
engine:
  type: memory                  # memory | redis
  redis:
    addresses: ["redis://127.0.0.1:6379"]   # several = sharded by channel
    prefix: neo
namespaces:                     # channel "ns:rest" belongs to namespace "ns"
  - name: tenant
    history_size: 10
    history_ttl: 1h
    force_recovery: true
    presence: true
    join_leave: true
  - { name: admin, history_size: 100, history_ttl: 1h }
  - { name: system }
  - { name: user, history_size: 50, history_ttl: 24h, force_recovery: true }
  - { name: certification, presence: true, join_leave: true, history_size: 10, history_ttl: 1h }
roles:                          # the seeds' RBAC table, as patterns
  admin:
    subscribe: ["admin:*", "tenant:*", "system:*"]
    publish:   ["admin:*", "tenant:*", "system:*"]
  tenant_admin:
    subscribe: ["tenant:{tenant_id}:*", "user:{user_id}:*"]
    publish:   ["tenant:{tenant_id}:*"]
  tenant_user:
    subscribe: ["tenant:{tenant_id}:dashboard", "tenant:{tenant_id}:notifications",
                "tenant:{tenant_id}:billing", "tenant:{tenant_id}:deployments",
                "user:{user_id}:*", "certification:timer:{user_id}",
                "certification:results:{user_id}"]
    publish:   ["tenant:{tenant_id}:notifications"]
rate_limits:                    # publications per second per matching channel (API and clients)
  - { channel: "tenant:*:dashboard", per_second: 10 }
  - { channel: "tenant:*:notifications", per_second: 5 }
tenants:
  max_connections: 10000        # per tenant, across the node (the cluster with redis)
  max_publish_per_second: 1000  # per tenant
metrics: { enabled: true }
log: { level: info, format: json }   # json | text
node: { name: node-a, threads: 4 }
)";

NamespaceOptions named(const std::string& name) {
  NamespaceOptions ns;
  ns.name = name;
  return ns;
}

TEST(ConfigLoad, SpecExampleLandsInEveryField) {
  const Config c = load_from_text(kSpecExample);
  EXPECT_EQ(c.http.listen, "0.0.0.0:8000");
  EXPECT_EQ(c.http.tls, TlsOptions{});
  EXPECT_THAT(c.http.allowed_origins, ElementsAre("https://*.neo-stack.com"));
  EXPECT_EQ(c.client.token.hmac_secret, "the-secret");
  EXPECT_EQ(c.client.token.rsa_public_key, "");
  EXPECT_EQ(c.client.token.tenant_claim, "tenantId");
  EXPECT_EQ(c.client.token.roles_claim, "roles");
  EXPECT_EQ(c.client.channel_limit, 100u);
  EXPECT_EQ(c.client.max_message_bytes, 65536u);
  EXPECT_EQ(c.client.ping_interval, 25s);
  EXPECT_EQ(c.client.pong_timeout, 15s);
  EXPECT_EQ(c.client.queue_max_bytes, 1048576u);
  EXPECT_EQ(c.api.key, "master-key");
  EXPECT_THAT(c.api.tenant_keys, ElementsAre(TenantKey{"123", "tenant-123-key"}));
  EXPECT_EQ(c.engine.type, "memory");
  EXPECT_THAT(c.engine.redis.addresses, ElementsAre("redis://127.0.0.1:6379"));
  EXPECT_EQ(c.engine.redis.prefix, "neo");
  ASSERT_THAT(c.namespaces, SizeIs(5));
  NamespaceOptions tenant = named("tenant");
  tenant.presence = tenant.join_leave = tenant.force_recovery = true;
  tenant.history_size = 10;
  tenant.history_ttl = 1h;
  EXPECT_EQ(c.namespaces[0], tenant);
  NamespaceOptions admin = named("admin");
  admin.history_size = 100;
  admin.history_ttl = 1h;
  EXPECT_EQ(c.namespaces[1], admin);
  EXPECT_EQ(c.namespaces[2], named("system"));
  EXPECT_EQ(c.namespaces[3].history_ttl, 24h);
  EXPECT_EQ(c.namespaces[4].name, "certification");
  EXPECT_TRUE(c.namespaces[4].presence);
  ASSERT_THAT(c.roles, SizeIs(3));
  EXPECT_EQ(c.roles[0], (RoleOptions{"admin",
                                     {"admin:*", "tenant:*", "system:*"},
                                     {"admin:*", "tenant:*", "system:*"}}));
  EXPECT_EQ(c.roles[1].name, "tenant_admin");
  EXPECT_THAT(c.roles[2].subscribe, SizeIs(7));
  EXPECT_THAT(c.roles[2].publish, ElementsAre("tenant:{tenant_id}:notifications"));
  EXPECT_THAT(c.rate_limits, ElementsAre(RateLimit{"tenant:*:dashboard", 10},
                                         RateLimit{"tenant:*:notifications", 5}));
  EXPECT_EQ(c.tenants, (TenantLimits{10000, 1000, {}}));
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_EQ(c.log, (LogOptions{"info", "json"}));
  EXPECT_EQ(c.node, (NodeOptions{"node-a", 4, ""}));
}

TEST(ConfigLoad, EveryRemainingKeyLoads) {
  const Config c = load_from_text(R"(
http: { tls: { cert_file: /c.pem, key_file: /k.pem } }
client:
  token: { ecdsa_public_key: EC, rsa_public_key: RSA, audience: aud, issuer: iss }
  stale_close_delay: 3s
  expired_close_delay: 1m
  history_max_publication_limit: 7
  recovery_max_publication_limit: 8
engine: { type: redis, redis: { addresses: [redis://a:1, redis://b:2], prefix: p } }
namespaces:
  - { name: ns, force_push_join_leave: true, history_size: 1, history_ttl: 1s,
      history_meta_ttl: 2h, force_positioning: true, allow_positioning: true,
      allow_recovery: true, validate_events: true }
catalogue_file: /etc/neo/catalogue.json
metrics: { enabled: false }
log: { level: debug, format: text }
)",
                                  kSecrets);
  EXPECT_EQ(c.http.tls, (TlsOptions{"/c.pem", "/k.pem"}));
  EXPECT_EQ(c.client.token.ecdsa_public_key, "EC");
  EXPECT_EQ(c.client.token.audience, "aud");
  EXPECT_EQ(c.client.token.issuer, "iss");
  EXPECT_EQ(c.client.stale_close_delay, 3s);
  EXPECT_EQ(c.client.expired_close_delay, 1min);
  EXPECT_EQ(c.client.history_max_publication_limit, 7u);
  EXPECT_EQ(c.client.recovery_max_publication_limit, 8u);
  EXPECT_EQ(c.engine.type, "redis");
  EXPECT_THAT(c.engine.redis.addresses, ElementsAre("redis://a:1", "redis://b:2"));
  EXPECT_EQ(c.engine.redis.prefix, "p");
  const NamespaceOptions& ns = c.namespaces.at(0);
  EXPECT_TRUE(ns.force_push_join_leave && ns.force_positioning && ns.allow_positioning &&
              ns.allow_recovery && ns.validate_events);
  EXPECT_EQ(ns.history_meta_ttl, 2h);
  EXPECT_EQ(c.catalogue_file, "/etc/neo/catalogue.json");
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.log, (LogOptions{"debug", "text"}));
}

TEST(ConfigLoad, AbsentKeysKeepDefaults) {
  Config expected;
  expected.client.token.hmac_secret = "test-secret";
  expected.api.key = "test-api-key";
  for (const char* text : {"", "# only a comment\n", "{}", "http:\nclient:\n  token:\n"})
    EXPECT_EQ(load_from_text(text, kSecrets), expected) << text;
}

TEST(ConfigLoad, IdempotencyKeys) {
  const Config defaults = load_from_text("", kSecrets);
  EXPECT_EQ(defaults.api.idempotency_ttl, 5min);
  EXPECT_EQ(defaults.api.idempotency_max_keys, 100000u);
  const Config c =
      load_from_text("api: { idempotency_ttl: 1m30s, idempotency_max_keys: 7 }", kSecrets);
  EXPECT_EQ(c.api.idempotency_ttl, 90s);
  EXPECT_EQ(c.api.idempotency_max_keys, 7u);
}

TEST(ConfigLoad, ListItemsStartFromDefaults) {
  const Config c = load_from_text("namespaces: [{name: ns}]", kSecrets);
  EXPECT_EQ(c.namespaces.at(0).history_meta_ttl, 720h);
  EXPECT_FALSE(c.namespaces.at(0).validate_events);  // off unless asked for
  EXPECT_EQ(c.catalogue_file, "");                   // the built-in catalogue
}

TEST(ConfigLoad, EmptyValuesMeanEmpty) {
  const Config c = load_from_text(
      "http: { allowed_origins: }\nclient: { token: { issuer: } }\n"
      "namespaces:\nroles: { viewer: }\n",
      kSecrets);
  EXPECT_TRUE(c.http.allowed_origins.empty());
  EXPECT_EQ(c.client.token.issuer, "");
  EXPECT_TRUE(c.namespaces.empty());
  EXPECT_THAT(c.roles, ElementsAre(RoleOptions{"viewer", {}, {}}));
}

TEST(ConfigLoad, QuotedNumbersAndYamlBooleans) {
  const Config c = load_from_text(
      "client: { channel_limit: \"7\" }\nmetrics: { enabled: no }\nnode: { name: 123 }", kSecrets);
  EXPECT_EQ(c.client.channel_limit, 7u);
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.node.name, "123");
}

TEST(ConfigLoad, JsonInput) {
  const Config c = load_from_text(R"({
    "http": {"listen": "127.0.0.1:9000", "allowed_origins": ["*"]},
    "client": {"token": {"hmac_secret": "s"}, "ping_interval": "10s", "pong_timeout": 5,
               "channel_limit": 3},
    "api": {"key": "k", "tenant_keys": [{"tenant": "t1", "key": "tk"}]},
    "namespaces": [{"name": "chat", "history_size": 5, "history_ttl": "1m"}],
    "roles": {"member": {"subscribe": ["chat:*"], "publish": []}},
    "rate_limits": [{"channel": "chat:*", "per_second": 2.5}],
    "metrics": {"enabled": false}
  })");
  EXPECT_EQ(c.http.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.client.ping_interval, 10s);
  EXPECT_EQ(c.client.pong_timeout, 5s);
  EXPECT_EQ(c.client.channel_limit, 3u);
  EXPECT_THAT(c.api.tenant_keys, ElementsAre(TenantKey{"t1", "tk"}));
  EXPECT_EQ(c.namespaces.at(0).history_ttl, 1min);
  EXPECT_THAT(c.roles, ElementsAre(RoleOptions{"member", {"chat:*"}, {}}));
  EXPECT_EQ(c.rate_limits.at(0).per_second, 2.5);
  EXPECT_FALSE(c.metrics.enabled);
}

struct ProblemRow {
  const char* name;
  std::string yaml;
  std::string problem;
};

void PrintTo(const ProblemRow& row, std::ostream* os) { *os << row.name; }

class ConfigUnknownKey : public ::testing::TestWithParam<ProblemRow> {};

TEST_P(ConfigUnknownKey, ReportedWithItsPath) {
  EXPECT_THAT(problems_of(GetParam().yaml), ElementsAre(GetParam().problem));
}

INSTANTIATE_TEST_SUITE_P(
    Locations, ConfigUnknownKey,
    ::testing::Values(
        ProblemRow{"top", "tokn: x", "tokn: unknown key"},
        ProblemRow{"nested", "client: { tokn: x }", "client.tokn: unknown key"},
        ProblemRow{"deep", "client: { token: { hmac: x } }", "client.token.hmac: unknown key"},
        ProblemRow{"tls", "http: { tls: { cert: x } }", "http.tls.cert: unknown key"},
        ProblemRow{"list_item", "namespaces: [{name: aa}, {name: bb}, {name: cc, histroy_size: 1}]",
                   "namespaces[2].histroy_size: unknown key"},
        ProblemRow{"role", "roles: { admin: { subscrbe: [a] } }",
                   "roles.admin.subscrbe: unknown key"},
        ProblemRow{"tenant_key", "api: { tenant_keys: [{ tenant: t, key: k, tenent: t }] }",
                   "api.tenant_keys[0].tenent: unknown key"},
        ProblemRow{"rate_limit", "rate_limits: [{ channel: a, chanel: b, per_second: 1 }]",
                   "rate_limits[0].chanel: unknown key"},
        ProblemRow{"role_name_is_not_a_key", "namespaces: [{ name: aa, subscribe: [] }]",
                   "namespaces[0].subscribe: unknown key"}),
    [](const auto& info) { return std::string(info.param.name); });

class ConfigBadValue : public ::testing::TestWithParam<ProblemRow> {};

TEST_P(ConfigBadValue, ReportedWithPathAndExpectation) {
  EXPECT_THAT(problems_of(GetParam().yaml), ElementsAre(GetParam().problem));
}

INSTANTIATE_TEST_SUITE_P(
    Types, ConfigBadValue,
    ::testing::Values(
        ProblemRow{"duration", "client: { ping_interval: abc }",
                   "client.ping_interval: expected a duration like 25s, got \"abc\""},
        ProblemRow{"negative_duration", "namespaces: [{ name: aa, history_ttl: -1s }]",
                   "namespaces[0].history_ttl: expected a duration like 25s, got \"-1s\""},
        ProblemRow{"negative_integer", "client: { channel_limit: -1 }",
                   "client.channel_limit: expected a non-negative integer, got \"-1\""},
        ProblemRow{"fraction", "client: { queue_max_bytes: 1.5 }",
                   "client.queue_max_bytes: expected a non-negative integer, got \"1.5\""},
        ProblemRow{"too_large", "client: { channel_limit: 4294967296 }",
                   "client.channel_limit: expected a non-negative integer up to 4294967295, "
                   "got \"4294967296\""},
        ProblemRow{"missing_integer", "client: { channel_limit: }",
                   "client.channel_limit: expected a non-negative integer, got nothing"},
        ProblemRow{"idempotency_ttl", "api: { idempotency_ttl: 5 minutes }",
                   "api.idempotency_ttl: expected a duration like 25s, got \"5 minutes\""},
        ProblemRow{"idempotency_max_keys", "api: { idempotency_max_keys: many }",
                   "api.idempotency_max_keys: expected a non-negative integer, got \"many\""},
        ProblemRow{"engine_type", "engine: { type: mysql }",
                   "engine.type: expected memory or redis, got \"mysql\""},
        ProblemRow{"bool", "namespaces: [{ name: aa, presence: maybe }]",
                   "namespaces[0].presence: expected true or false, got \"maybe\""},
        ProblemRow{"validate_events", "namespaces: [{ name: aa, validate_events: yes please }]",
                   "namespaces[0].validate_events: expected true or false, got \"yes please\""},
        ProblemRow{"catalogue_file", "catalogue_file: [a]",
                   "catalogue_file: expected a string, got a list"},
        ProblemRow{"bool_list", "metrics: { enabled: [] }",
                   "metrics.enabled: expected true or false, got a list"},
        ProblemRow{"number", "rate_limits: [{ channel: a, per_second: fast }]",
                   "rate_limits[0].per_second: expected a number, got \"fast\""},
        ProblemRow{"string_map", "http: { listen: { a: 1 } }",
                   "http.listen: expected a string, got a mapping"},
        ProblemRow{"section_list", "http: [1]", "http: expected a mapping, got a list"},
        ProblemRow{"section_scalar", "log: loud", "log: expected a mapping, got \"loud\""},
        ProblemRow{"string_list_scalar", "http: { allowed_origins: \"*\" }",
                   "http.allowed_origins: expected a list of strings, got \"*\""},
        ProblemRow{"string_list_item", "http: { allowed_origins: [a, {b: 1}] }",
                   "http.allowed_origins[1]: expected a string, got a mapping"},
        ProblemRow{"struct_list", "namespaces: { tenant: {} }",
                   "namespaces: expected a list, got a mapping"},
        ProblemRow{"struct_list_item", "rate_limits: [ 5 ]",
                   "rate_limits[0]: expected a mapping, got \"5\""},
        ProblemRow{"roles_list", "roles: [admin]",
                   "roles: expected a mapping of role names, got a list"},
        ProblemRow{"role_patterns", "roles: { admin: { publish: x } }",
                   "roles.admin.publish: expected a list of strings, got \"x\""},
        ProblemRow{"top_level", "[1, 2]",
                   "(top level): expected a mapping of sections, got a list"},
        ProblemRow{"duplicate", "log: { level: info, level: debug }", "log.level: duplicate key"},
        ProblemRow{"two_documents", "log: {}\n---\nlog: {}\n",
                   "(top level): expected one YAML document, got 2"},
        // Found by fuzz_config: content after a flow mapping must not be dropped silently.
        ProblemRow{"junk_after_flow_mapping", "{log: {}}\nnamespaces: []\n",
                   "(top level): expected one YAML document, got 2"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigLoad, ReportsEveryProblemTogether) {
  const std::string yaml = R"(
tokn: 1
client: { ping_interval: abc, channel_limit: -1 }
namespaces: [{ name: x }, { name: ok, histroy_size: 1 }]
log: { level: loud }
)";
  const std::vector<std::string> expected = {
      "tokn: unknown key",
      "client.ping_interval: expected a duration like 25s, got \"abc\"",
      "client.channel_limit: expected a non-negative integer, got \"-1\"",
      "namespaces[1].histroy_size: unknown key",
      "namespaces[0].name: expected 2 or more of a-z A-Z 0-9 - _ ., got \"x\"",
      "log.level: expected one of trace, debug, info, warn, error, critical, off, got \"loud\""};
  try {
    load_from_text(yaml, kSecrets);
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems, expected);
    std::string joined;
    for (const auto& p : expected) joined += (joined.empty() ? "" : "\n") + p;
    EXPECT_EQ(std::string(e.what()), joined);
  }
}

TEST(ConfigLoad, NoDerivedComplaintAboutAValueThatFailedToLoad) {
  // history_size failed to load, so "history_size must be set" would only repeat it.
  EXPECT_THAT(problems_of("namespaces: [{ name: aa, history_size: x, history_ttl: 1h }]"),
              ElementsAre("namespaces[0].history_size: expected a non-negative integer, "
                          "got \"x\""));
  EXPECT_THAT(problems_of("api: 5"), ElementsAre("api: expected a mapping, got \"5\""));
}

TEST(ConfigLoad, SyntaxErrorIsOneProblemWithPosition) {
  // Other problems in the document (tokn) are not reported: nothing was loaded.
  EXPECT_THAT(problems_of("tokn: 1\nhttp:\n  listen: a\n   bad: indent\n"),
              ElementsAre("yaml: line 4, column 7: illegal map value"));
  EXPECT_THAT(problems_of("log: { level: info\nnode: {}\n"),
              ElementsAre("yaml: line 2, column 5: end of map flow not found"));
  EXPECT_THAT(problems_of("a: b: c"), ElementsAre("yaml: line 1, column 5: illegal map value"));
}

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("neo_config_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFile, Loads) {
  const auto path = write("neo-events.yaml", kSpecExample);
  EXPECT_EQ(load_from_file(path), load_from_text(kSpecExample));
}

TEST_F(ConfigFile, EnvironmentAppliesToFiles) {
  const auto path = write("neo-events.yaml", "log: { level: debug }");
  EXPECT_EQ(load_from_file(path, kSecrets).log.level, "debug");
}

TEST_F(ConfigFile, MissingFile) {
  const auto path = (dir_ / "absent.yaml").string();
  try {
    load_from_file(path);
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.problems, ElementsAre(path + ": cannot read: No such file or directory"));
  }
}

TEST_F(ConfigFile, DirectoryIsNotAFile) {
  try {
    load_from_file(dir_.string());
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.problems, ElementsAre(dir_.string() + ": cannot read: Is a directory"));
  }
}

TEST_F(ConfigFile, SyntaxErrorNamesTheFile) {
  const auto path = write("bad.yaml", "a: b: c");
  try {
    load_from_file(path);
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.problems, ElementsAre(StartsWith(path + ": line 1, column 5: ")));
  }
}

TEST(ConfigLoad, OnlyConfigErrorEscapes) {
  for (const char* text : {"\t\x01\xff", "{{{{", "&a [*a]", "!!binary x: y", "? [a]\n: b",
                           "http: !!map { listen: 1 }", "- *undefined"}) {
    EXPECT_THROW(load_from_text(text, kSecrets), ConfigError) << text;
  }
}

}  // namespace
}  // namespace neo::config
