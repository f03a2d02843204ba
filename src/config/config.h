// The options tree: everything `neo-events.yaml` can say, with defaults.
// Loaded and validated once at start-up (see loader.h); read-only afterwards, so
// every thread may read it without locks.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace neo::config {

using Duration = std::chrono::milliseconds;

// https and wss on the one listener when both files are set (PEM; the certificate file may hold
// the chain). SIGHUP reloads them: new connections get the new certificate.
struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  // A client that has not completed the TLS handshake by then is closed.
  Duration handshake_timeout = std::chrono::seconds(10);

  bool operator==(const TlsOptions&) const = default;
};

struct HttpOptions {
  std::string listen = "0.0.0.0:8000";  // host:port; port 0 = pick a free one
  TlsOptions tls;
  // Origin check for browser connections. Empty = refuse any request carrying an
  // Origin header; "*" = allow all; entries may contain '*' wildcards.
  std::vector<std::string> allowed_origins;
  // The largest request body (server API), and all bodies being read or handled at once on
  // this node; a request over either is refused from its head, before its body is read.
  std::uint64_t max_body_bytes = 16 << 20;
  std::uint64_t max_bodies_in_flight_bytes = 64 << 20;
  // A second listener for operators ("127.0.0.1:9000"; empty = none): /metrics (whatever
  // metrics.enabled says), /health, /ready and the server API, and nothing else.
  std::string internal_listen;
  // With internal_listen: the server API and /metrics leave the public listener.
  bool internal_only_api = false;

  bool operator==(const HttpOptions&) const = default;
};

struct TokenOptions {
  std::string hmac_secret;       // HS256/384/512; raw bytes, not base64
  std::string rsa_public_key;    // PEM text or a path to a PEM file (RS256)
  std::string ecdsa_public_key;  // PEM text or a path to a PEM file (ES256)
  std::string audience;          // checked when non-empty
  std::string issuer;            // checked when non-empty
  std::string tenant_claim = "tenantId";
  std::string roles_claim = "roles";
  Duration leeway{0};              // clock skew tolerated on exp and nbf
  std::uint32_t max_bytes = 8192;  // longer tokens are refused before any parsing

  bool operator==(const TokenOptions&) const = default;
};

struct ClientOptions {
  TokenOptions token;
  std::uint32_t channel_limit = 100;
  std::uint32_t max_message_bytes = 65536;
  Duration ping_interval = std::chrono::seconds(25);
  Duration pong_timeout = std::chrono::seconds(15);
  std::uint64_t queue_max_bytes = 1048576;
  Duration stale_close_delay = std::chrono::seconds(10);    // no connect by then: 3502
  Duration expired_close_delay = std::chrono::seconds(25);  // grace after token expiry: 3005
  std::uint32_t history_max_publication_limit = 300;
  std::uint32_t recovery_max_publication_limit = 300;
  // Commands one connection may send per second (a token bucket refilled at this rate that
  // holds up to command_burst); commands over it get error 111. 0 = no limit.
  std::uint32_t command_rate_per_second = 100;
  std::uint32_t command_burst = 200;

  bool operator==(const ClientOptions&) const = default;
};

// permessage-deflate on /connection/websocket (RFC 7692, no context takeover): each
// publication is compressed once and the bytes are shared by every compressed subscriber.
struct WebsocketOptions {
  bool compression = false;
  std::uint32_t compression_min_size = 0;  // shorter messages go uncompressed
  std::uint32_t compression_level = 1;     // zlib 1 (fast) .. 9 (small)
  // How large a compressed message from a client may become once inflated (decompression
  // bombs); 0 = client.max_message_bytes.
  std::uint64_t decompressed_message_size_limit = 0;

  bool operator==(const WebsocketOptions&) const = default;
};

struct TenantKey {
  std::string tenant;
  std::string key;

  bool operator==(const TenantKey&) const = default;
};

