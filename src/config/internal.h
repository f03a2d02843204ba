// Internals of the loader shared by its .cpp files: the field table of every options
// struct, problem collection, and scalar parsing. Not for use outside src/config/.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/config.h"
#include "config/loader.h"

namespace YAML {
class Node;
}

namespace neo::config::detail {

// The key names of every struct, in document order. One table drives YAML decoding and
// the environment-variable names, so the two can never disagree.
template <class V>
void visit_fields(TlsOptions& o, V&& v) {
  v("cert_file", o.cert_file);
  v("key_file", o.key_file);
  v("handshake_timeout", o.handshake_timeout);
}
template <class V>
void visit_fields(HttpOptions& o, V&& v) {
  v("listen", o.listen);
  v("tls", o.tls);
  v("allowed_origins", o.allowed_origins);
  v("max_body_bytes", o.max_body_bytes);
  v("max_bodies_in_flight_bytes", o.max_bodies_in_flight_bytes);
  v("internal_listen", o.internal_listen);
  v("internal_only_api", o.internal_only_api);
}
template <class V>
void visit_fields(TokenOptions& o, V&& v) {
  v("hmac_secret", o.hmac_secret);
  v("rsa_public_key", o.rsa_public_key);
  v("ecdsa_public_key", o.ecdsa_public_key);
  v("audience", o.audience);
  v("issuer", o.issuer);
  v("tenant_claim", o.tenant_claim);
  v("roles_claim", o.roles_claim);
  v("leeway", o.leeway);
  v("max_bytes", o.max_bytes);
}
template <class V>
void visit_fields(ClientOptions& o, V&& v) {
  v("token", o.token);
  v("channel_limit", o.channel_limit);
  v("max_message_bytes", o.max_message_bytes);
  v("ping_interval", o.ping_interval);
  v("pong_timeout", o.pong_timeout);
  v("queue_max_bytes", o.queue_max_bytes);
  v("stale_close_delay", o.stale_close_delay);
  v("expired_close_delay", o.expired_close_delay);
  v("history_max_publication_limit", o.history_max_publication_limit);
  v("recovery_max_publication_limit", o.recovery_max_publication_limit);
  v("command_rate_per_second", o.command_rate_per_second);
  v("command_burst", o.command_burst);
}
template <class V>
void visit_fields(WebsocketOptions& o, V&& v) {
  v("compression", o.compression);
  v("compression_min_size", o.compression_min_size);
  v("compression_level", o.compression_level);
  v("decompressed_message_size_limit", o.decompressed_message_size_limit);
}
template <class V>
void visit_fields(TenantKey& o, V&& v) {
  v("tenant", o.tenant);
  v("key", o.key);
}
template <class V>
void visit_fields(ApiOptions& o, V&& v) {
  v("key", o.key);
  v("tenant_keys", o.tenant_keys);
  v("idempotency_ttl", o.idempotency_ttl);
  v("idempotency_max_keys", o.idempotency_max_keys);
}
template <class V>
void visit_fields(SentinelOptions& o, V&& v) {
  v("master_name", o.master_name);
  v("addresses", o.addresses);
  v("password", o.password);
  v("master_user", o.master_user);
  v("master_password", o.master_password);
  v("master_db", o.master_db);
  v("master_tls", o.master_tls);
}
template <class V>
void visit_fields(RedisTlsOptions& o, V&& v) {
  v("ca_file", o.ca_file);
  v("cert_file", o.cert_file);
  v("key_file", o.key_file);
  v("server_name", o.server_name);
  v("insecure_skip_verify", o.insecure_skip_verify);
}
template <class V>
void visit_fields(RedisOptions& o, V&& v) {
  v("addresses", o.addresses);
  v("cluster", o.cluster);
  v("sentinel", o.sentinel);
  v("prefix", o.prefix);
  v("tls", o.tls);
  v("command_timeout", o.command_timeout);
  v("connect_timeout", o.connect_timeout);
  v("max_in_flight", o.max_in_flight);
}
template <class V>
void visit_fields(EngineOptions& o, V&& v) {
  v("type", o.type);
  v("redis", o.redis);
}
template <class V>
void visit_fields(NamespaceOptions& o, V&& v) {
  v("name", o.name);
  v("presence", o.presence);
  v("join_leave", o.join_leave);
  v("force_push_join_leave", o.force_push_join_leave);
  v("history_size", o.history_size);
  v("history_ttl", o.history_ttl);
  v("history_meta_ttl", o.history_meta_ttl);
  v("force_positioning", o.force_positioning);
  v("allow_positioning", o.allow_positioning);
  v("force_recovery", o.force_recovery);
  v("allow_recovery", o.allow_recovery);
  v("validate_events", o.validate_events);
  v("allowed_delta_types", o.allowed_delta_types);
  v("delta_publish", o.delta_publish);
}
// RoleOptions::name is the role's key in the `roles` mapping, not a field.
template <class V>
void visit_fields(RoleOptions& o, V&& v) {
  v("subscribe", o.subscribe);
  v("publish", o.publish);
}
template <class V>
void visit_fields(RateLimit& o, V&& v) {
  v("channel", o.channel);
  v("per_second", o.per_second);
}
template <class V>
void visit_fields(TenantOverride& o, V&& v) {
  v("tenant", o.tenant);
  v("max_connections", o.max_connections);
  v("max_publish_per_second", o.max_publish_per_second);
}
template <class V>
void visit_fields(TenantLimits& o, V&& v) {
  v("max_connections", o.max_connections);
  v("max_publish_per_second", o.max_publish_per_second);
  v("overrides", o.overrides);
}
template <class V>
void visit_fields(AuditOptions& o, V&& v) {
  v("enabled", o.enabled);
  v("file", o.file);
}
// `tenant_labels: off` is a scalar; the decoder handles it (decode.cpp) before this table.
template <class V>
void visit_fields(TenantLabels& o, V&& v) {
  v("allow", o.allow);
  v("top", o.top);
}
template <class V>
void visit_fields(MetricsOptions& o, V&& v) {
  v("enabled", o.enabled);
  v("openmetrics", o.openmetrics);
  v("tenant_labels", o.tenant_labels);
}
template <class V>
void visit_fields(LogOptions& o, V&& v) {
  v("level", o.level);
  v("format", o.format);
}
template <class V>
void visit_fields(NodeOptions& o, V&& v) {
  v("name", o.name);
  v("threads", o.threads);
  v("pid_file", o.pid_file);
}
template <class V>
void visit_fields(ShutdownOptions& o, V&& v) {
  v("drain_delay", o.drain_delay);
  v("spread", o.spread);
  v("timeout", o.timeout);
}
template <class V>
void visit_fields(Config& o, V&& v) {
  v("http", o.http);
  v("client", o.client);
  v("websocket", o.websocket);
  v("api", o.api);
  v("engine", o.engine);
  v("namespaces", o.namespaces);
  v("roles", o.roles);
  v("rate_limits", o.rate_limits);
  v("tenants", o.tenants);
  v("metrics", o.metrics);
  v("log", o.log);
  v("node", o.node);
  v("audit", o.audit);
  v("shutdown", o.shutdown);
  v("catalogue_file", o.catalogue_file);
}

struct IgnoreFields {
  template <class T>
  void operator()(const char*, T&) const {}
};

// A struct with a field table (a YAML mapping).
template <class T>
concept Described = requires(T& t) {
  visit_fields(t, IgnoreFields{});
};

// A leaf value: one YAML scalar, one environment variable.
template <class T>
concept Scalar =
    std::is_same_v<T, std::string> || std::is_same_v<T, bool> || std::is_same_v<T, std::uint32_t> ||
    std::is_same_v<T, std::uint64_t> || std::is_same_v<T, double> || std::is_same_v<T, Duration>;

std::string join_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t index);

