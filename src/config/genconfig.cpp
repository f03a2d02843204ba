// The NEO_STACK setup: the commented file `genconfig` writes, and the development config
// `serve` uses without a file. Both come from the one template below so they cannot drift.
#include <cstdio>

#include "config/internal.h"
#include "config/loader.h"

namespace neo::config {
namespace {

constexpr std::string_view kTemplate =
    R"(# neo-events configuration, written by `neo-events genconfig`.
# Durations: 500ms, 25s, 1m30s, 1h. Every key can be overridden by an environment variable:
# NEO_EVENTS_ + the key path upper-cased, e.g. NEO_EVENTS_API_KEY, NEO_EVENTS_ENGINE_TYPE.
# Keep this file private: it holds the token secret and the API key.

# The HTTP listener: client connections, the server API, /health, /ready and /metrics.
http:
  listen: 0.0.0.0:8000
  # Set both (PEM) to serve https/wss directly on this listener; SIGHUP reloads them.
  tls: { cert_file: "", key_file: "", handshake_timeout: 10s }
  # Origin check for browser connections: empty refuses any request with an Origin
  # header, "*" allows all, '*' inside an entry is a wildcard.
  allowed_origins: ["https://*.neo-stack.com"]
  # Server API request bodies: the largest one, and all of them being read at once on this
  # node. Both are judged from the request's head, before its body is read (413 / 503).
  max_body_bytes: 16777216
  max_bodies_in_flight_bytes: 67108864
  # A second listener for operators, e.g. 127.0.0.1:9000: /metrics (always), /health, /ready and
  # the server API, nothing else. Keep it off the Internet.
  internal_listen: ""
  internal_only_api: false       # with internal_listen: no server API and no /metrics on `listen`

# Client connections: JWT checking and per-connection limits.
client:
  token:
    # HS256/HS384/HS512 secret, shared with whoever issues the tokens.
    hmac_secret: @HMAC_SECRET@
    rsa_public_key: ""           # PEM (inline or file path) for RS256
    ecdsa_public_key: ""         # PEM (inline or file path) for ES256
    audience: ""                 # checked when set
    issuer: ""                   # checked when set
    tenant_claim: tenantId       # NEO_STACK claim names
    roles_claim: roles
    leeway: 0s                   # clock skew tolerated on exp / nbf
    max_bytes: 8192              # longer tokens are refused (3500 / 103)
  channel_limit: 100             # subscriptions per connection
  max_message_bytes: 65536       # largest client frame / publication
  ping_interval: 25s
  pong_timeout: 15s
  queue_max_bytes: 1048576       # a slower client is disconnected instead of growing memory
  stale_close_delay: 10s         # close connections that never send connect
  expired_close_delay: 25s       # grace after token expiry before closing
  history_max_publication_limit: 300
  recovery_max_publication_limit: 300
  command_rate_per_second: 100   # per connection; commands over it get error 111
  command_burst: 200

# permessage-deflate on /connection/websocket, for clients that offer it: each publication is
# compressed once and shared by every compressed subscriber.
websocket:
  compression: false
  compression_min_size: 0        # shorter messages go uncompressed
  compression_level: 1           # 1 fastest .. 9 smallest
  decompressed_message_size_limit: 0   # 0 = client.max_message_bytes (decompression bombs: 1009)

# Server HTTP API (cent.js). The master key may do anything; a tenant key only
# publishes into tenant:{tenant}:*.
api:
  key: @API_KEY@
  tenant_keys: []                # e.g. - { tenant: "123", key: "..." }
  # publish/broadcast with the same idempotency_key on the same channel within this time
  # answer the first result again and publish nothing.
  idempotency_ttl: 5m
  idempotency_max_keys: 100000   # keys the memory engine remembers; the oldest go first

# Where publications, history and presence live: memory (one node) or redis (several).
engine:
  type: memory
  redis:
    # redis://[user[:password]@]host[:port][/db]; rediss:// for TLS (see tls below)
    addresses: ["redis://127.0.0.1:6379"]   # several = sharded by channel
    # cluster: ["redis://10.0.0.1:7000"]    # Redis Cluster seeds, instead of addresses
    # sentinel:                              # Redis Sentinel, instead of addresses: the master
    #   master_name: mymaster                # of this name, followed through failovers
    #   addresses: ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379", "redis://10.0.0.3:26379"]
    #   password: ""                         # the sentinels' requirepass, if any
    #   master_user: ""                      # the master's ACL user, if any
    #   master_password: ""                  # the master's requirepass, if any
    #   master_db: 0
    #   master_tls: false                    # TLS to the master, with tls below
    prefix: neo
    command_timeout: 1s        # no reply by then: error 100, the connection is renewed
    connect_timeout: 1s        # connect + TLS + AUTH + PING
    max_in_flight: 10000       # unanswered commands per connection; beyond: error 100 at once
    # tls:                     # for rediss:// addresses
    #   ca_file: /etc/neo-events/redis-ca.pem   # else the system's trust store
    #   cert_file: ""          # with key_file: a client certificate
    #   key_file: ""
    #   server_name: ""        # SNI and the name checked; else the address's host
    #   insecure_skip_verify: false

# Channel "ns:rest" belongs to namespace "ns"; a channel outside these is unknown.
# validate_events: every publication (API and clients) must be an event of the catalogue
# (schemas/, docs/events.md) allowed on its channel, else error 107 naming the failing field.
namespaces:
  - name: tenant
    history_size: 10
    history_ttl: 1h
    force_recovery: true
    presence: true
    join_leave: true
    validate_events: true
  - { name: admin, history_size: 100, history_ttl: 1h, validate_events: true }
  - { name: system }
  - { name: user, history_size: 50, history_ttl: 24h, force_recovery: true, validate_events: true }
  - { name: certification, presence: true, join_leave: true, history_size: 10, history_ttl: 1h }

# Role -> channel patterns it may subscribe to / publish into. '*' matches any run of
# characters; {tenant_id} and {user_id} come from the connection's token.
roles:
  admin:
    subscribe: ["admin:*", "tenant:*", "system:*"]
    publish: ["admin:*", "tenant:*", "system:*"]
  tenant_admin:
    subscribe: ["tenant:{tenant_id}:*", "user:{user_id}:*"]
    publish: ["tenant:{tenant_id}:*"]
  tenant_user:
    subscribe: ["tenant:{tenant_id}:dashboard", "tenant:{tenant_id}:notifications",
                "tenant:{tenant_id}:billing", "tenant:{tenant_id}:deployments",
                "user:{user_id}:*", "certification:timer:{user_id}",
                "certification:results:{user_id}"]
    publish: ["tenant:{tenant_id}:notifications"]

# Publications per second per matching channel (API and clients alike).
rate_limits:
  - { channel: "tenant:*:dashboard", per_second: 10 }
  - { channel: "tenant:*:notifications", per_second: 5 }

# Per-tenant limits.
tenants:
  max_connections: 10000         # per tenant across the node (the cluster with redis); 0 = off
  max_publish_per_second: 1000   # per tenant, API and client publishes alike (the cluster with redis); 0 = off
  overrides: []                  # e.g. - { tenant: "123", max_connections: 50, max_publish_per_second: 20 }

# One JSON line per denied connect/subscribe/publish, tenant-key API call and quota hit.
audit:
  enabled: true
  file: ""                       # "" = stdout; or a path to append to

# Prometheus metrics (docs/metrics.md).
metrics:
  enabled: true                  # /metrics on `listen` (internal_listen always serves it)
  openmetrics: false             # OpenMetrics 1.0.0 when the scraper's Accept header asks for it
  tenant_labels: off             # per-tenant series: off | {allow: ["1", "2"]} | {top: 20};
                                 # every other tenant is summed under tenant="other"
log: { level: info, format: json }   # level: trace debug info warn error critical off; format: json | text

# This server process.
node:
  name: ""                       # empty = hostname_port
  threads: 0                     # I/O threads; 0 = one per core
  pid_file: ""                   # the pid, for `neo-events reload`; "" = none

# SIGTERM: /ready answers 503 at once; after drain_delay the clients are told to reconnect
# (3001), spread evenly over `spread`; the process exits within `timeout` of the signal.
# Kubernetes: terminationGracePeriodSeconds >= drain_delay + spread + 5s (see README).
shutdown:
  drain_delay: 2s
  spread: 3s
  timeout: 10s
)";

// A YAML double-quoted scalar that loads back byte for byte (for ASCII and UTF-8 text).
std::string yaml_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void replace(std::string& text, std::string_view placeholder, const std::string& value) {
  text.replace(text.find(placeholder), placeholder.size(), value);
}

}  // namespace

