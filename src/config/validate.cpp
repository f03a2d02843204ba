// Validation of a loaded Config: rules across values that types alone cannot express.
#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>

#include "config/internal.h"

namespace neo::config {
namespace {

using detail::index_path;
using detail::Problems;
using detail::quoted;

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

template <class Pred>
bool all(std::string_view text, Pred pred) {
  return std::all_of(text.begin(), text.end(), pred);
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5 || !all(port, [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return std::stoul(std::string(port)) <= 65535;
}

// "host:port" or "[v6]:port"; the host must be non-empty.
bool valid_listen(std::string_view listen) {
  if (listen.starts_with('[')) {
    std::size_t close = listen.find(']');
    if (close == std::string_view::npos || close < 3 || listen.substr(close + 1, 1) != ":")
      return false;
    std::string_view host = listen.substr(1, close - 1);
    bool v6 = all(host, [](char c) { return is_alnum(c) || c == ':' || c == '.' || c == '%'; });
    return v6 && host.find(':') != std::string_view::npos && valid_port(listen.substr(close + 2));
  }
  std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = listen.substr(0, colon);
  return all(host, [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; }) &&
         valid_port(listen.substr(colon + 1));
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// The characters spec §5 forbids in tenant ids, so a key's tenant can match a token's.
bool valid_tenant(std::string_view tenant) {
  return !tenant.empty() && all(tenant, [](char c) {
    return std::string_view(":*{}#").find(c) == std::string_view::npos &&
           !std::isspace(static_cast<unsigned char>(c));
  });
}

bool valid_namespace_name(std::string_view name) {
  return name.size() >= 2 &&
         all(name, [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool placeholders_ok(std::string_view pattern) {
  std::string rest(pattern);
  for (std::string_view known : {"{tenant_id}", "{user_id}"}) {
    for (std::size_t at; (at = rest.find(known)) != std::string::npos;)
      rest.erase(at, known.size());
  }
  return rest.find_first_of("{}") == std::string::npos;
}

void check_http(const Config& c, Problems& p) {
  if (!valid_listen(c.http.listen))
    p.invalid("http.listen",
              "expected host:port (port 0-65535, IPv6 in brackets), got " + quoted(c.http.listen));
  if (c.http.tls.cert_file.empty() != c.http.tls.key_file.empty())
    p.invalid("http.tls", "cert_file and key_file must be set together");
  if (c.http.tls.handshake_timeout.count() <= 0)
    p.invalid("http.tls.handshake_timeout", "must be greater than 0");
  for (std::size_t i = 0; i < c.http.allowed_origins.size(); ++i)
    if (c.http.allowed_origins[i].empty())
      p.invalid(index_path("http.allowed_origins", i), "must not be empty");
}

void check_internal_listener(const Config& c, Problems& p) {
  const auto& http = c.http;
  if (http.internal_listen.empty()) {
    if (http.internal_only_api)
      p.invalid("http.internal_only_api", "requires http.internal_listen");
    return;
  }
  if (!valid_listen(http.internal_listen))
    p.invalid("http.internal_listen", "expected host:port (port 0-65535, IPv6 in brackets), got " +
                                          quoted(http.internal_listen));
  else if (http.internal_listen == http.listen && !http.listen.ends_with(":0"))
    p.invalid("http.internal_listen", "must differ from http.listen (" + http.listen + ")");
}

constexpr std::size_t kMaxTenantSeries = 1000;

void check_metrics(const Config& c, Problems& p) {
  const TenantLabels& t = c.metrics.tenant_labels;
  if (!t.allow.empty() && t.top > 0)
    p.invalid("metrics.tenant_labels", "set either allow or top, not both");
  if (t.top > kMaxTenantSeries)
    p.invalid("metrics.tenant_labels.top", "must be at most " + std::to_string(kMaxTenantSeries) +
                                               ", got " + std::to_string(t.top));
  if (t.allow.size() > kMaxTenantSeries)
    p.invalid("metrics.tenant_labels.allow",
              "must list at most " + std::to_string(kMaxTenantSeries) + " tenants");
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < t.allow.size(); ++i) {
    const std::string path = index_path("metrics.tenant_labels.allow", i);
    if (!valid_tenant(t.allow[i]))
      p.invalid(path, "must be non-empty without ':', '*', '{', '}', '#' or whitespace, got " +
                          quoted(t.allow[i]));
    else if (t.allow[i] == "other")
      p.invalid(path, "\"other\" is the label of every tenant not listed");
    else if (auto [it, fresh] = seen.emplace(t.allow[i], i); !fresh)
      p.invalid(path, "same tenant as " + index_path("metrics.tenant_labels.allow", it->second));
  }
}

void check_client(const Config& c, Problems& p) {
  const auto& t = c.client.token;
  if (t.hmac_secret.empty() && t.rsa_public_key.empty() && t.ecdsa_public_key.empty())
    p.invalid("client.token", "set at least one of hmac_secret, rsa_public_key, ecdsa_public_key");
  const struct {
    const char* path;
    std::uint64_t value;
  } sizes[] = {{"client.max_message_bytes", c.client.max_message_bytes},
               {"client.queue_max_bytes", c.client.queue_max_bytes},
               {"http.max_body_bytes", c.http.max_body_bytes},
               {"http.max_bodies_in_flight_bytes", c.http.max_bodies_in_flight_bytes}};
  for (const auto& s : sizes)
    if (s.value < 1024) p.invalid(s.path, "must be at least 1024, got " + std::to_string(s.value));
  if (c.http.max_bodies_in_flight_bytes < c.http.max_body_bytes)
    p.invalid("http.max_bodies_in_flight_bytes",
              "must be at least http.max_body_bytes (" + std::to_string(c.http.max_body_bytes) +
                  "), or the largest bodies could never be read");
  const auto ping = c.client.ping_interval;
  const auto pong = c.client.pong_timeout;
  if (ping.count() <= 0) p.invalid("client.ping_interval", "must be greater than 0");
  if (pong.count() <= 0) p.invalid("client.pong_timeout", "must be greater than 0");
  if (ping.count() > 0 && pong >= ping)
    p.invalid("client.pong_timeout", "must be less than client.ping_interval (" +
                                         detail::format_duration(pong) +
                                         " >= " + detail::format_duration(ping) + ")");
}

void check_websocket(const Config& c, Problems& p) {
  const auto& w = c.websocket;
  if (w.compression_level < 1 || w.compression_level > 9)
    p.invalid("websocket.compression_level",
              "must be 1 (fastest) .. 9 (smallest), got " + std::to_string(w.compression_level));
  if (w.decompressed_message_size_limit != 0 && w.decompressed_message_size_limit < 1024)
    p.invalid("websocket.decompressed_message_size_limit",
              "must be 0 (client.max_message_bytes) or at least 1024, got " +
                  std::to_string(w.decompressed_message_size_limit));
}

void check_tenant_key(const Config& c, std::size_t i, std::map<std::string, std::size_t>& seen,
                      Problems& p) {
  const TenantKey& tk = c.api.tenant_keys[i];
  const std::string path = index_path("api.tenant_keys", i);
  if (!valid_tenant(tk.tenant))
    p.invalid(path + ".tenant",
              "must be non-empty without ':', '*', '{', '}', '#' or whitespace, got " +
                  quoted(tk.tenant));
  if (tk.key.empty()) return p.invalid(path + ".key", "must be set");
  if (tk.key == c.api.key) p.invalid(path + ".key", "must differ from api.key");
  auto [it, fresh] = seen.emplace(tk.key, i);
  if (!fresh)
    p.invalid(path + ".key", "same key as " + index_path("api.tenant_keys", it->second) + ".key");
}

void check_tenants(const Config& c, Problems& p) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < c.tenants.overrides.size(); ++i) {
    const TenantOverride& o = c.tenants.overrides[i];
    const std::string path = index_path("tenants.overrides", i);
    if (!valid_tenant(o.tenant))
      p.invalid(path + ".tenant",
                "must be non-empty without ':', '*', '{', '}', '#' or whitespace, got " +
                    quoted(o.tenant));
    auto [it, fresh] = seen.emplace(o.tenant, i);
    if (!fresh)
      p.invalid(path + ".tenant",
                "same tenant as " + index_path("tenants.overrides", it->second) + ".tenant");
  }
}

void check_token_limits(const Config& c, Problems& p) {
  if (c.client.token.max_bytes < 256) p.invalid("client.token.max_bytes", "must be at least 256");
  if (c.client.command_rate_per_second > 0 &&
      c.client.command_burst < c.client.command_rate_per_second)
    p.invalid("client.command_burst", "must be at least client.command_rate_per_second");
}

void check_api(const Config& c, Problems& p) {
  if (c.api.key.empty()) p.invalid("api.key", "must be set");
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < c.api.tenant_keys.size(); ++i) check_tenant_key(c, i, seen, p);
  if (c.api.idempotency_ttl.count() <= 0)
    p.invalid("api.idempotency_ttl", "must be greater than 0");
  if (c.api.idempotency_max_keys == 0) p.invalid("api.idempotency_max_keys", "must be at least 1");
}

// The addresses themselves (scheme, credentials, port, db) and the TLS files are checked by the
// environment check (node/config_check.cpp), with the engine's own parser, which also keeps a
// password out of the message.
void check_redis_bounds(const RedisOptions& redis, Problems& p) {
  if (redis.command_timeout.count() <= 0)
    p.invalid("engine.redis.command_timeout", "must be greater than 0");
  if (redis.connect_timeout.count() <= 0)
    p.invalid("engine.redis.connect_timeout", "must be greater than 0");
  if (redis.max_in_flight == 0) p.invalid("engine.redis.max_in_flight", "must be at least 1");
  const auto& tls = redis.tls;
  if (tls.cert_file.empty() != tls.key_file.empty())
    p.invalid(tls.cert_file.empty() ? "engine.redis.tls.cert_file" : "engine.redis.tls.key_file",
              "engine.redis.tls.cert_file and key_file go together (a client certificate)");
}

// The sentinels name the one master: shards or a cluster besides it would be a second truth.
void check_sentinel(const RedisOptions& redis, Problems& p) {
  const auto& sentinel = redis.sentinel;
  if (!sentinel.enabled()) return;
  if (!redis.cluster.empty())
    p.invalid("engine.redis.sentinel", "cannot be combined with engine.redis.cluster");
  if (!redis.addresses.empty() && redis.addresses != RedisOptions{}.addresses)
    p.invalid("engine.redis.sentinel",
              "cannot be combined with engine.redis.addresses (the sentinels name the master)");
  if (sentinel.master_name.empty())
    p.invalid("engine.redis.sentinel.master_name", "must be set (the name sentinel.conf monitors)");
  // A sentinel announces a failover as "<name> <old ip> <old port> <new ip> <new port>".
  if (sentinel.master_name.find_first_of(" \t\r\n") != std::string::npos)
    p.invalid("engine.redis.sentinel.master_name",
              "must not contain whitespace, got " + quoted(sentinel.master_name));
  if (sentinel.addresses.empty())
    p.invalid("engine.redis.sentinel.addresses", "at least one sentinel address is needed");
  if (!sentinel.master_user.empty() && sentinel.master_password.empty())
    p.invalid("engine.redis.sentinel.master_password",
              "must be set with master_user (AUTH user password)");
}

void check_engine(const Config& c, Problems& p) {
  if (!one_of(c.engine.type, {"memory", "redis"}))
    p.invalid("engine.type", "expected memory or redis, got " + quoted(c.engine.type));
  const auto& redis = c.engine.redis;
  if (c.engine.type == "redis" && redis.addresses.empty() && redis.cluster.empty() &&
      !redis.sentinel.enabled())
    p.invalid("engine.redis.addresses", "at least one address is needed for the redis engine");
  // `addresses` has a default, so only a changed one conflicts with `cluster`.
  if (!redis.cluster.empty() && !redis.addresses.empty() &&
      redis.addresses != RedisOptions{}.addresses)
    p.invalid("engine.redis.cluster",
              "cannot be combined with engine.redis.addresses (independent shards)");
  check_sentinel(redis, p);
  // A brace in the prefix would become part of every key's hash tag: a channel's keys would
  // hash apart and its scripts fail with CROSSSLOT.
  if (!redis.cluster.empty() && redis.prefix.find_first_of("{}") != std::string::npos)
    p.invalid("engine.redis.prefix",
              "must not contain { or } with engine.redis.cluster (they delimit hash tags), got " +
                  quoted(redis.prefix));
  check_redis_bounds(redis, p);
}

// Deltas are patches against the previous publication of the stream: they need history, and
// a subscriber needs positioning to be sure it holds that previous publication.
void check_delta(const NamespaceOptions& ns, const std::string& path, Problems& p) {
  for (std::size_t i = 0; i < ns.allowed_delta_types.size(); ++i)
    if (ns.allowed_delta_types[i] != "fossil")
      p.invalid(index_path(path + ".allowed_delta_types", i),
                "expected \"fossil\", got " + quoted(ns.allowed_delta_types[i]));
  if (!ns.allowed_delta_types.empty() && !ns.history_enabled())
    p.invalid(path + ".allowed_delta_types", "requires history (history_size and history_ttl)");
  if (ns.delta_publish && !ns.allows_fossil())
    p.invalid(path + ".delta_publish", "requires allowed_delta_types: [fossil]");
}

void check_history(const NamespaceOptions& ns, const std::string& path, Problems& p) {
  if (ns.history_size > 0 && ns.history_ttl.count() <= 0)
    p.invalid(path + ".history_ttl", "must be set when history_size is set");
  if (ns.history_ttl.count() > 0 && ns.history_size == 0)
    p.invalid(path + ".history_size", "must be set when history_ttl is set");
  const struct {
    const char* key;
    bool on;
  } needs_history[] = {{"force_recovery", ns.force_recovery},
                       {"allow_recovery", ns.allow_recovery},
                       {"force_positioning", ns.force_positioning},
                       {"allow_positioning", ns.allow_positioning}};
  for (const auto& option : needs_history)
    if (option.on && !ns.history_enabled())
      p.invalid(path + "." + option.key, "requires history (history_size and history_ttl)");
  check_delta(ns, path, p);
}

void check_namespaces(const Config& c, Problems& p) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < c.namespaces.size(); ++i) {
    const NamespaceOptions& ns = c.namespaces[i];
    const std::string path = index_path("namespaces", i);
    if (!valid_namespace_name(ns.name))
      p.invalid(path + ".name", "expected 2 or more of a-z A-Z 0-9 - _ ., got " + quoted(ns.name));
    auto [it, fresh] = seen.emplace(ns.name, i);
    if (!fresh)
      p.invalid(path + ".name", "namespace " + quoted(ns.name) + " is already defined at " +
                                    index_path("namespaces", it->second));
    check_history(ns, path, p);
  }
}

void check_patterns(const std::vector<std::string>& patterns, const std::string& path,
                    Problems& p) {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (patterns[i].empty())
      p.invalid(index_path(path, i), "must not be empty");
    else if (!placeholders_ok(patterns[i]))
      p.invalid(index_path(path, i),
                "only the placeholders {tenant_id} and {user_id} are "
                "allowed, got " +
                    quoted(patterns[i]));
  }
}

void check_roles(const Config& c, Problems& p) {
  for (const RoleOptions& role : c.roles) {
    if (role.name.empty()) p.invalid("roles", "role names must not be empty");
    check_patterns(role.subscribe, "roles." + role.name + ".subscribe", p);
    check_patterns(role.publish, "roles." + role.name + ".publish", p);
  }
}

void check_rate_limits(const Config& c, Problems& p) {
  for (std::size_t i = 0; i < c.rate_limits.size(); ++i) {
    const std::string path = index_path("rate_limits", i);
    if (c.rate_limits[i].channel.empty()) p.invalid(path + ".channel", "must be set");
    if (!(c.rate_limits[i].per_second > 0)) p.invalid(path + ".per_second", "must be above 0");
  }
}

void check_log_and_node(const Config& c, Problems& p) {
  if (!one_of(c.log.level, {"trace", "debug", "info", "warn", "error", "critical", "off"}))
    p.invalid("log.level", "expected one of trace, debug, info, warn, error, critical, off, got " +
                               quoted(c.log.level));
  if (!one_of(c.log.format, {"json", "text"}))
    p.invalid("log.format", "expected json or text, got " + quoted(c.log.format));
  if (c.node.threads > 256)
    p.invalid("node.threads", "must be at most 256, got " + std::to_string(c.node.threads));
}

void check_shutdown(const Config& c, Problems& p) {
  const auto& s = c.shutdown;
  if (s.drain_delay.count() < 0 || s.spread.count() < 0) return;  // durations are never negative
  if (s.drain_delay + s.spread >= s.timeout)
    p.invalid("shutdown.timeout", "must be greater than shutdown.drain_delay + shutdown.spread (" +
                                      detail::format_duration(s.drain_delay) + " + " +
                                      detail::format_duration(s.spread) +
                                      " >= " + detail::format_duration(s.timeout) + ")");
}

}  // namespace

namespace detail {

void check_config(const Config& config, Problems& problems) {
  using Check = void (*)(const Config&, Problems&);
  for (Check check :
       {check_http, check_internal_listener, check_metrics, check_client, check_websocket,
        check_api, check_engine, check_namespaces, check_roles, check_rate_limits,
        check_log_and_node, check_tenants, check_token_limits, check_shutdown})
    check(config, problems);
}

}  // namespace detail

std::vector<std::string> validate(const Config& config) {
  detail::Problems problems;
  detail::check_config(config, problems);
  return problems.take();
}

}  // namespace neo::config