// Collects "where: what" lines. Decoding failures are remembered so that validation does
// not pile a second, derived complaint onto a value that never loaded.
class Problems {
 public:
  // A value at `path` could not be loaded; `where` is the path or an env variable name.
  void bad_value(const std::string& where, const std::string& path, const std::string& what);
  void bad_value(const std::string& path, const std::string& what) { bad_value(path, path, what); }
  // A validation rule failed for the (loaded) value at `path`.
  void invalid(const std::string& path, const std::string& what);
  // `path` was set by environment variable `var`; validation messages mention it.
  void set_by_env(const std::string& path, const std::string& var) { env_[path] = var; }

  // Adds `other`'s lines; when there are any, the value at `path` failed to load.
  void merge(Problems&& other, const std::string& path);

  bool empty() const { return lines_.empty(); }
  std::vector<std::string> take() { return std::move(lines_); }

 private:
  bool overlaps_failed(const std::string& path) const;

  std::vector<std::string> lines_;
  std::vector<std::string> failed_;
  std::map<std::string, std::string> env_;
};

// Scalar text -> value. Each returns nullopt on success, else what was expected.
std::optional<std::string> parse_scalar(std::string_view text, std::string& out);
std::optional<std::string> parse_scalar(std::string_view text, bool& out);
std::optional<std::string> parse_scalar(std::string_view text, std::uint32_t& out);
std::optional<std::string> parse_scalar(std::string_view text, std::uint64_t& out);
std::optional<std::string> parse_scalar(std::string_view text, double& out);
std::optional<std::string> parse_scalar(std::string_view text, Duration& out);

// What a value of the field's type looks like, for "expected ..." messages.
std::string expectation(const std::string&);
std::string expectation(const bool&);
std::string expectation(const std::uint32_t&);
std::string expectation(const std::uint64_t&);
std::string expectation(const double&);
std::string expectation(const Duration&);

// `text` in double quotes, shortened and with control bytes escaped, for messages.
std::string quoted(std::string_view text);
// 90000ms -> "1m30s".
std::string format_duration(Duration d);

// YAML node -> Config; unknown keys and bad values go to `problems`.
void decode_document(const YAML::Node& root, Config& config, Problems& problems);
// A YAML list of strings (used for env values written as a flow list).
void decode_string_list(const YAML::Node& node, const std::string& path,
                        std::vector<std::string>& out, Problems& problems);

// NEO_EVENTS_* overrides on top of `config`.
void apply_environment(const Environment& env, Config& config, Problems& problems);

// The validation rules; problems only, `config` is not changed.
void check_config(const Config& config, Problems& problems);

// YAML text -> Config with `env` applied, not validated. `source` names the text in a
// syntax error ("yaml" or the file name). Throws ConfigError.
Config decode_text(const std::string& text, const Environment& env, const std::string& source,
                   Problems& problems);

}  // namespace neo::config::detail