struct ApiOptions {
  std::string key;  // master key: every channel
  std::vector<TenantKey> tenant_keys;
  // publish/broadcast with an idempotency_key: how long the first result is kept (the same key
  // on the same channel then answers it again and publishes nothing), and how many keys the
  // memory engine remembers at most (the oldest are forgotten first when full).
  Duration idempotency_ttl = std::chrono::minutes(5);
  std::uint32_t idempotency_max_keys = 100000;

  bool operator==(const ApiOptions&) const = default;
};

// Redis Sentinel (docs/redis.md): the sentinels name the master of `master_name`; the engine
// follows it through failovers.
struct SentinelOptions {
  std::string master_name;
  std::vector<std::string> addresses;  // the sentinels: redis://host:26379
  std::string password;                // the sentinels' (requirepass in sentinel.conf)
  // How the master they name is reached: its ACL user and password (requirepass), database and
  // TLS (with engine.redis.tls). Sentinels give only a host and a port.
  std::string master_user;
  std::string master_password;
  std::uint32_t master_db = 0;
  bool master_tls = false;

  bool enabled() const { return !master_name.empty() || !addresses.empty(); }
  bool operator==(const SentinelOptions&) const = default;
};

// TLS towards Redis, for rediss:// addresses (docs/redis.md). The peer is verified against
// ca_file, else the system's trust store, and its name against server_name, else the host.
struct RedisTlsOptions {
  std::string ca_file;
  std::string cert_file;  // with key_file: a client certificate (Redis tls-auth-clients)
  std::string key_file;
  std::string server_name;  // SNI and the name checked in the certificate
  bool insecure_skip_verify = false;

  bool operator==(const RedisTlsOptions&) const = default;
};

struct RedisOptions {
  // redis://[user[:password]@]host[:port][/db], rediss:// for TLS (engine/redis/address.h).
  std::vector<std::string> addresses = {"redis://127.0.0.1:6379"};
  // Seed nodes of one Redis Cluster (docs/redis.md); when set, `addresses` stays unset.
  std::vector<std::string> cluster;
  // The master comes from these sentinels; when set, `addresses` and `cluster` stay unset.
  SentinelOptions sentinel;
  std::string prefix = "neo";
  RedisTlsOptions tls;
  // A command without a reply by then fails (error 100) and its connection is dropped: a
  // stalled RESP stream cannot be resynchronised. connect_timeout covers TCP, TLS, AUTH, PING.
  Duration command_timeout = std::chrono::seconds(1);
  Duration connect_timeout = std::chrono::seconds(1);
  // Commands sent and not yet answered, per connection; beyond it a command fails at once.
  std::uint32_t max_in_flight = 10000;

  bool operator==(const RedisOptions&) const = default;
};

struct EngineOptions {
  std::string type = "memory";  // memory | redis
  RedisOptions redis;

  bool operator==(const EngineOptions&) const = default;
};

// Channel "ns:rest" belongs to namespace "ns".
struct NamespaceOptions {
  std::string name;
  bool presence = false;
  bool join_leave = false;
  bool force_push_join_leave = false;
  std::uint32_t history_size = 0;
  Duration history_ttl{0};
  Duration history_meta_ttl = std::chrono::hours(720);
  bool force_positioning = false;
  bool allow_positioning = false;
  bool force_recovery = false;
  bool allow_recovery = false;
  // Check every publication (API and clients) against the event catalogue: error 107 otherwise.
  bool validate_events = false;
  // Delta compression: the types subscribers may ask for (only "fossil"), and whether every
  // publication is delta-encoded without the publisher asking.
  std::vector<std::string> allowed_delta_types{};
  bool delta_publish = false;

  bool history_enabled() const { return history_size > 0 && history_ttl.count() > 0; }

  bool allows_fossil() const {
    return std::find(allowed_delta_types.begin(), allowed_delta_types.end(), "fossil") !=
           allowed_delta_types.end();
  }

  bool operator==(const NamespaceOptions&) const = default;
};

