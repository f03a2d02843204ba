// Validation rules, one row each: the document, and the single problem it must produce
// (or none).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"

namespace neo::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Environment kSecrets = {{"NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET", "test-secret"},
                              {"NEO_EVENTS_API_KEY", "test-api-key"}};

struct Row {
  const char* name;
  std::string yaml;
  std::string problem;  // empty: the document is valid
  bool with_secrets = true;
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class ConfigValidation : public ::testing::TestWithParam<Row> {};

TEST_P(ConfigValidation, Rule) {
  const Row& row = GetParam();
  std::vector<std::string> problems;
  try {
    load_from_text(row.yaml, row.with_secrets ? kSecrets : Environment{});
  } catch (const ConfigError& e) {
    problems = e.problems;
  }
  if (row.problem.empty())
    EXPECT_THAT(problems, IsEmpty());
  else
    EXPECT_THAT(problems, ElementsAre(row.problem));
}

const std::string kListenProblem = "expected host:port (port 0-65535, IPv6 in brackets), got ";

INSTANTIATE_TEST_SUITE_P(
    Http, ConfigValidation,
    ::testing::Values(Row{"listen_ipv4", "http: { listen: 10.0.0.1:8000 }", ""},
                      Row{"listen_hostname_port_0", "http: { listen: localhost:0 }", ""},
                      Row{"listen_ipv6", "http: { listen: \"[::1]:8000\" }", ""},
                      Row{"listen_no_port", "http: { listen: localhost }",
                          "http.listen: " + kListenProblem + "\"localhost\""},
                      Row{"listen_port_range", "http: { listen: 0.0.0.0:65536 }",
                          "http.listen: " + kListenProblem + "\"0.0.0.0:65536\""},
                      Row{"listen_no_host", "http: { listen: \":8000\" }",
                          "http.listen: " + kListenProblem + "\":8000\""},
                      Row{"listen_bare_ipv6", "http: { listen: \"::1:8000\" }",
                          "http.listen: " + kListenProblem + "\"::1:8000\""},
                      Row{"listen_bad_port", "http: { listen: \"a:80x\" }",
                          "http.listen: " + kListenProblem + "\"a:80x\""},
                      Row{"tls_half", "http: { tls: { cert_file: c.pem } }",
                          "http.tls: cert_file and key_file must be set together"},
                      Row{"tls_handshake_timeout", "http: { tls: { handshake_timeout: 0s } }",
                          "http.tls.handshake_timeout: must be greater than 0"},
                      Row{"empty_origin", "http: { allowed_origins: [\"\"] }",
                          "http.allowed_origins[0]: must not be empty"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Shutdown, ConfigValidation,
    ::testing::Values(
        Row{"shutdown_too_short", "shutdown: { drain_delay: 2s, spread: 3s, timeout: 5s }",
            "shutdown.timeout: must be greater than shutdown.drain_delay + "
            "shutdown.spread (2s + 3s >= 5s)"},
        Row{"shutdown_at_once", "shutdown: { drain_delay: 0s, spread: 0s, timeout: 1s }", ""}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Client, ConfigValidation,
    ::testing::Values(
        Row{"no_token_key", "api: { key: k }",
            "client.token: set at least one of hmac_secret, rsa_public_key, ecdsa_public_key",
            false},
        Row{"rsa_key_alone", "api: { key: k }\nclient: { token: { rsa_public_key: PEM } }", "",
            false},
        Row{"ecdsa_key_alone", "api: { key: k }\nclient: { token: { ecdsa_public_key: PEM } }", "",
            false},
        Row{"small_messages", "client: { max_message_bytes: 1023 }",
            "client.max_message_bytes: must be at least 1024, got 1023"},
        Row{"small_queue", "client: { queue_max_bytes: 100 }",
            "client.queue_max_bytes: must be at least 1024, got 100"},
        Row{"ping_zero", "client: { ping_interval: 0 }",
            "client.ping_interval: must be greater than 0"},
        Row{"pong_zero", "client: { pong_timeout: 0 }",
            "client.pong_timeout: must be greater than 0"},
        Row{"pong_not_below_ping", "client: { ping_interval: 10s, pong_timeout: 10s }",
            "client.pong_timeout: must be less than client.ping_interval (10s >= 10s)"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Api, ConfigValidation,
    ::testing::Values(
        Row{"no_api_key", "client: { token: { hmac_secret: s } }", "api.key: must be set", false},
        Row{"tenant_empty", "api: { tenant_keys: [{ key: k1 }] }",
            "api.tenant_keys[0].tenant: must be non-empty without ':', '*', '{', '}', '#' or "
            "whitespace, got \"\""},
        Row{"tenant_colon", "api: { tenant_keys: [{ tenant: \"a:b\", key: k1 }] }",
            "api.tenant_keys[0].tenant: must be non-empty without ':', '*', '{', '}', '#' or "
            "whitespace, got \"a:b\""},
        Row{"tenant_space", "api: { tenant_keys: [{ tenant: \"a b\", key: k1 }] }",
            "api.tenant_keys[0].tenant: must be non-empty without ':', '*', '{', '}', '#' or "
            "whitespace, got \"a b\""},
        Row{"tenant_key_empty", "api: { tenant_keys: [{ tenant: t }] }",
            "api.tenant_keys[0].key: must be set"},
        Row{"tenant_key_duplicate",
            "api: { tenant_keys: [{ tenant: a, key: k1 }, { tenant: b, key: k1 }] }",
            "api.tenant_keys[1].key: same key as api.tenant_keys[0].key"},
        Row{"tenant_key_is_master", "api: { tenant_keys: [{ tenant: a, key: test-api-key }] }",
            "api.tenant_keys[0].key: must differ from api.key"},
        Row{"two_keys_one_tenant",
            "api: { tenant_keys: [{ tenant: a, key: k1 }, { tenant: a, key: k2 }] }", ""},
        Row{"idempotency_smallest", "api: { idempotency_ttl: 1ms, idempotency_max_keys: 1 }", ""},
        Row{"idempotency_ttl_zero", "api: { idempotency_ttl: 0s }",
            "api.idempotency_ttl: must be greater than 0"},
        Row{"idempotency_max_keys_zero", "api: { idempotency_max_keys: 0 }",
            "api.idempotency_max_keys: must be at least 1"}),
    [](const auto& info) { return std::string(info.param.name); });

const std::string kSentinels =
    "{ master_name: mymaster, addresses: [\"redis://s1:26379\", \"redis://s2:26379\"] }";

INSTANTIATE_TEST_SUITE_P(
    Engine, ConfigValidation,
    ::testing::Values(
        Row{"redis", "engine: { type: redis }", ""},
        Row{"unknown_type", "engine: { type: etcd }",
            "engine.type: expected memory or redis, got \"etcd\""},
        Row{"redis_no_addresses", "engine: { type: redis, redis: { addresses: [] } }",
            "engine.redis.addresses: at least one address is needed for the redis engine"},
        Row{"memory_no_addresses", "engine: { redis: { addresses: [] } }", ""},
        Row{"redis_cluster", "engine: { type: redis, redis: { cluster: [\"redis://a:1\"] } }", ""},
        Row{"redis_cluster_only",
            "engine: { type: redis, redis: { addresses: [], cluster: [\"redis://a:1\"] } }", ""},
        Row{"redis_cluster_and_addresses",
            "engine: { redis: { addresses: [\"redis://b:2\"], cluster: [\"redis://a:1\"] } }",
            "engine.redis.cluster: cannot be combined with engine.redis.addresses (independent "
            "shards)"},
        Row{"cluster_prefix_brace",
            "engine: { redis: { addresses: [], cluster: [\"redis://a:1\"], prefix: \"n{e\" } }",
            "engine.redis.prefix: must not contain { or } with engine.redis.cluster (they delimit "
            "hash tags), got \"n{e\""},
        Row{"prefix_brace_without_cluster", "engine: { redis: { prefix: \"n{e}\" } }", ""},
        // The addresses themselves: node_config_check_test (the engine's parser).
        Row{"rediss_address", "engine: { redis: { addresses: [\"rediss://u:p@a:1/2\"] } }", ""},
        Row{"redis_bounds",
            "engine: { redis: { command_timeout: 1ms, connect_timeout: 1ms, max_in_flight: 1 } }",
            ""},
        Row{"command_timeout_zero", "engine: { redis: { command_timeout: 0s } }",
            "engine.redis.command_timeout: must be greater than 0"},
        Row{"connect_timeout_zero", "engine: { redis: { connect_timeout: 0s } }",
            "engine.redis.connect_timeout: must be greater than 0"},
        Row{"max_in_flight_zero", "engine: { redis: { max_in_flight: 0 } }",
            "engine.redis.max_in_flight: must be at least 1"},
        Row{"tls_cert_without_key", "engine: { redis: { tls: { cert_file: c.pem } } }",
            "engine.redis.tls.key_file: engine.redis.tls.cert_file and key_file go together (a "
            "client certificate)"},
        Row{"tls_key_without_cert", "engine: { redis: { tls: { key_file: k.pem } } }",
            "engine.redis.tls.cert_file: engine.redis.tls.cert_file and key_file go together (a "
            "client certificate)"},
        Row{"tls_unknown_key", "engine: { redis: { tls: { ca: x } } }",
            "engine.redis.tls.ca: unknown key"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Sentinel, ConfigValidation,
    ::testing::Values(
        Row{"sentinel", "engine: { type: redis, redis: { sentinel: " + kSentinels + " } }", ""},
        Row{"sentinel_no_addresses",
            "engine: { type: redis, redis: { addresses: [], sentinel: " + kSentinels + " } }", ""},
        Row{"sentinel_and_addresses",
            "engine: { redis: { addresses: [\"redis://b:2\"], sentinel: " + kSentinels + " } }",
            "engine.redis.sentinel: cannot be combined with engine.redis.addresses (the sentinels "
            "name the master)"},
        Row{"sentinel_and_cluster",
            "engine: { redis: { addresses: [], cluster: [\"redis://a:1\"], sentinel: " +
                kSentinels + " } }",
            "engine.redis.sentinel: cannot be combined with engine.redis.cluster"},
        Row{"sentinel_without_name",
            "engine: { redis: { sentinel: { addresses: [\"redis://s:26379\"] } } }",
            "engine.redis.sentinel.master_name: must be set (the name sentinel.conf monitors)"},
        Row{"sentinel_name_space",
            "engine: { redis: { sentinel: { master_name: \"my master\", addresses: "
            "[\"redis://s:26379\"] } } }",
            "engine.redis.sentinel.master_name: must not contain whitespace, got \"my master\""},
        Row{"sentinel_without_sentinels",
            "engine: { type: redis, redis: { addresses: [], sentinel: { master_name: m } } }",
            "engine.redis.sentinel.addresses: at least one sentinel address is needed"},
        Row{"sentinel_master_access",
            "engine: { redis: { sentinel: { master_name: m, addresses: [\"redis://s:26379\"], "
            "master_user: app, master_password: pw, master_db: 2, master_tls: true } } }",
            ""},
        Row{"sentinel_master_db_negative",
            "engine: { redis: { sentinel: { master_name: m, addresses: [\"redis://s:26379\"], "
            "master_db: -1 } } }",
            "engine.redis.sentinel.master_db: expected a non-negative integer, got \"-1\""},
        Row{"sentinel_master_user_without_password",
            "engine: { redis: { sentinel: { master_name: m, addresses: [\"redis://s:26379\"], "
            "master_user: app } } }",
            "engine.redis.sentinel.master_password: must be set with master_user (AUTH user "
            "password)"}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Namespaces, ConfigValidation,
    ::testing::Values(
        Row{"name_chars", "namespaces: [{ name: a-Z_0.9 }]", ""},
        Row{"name_short", "namespaces: [{ name: a }]",
            "namespaces[0].name: expected 2 or more of a-z A-Z 0-9 - _ ., got \"a\""},
        Row{"name_missing", "namespaces: [{ presence: true }]",
            "namespaces[0].name: expected 2 or more of a-z A-Z 0-9 - _ ., got \"\""},
        Row{"name_colon", "namespaces: [{ name: \"a:b\" }]",
            "namespaces[0].name: expected 2 or more of a-z A-Z 0-9 - _ ., got \"a:b\""},
        Row{"name_duplicate", "namespaces: [{ name: aa }, { name: bb }, { name: aa }]",
            "namespaces[2].name: namespace \"aa\" is already defined at namespaces[0]"},
        Row{"size_without_ttl", "namespaces: [{ name: aa, history_size: 10 }]",
            "namespaces[0].history_ttl: must be set when history_size is set"},
        Row{"ttl_without_size", "namespaces: [{ name: aa, history_ttl: 1h }]",
            "namespaces[0].history_size: must be set when history_ttl is set"},
        Row{"force_recovery", "namespaces: [{ name: aa, force_recovery: true }]",
            "namespaces[0].force_recovery: requires history (history_size and history_ttl)"},
        Row{"allow_recovery", "namespaces: [{ name: aa, allow_recovery: true }]",
            "namespaces[0].allow_recovery: requires history (history_size and history_ttl)"},
        Row{"force_positioning", "namespaces: [{ name: aa, force_positioning: true }]",
            "namespaces[0].force_positioning: requires history (history_size and history_ttl)"},
        Row{"allow_positioning", "namespaces: [{ name: aa, allow_positioning: true }]",
            "namespaces[0].allow_positioning: requires history (history_size and history_ttl)"},
        Row{"recovery_with_history",
            "namespaces: [{ name: aa, history_size: 1, history_ttl: 1s, force_recovery: true }]",
            ""},
        Row{"delta_without_history", "namespaces: [{ name: aa, allowed_delta_types: [fossil] }]",
            "namespaces[0].allowed_delta_types: requires history (history_size and history_ttl)"},
        Row{"unknown_delta_type",
            "namespaces: [{ name: aa, history_size: 1, history_ttl: 1s, allowed_delta_types: "
            "[fossil, xdelta] }]",
            "namespaces[0].allowed_delta_types[1]: expected \"fossil\", got \"xdelta\""},
        Row{"delta_publish_without_fossil",
            "namespaces: [{ name: aa, history_size: 1, history_ttl: 1s, delta_publish: true }]",
            "namespaces[0].delta_publish: requires allowed_delta_types: [fossil]"},
        Row{"delta_with_history",
            "namespaces: [{ name: aa, history_size: 1, history_ttl: 1s, allowed_delta_types: "
            "[fossil], delta_publish: true }]",
            ""}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    RolesAndLimits, ConfigValidation,
    ::testing::Values(
        Row{"placeholders", "roles: { r: { subscribe: [\"t:{tenant_id}:{user_id}:*\"] } }", ""},
        Row{"empty_pattern", "roles: { r: { subscribe: [a, \"\"] } }",
            "roles.r.subscribe[1]: must not be empty"},
        Row{"unknown_placeholder", "roles: { r: { publish: [\"tenant:{tenant}:*\"] } }",
            "roles.r.publish[0]: only the placeholders {tenant_id} and {user_id} are allowed, "
            "got \"tenant:{tenant}:*\""},
        Row{"stray_brace", "roles: { r: { publish: [\"a}\"] } }",
            "roles.r.publish[0]: only the placeholders {tenant_id} and {user_id} are allowed, "
            "got \"a}\""},
        Row{"empty_role_name", "roles: { \"\": { publish: [a] } }",
            "roles: role names must not be empty"},
        Row{"rate_zero", "rate_limits: [{ channel: a, per_second: 0 }]",
            "rate_limits[0].per_second: must be above 0"},
        Row{"rate_negative", "rate_limits: [{ channel: a, per_second: -2 }]",
            "rate_limits[0].per_second: must be above 0"},
        Row{"rate_channel", "rate_limits: [{ per_second: 1 }]",
            "rate_limits[0].channel: must be set"},
        Row{"rate_fraction", "rate_limits: [{ channel: a, per_second: 0.5 }]", ""}),
    [](const auto& info) { return std::string(info.param.name); });

INSTANTIATE_TEST_SUITE_P(
    LogAndNode, ConfigValidation,
    ::testing::Values(
        Row{"log_levels", "log: { level: critical, format: text }", ""},
        Row{"log_level", "log: { level: verbose }",
            "log.level: expected one of trace, debug, info, warn, error, critical, off, got "
            "\"verbose\""},
        Row{"log_format", "log: { format: xml }", "log.format: expected json or text, got \"xml\""},
        Row{"threads_max", "node: { threads: 256 }", ""},
        Row{"threads", "node: { threads: 257 }", "node.threads: must be at most 256, got 257"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigValidate, PingZeroAlsoReportsPongZero) {
  try {
    load_from_text("client: { ping_interval: 0, pong_timeout: 0s }", kSecrets);
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.problems, ElementsAre("client.ping_interval: must be greater than 0",
                                        "client.pong_timeout: must be greater than 0"));
  }
}

TEST(ConfigValidate, ValidateFunctionOnACodeBuiltConfig) {
  Config config;
  EXPECT_THAT(validate(config),
              ElementsAre("client.token: set at least one of hmac_secret, rsa_public_key, "
                          "ecdsa_public_key",
                          "api.key: must be set"));
  config.client.token.hmac_secret = "s";
  config.api.key = "k";
  EXPECT_THAT(validate(config), IsEmpty());
}

TEST(ConfigValidate, SpecPlaceholderSecretsCollide) {
  // The spec's example uses "..." for both the master and a tenant key; as written it is
  // rejected, because a tenant key equal to the master key would grant every channel.
  const char* yaml = R"(
client: { token: { hmac_secret: "..." } }
api:
  key: "..."
  tenant_keys:
    - { tenant: "123", key: "..." }
)";
  try {
    load_from_text(yaml);
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.problems, ElementsAre("api.tenant_keys[0].key: must differ from api.key"));
  }
}

}  // namespace
}  // namespace neo::config

namespace neo::config {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Websocket, ConfigValidation,
    ::testing::Values(
        Row{"compression_on", "websocket: { compression: true, compression_level: 9 }", ""},
        Row{"compression_level_0", "websocket: { compression_level: 0 }",
            "websocket.compression_level: must be 1 (fastest) .. 9 (smallest), got 0"},
        Row{"compression_level_10", "websocket: { compression_level: 10 }",
            "websocket.compression_level: must be 1 (fastest) .. 9 (smallest), got 10"},
        Row{"decompressed_limit_tiny", "websocket: { decompressed_message_size_limit: 10 }",
            "websocket.decompressed_message_size_limit: must be 0 (client.max_message_bytes) or "
            "at least 1024, got 10"},
        Row{"decompressed_limit_default", "websocket: { decompressed_message_size_limit: 0 }",
            ""}));

}  // namespace
}  // namespace neo::config