std::string generate_config_yaml(const std::string& hmac_secret, const std::string& api_key) {
  std::string text(kTemplate);
  replace(text, "@HMAC_SECRET@", yaml_quote(hmac_secret));
  replace(text, "@API_KEY@", yaml_quote(api_key));
  return text;
}

Config development_config(const std::string& hmac_secret, const std::string& api_key,
                          const Environment& env) {
  detail::Problems problems;
  Config config =
      detail::decode_text(generate_config_yaml("", ""), env, "development config", problems);
  if (!problems.empty()) throw ConfigError(problems.take());
  // Development defaults, unless the environment says otherwise. Secrets are set directly
  // rather than through YAML so any bytes survive.
  auto unset = [&env](const char* name) { return env.find(name) == env.end(); };
  if (unset("NEO_EVENTS_HTTP_LISTEN")) config.http.listen = "127.0.0.1:8000";
  if (unset("NEO_EVENTS_HTTP_ALLOWED_ORIGINS")) config.http.allowed_origins = {"*"};
  if (unset("NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET")) config.client.token.hmac_secret = hmac_secret;
  if (unset("NEO_EVENTS_API_KEY")) config.api.key = api_key;
  // No load balancer to drain on a developer's machine: stop at once.
  if (unset("NEO_EVENTS_SHUTDOWN_DRAIN_DELAY")) config.shutdown.drain_delay = Duration(0);
  if (unset("NEO_EVENTS_SHUTDOWN_SPREAD")) config.shutdown.spread = Duration(0);
  auto invalid = validate(config);
  if (!invalid.empty()) throw ConfigError(std::move(invalid));
  return config;
}

}  // namespace neo::config