struct RoleOptions {
  std::string name;
  std::vector<std::string> subscribe;  // patterns; '*' matches any run, {tenant_id} {user_id}
  std::vector<std::string> publish;

  bool operator==(const RoleOptions&) const = default;
};

struct RateLimit {
  std::string channel;  // pattern
  double per_second = 0;

  bool operator==(const RateLimit&) const = default;
};

// Limits for one tenant, replacing the global ones. 0 = no limit.
struct TenantOverride {
  std::string tenant;
  std::uint32_t max_connections = 0;
  std::uint32_t max_publish_per_second = 0;

  bool operator==(const TenantOverride&) const = default;
};

struct TenantLimits {
  std::uint32_t max_connections = 10000;        // per tenant across the node; 0 = no limit
  std::uint32_t max_publish_per_second = 1000;  // per tenant, API and clients; 0 = no limit
  std::vector<TenantOverride> overrides;

  bool operator==(const TenantLimits&) const = default;
};

// The audit log: one JSON line per denial, tenant-key API call and quota hit.
struct AuditOptions {
  bool enabled = true;
  std::string file;  // "" = stdout; otherwise appended to this file

  bool operator==(const AuditOptions&) const = default;
};

// Per-tenant series: off (neither set), only the `allow`ed tenants, or the `top` N by
// connections + publications; every other tenant is summed under tenant="other".
struct TenantLabels {
  std::vector<std::string> allow;
  std::uint32_t top = 0;

  bool operator==(const TenantLabels&) const = default;
};

struct MetricsOptions {
  bool enabled = true;  // /metrics on the public listener
  // OpenMetrics 1.0.0 for scrapers whose Accept header asks for it; else Prometheus text 0.0.4.
  bool openmetrics = false;
  TenantLabels tenant_labels;

  bool operator==(const MetricsOptions&) const = default;
};

struct LogOptions {
  std::string level = "info";   // trace debug info warn error critical off
  std::string format = "json";  // json | text

  bool operator==(const LogOptions&) const = default;
};

struct NodeOptions {
  std::string name;           // empty = hostname_port
  std::uint32_t threads = 0;  // I/O threads; 0 = one per core
  // Written with the server's pid at start (removed at exit), so `neo-events reload` can find
  // the process to signal; empty = none.
  std::string pid_file;

  bool operator==(const NodeOptions&) const = default;
};

// Graceful rollout on SIGTERM: readiness (/health) turns false first; after drain_delay (load
// balancers stop sending new clients) the clients are told to reconnect elsewhere (3001), spread
// evenly over `spread` so their reconnects do not arrive as one spike; the process exits within
// `timeout` of the signal whatever the clients do.
struct ShutdownOptions {
  Duration drain_delay = std::chrono::seconds(2);
  Duration spread = std::chrono::seconds(3);
  Duration timeout = std::chrono::seconds(10);

  bool operator==(const ShutdownOptions&) const = default;
};

struct Config {
  HttpOptions http;
  ClientOptions client;
  WebsocketOptions websocket;
  ApiOptions api;
  EngineOptions engine;
  std::vector<NamespaceOptions> namespaces;
  std::vector<RoleOptions> roles;
  std::vector<RateLimit> rate_limits;
  TenantLimits tenants;
  MetricsOptions metrics;
  LogOptions log;
  NodeOptions node;
  AuditOptions audit;
  ShutdownOptions shutdown;
  // Replaces the built-in event catalogue (schemas/catalogue.json); empty = built-in.
  std::string catalogue_file;

  const NamespaceOptions* find_namespace(std::string_view name) const {
    for (const auto& ns : namespaces)
      if (ns.name == name) return &ns;
    return nullptr;
  }
  const RoleOptions* find_role(std::string_view name) const {
    for (const auto& role : roles)
      if (role.name == name) return &role;
    return nullptr;
  }

  bool operator==(const Config&) const = default;
};

}  // namespace neo::config
