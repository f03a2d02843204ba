// ServerMetrics: every series the server exposes (/work/metrics-contract.md, docs/metrics.md),
// registered once at start with its handles resolved, so that the code that counts never looks
// a series up. Label values that come and go (tenants) live in Tenants; values computed at
// scrape time (node figures, process_*) come from the callbacks the node sets in `figures`.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/frame_type.h"
#include "metrics/exposition.h"
#include "metrics/registry.h"
#include "metrics/tenants.h"

namespace neo::metrics {

// The transports, in transport::TransportKind order (metrics cannot include transport).
inline constexpr std::array<std::string_view, 6> kTransports = {
    "websocket", "uni_websocket", "uni_sse", "uni_http_stream", "http_stream", "sse"};

// What the node hands to and gets from the broker.
enum class BrokerMessage : std::uint8_t { publication, join, leave, control };

enum class Denial : std::uint8_t {
  token,
  tenant_mismatch,
  role,
  unknown_channel,
  bad_channel,
  origin
};
enum class Quota : std::uint8_t { connections, subscriptions };
enum class RateLimit : std::uint8_t { client_commands, publish, tenant_publish };

// Figures other modules own, read at scrape time. Each may stay unset (then 0).
struct NodeFigures {
  std::function<std::uint64_t()> channels;
  std::function<std::uint64_t()> nodes;
  std::function<bool()> ready;
  std::function<std::uint64_t()> audit_dropped;
  std::function<std::uint64_t()> invalid_events;
  std::function<std::uint64_t()> bodies_in_flight_bytes;
  std::function<std::uint64_t()> body_budget_refusals;
  // Failed accepts by reason (labels in order), pauses, and whether accepting is paused now.
  std::function<std::vector<std::pair<std::string, std::uint64_t>>()> accept_errors;
  std::function<std::uint64_t()> accept_pauses;
  std::function<bool()> accept_paused;
  // Tenant connection quotas: whether the shared (Redis) count is unreachable, and the
  // connections the local rule admitted meanwhile.
  std::function<bool()> quota_fallback;
  std::function<std::uint64_t()> quota_fallback_admits;
  // Tenant publish rates: publications the per-node rule admitted while the shared budget
  // (Redis) was unreachable.
  std::function<std::uint64_t()> rate_fallback_admits;
};

class ServerMetrics {
 public:
  explicit ServerMetrics(const config::Config& config);
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // Mutable: counting writes this thread's cells, which every const counting method does.
  mutable Registry registry;
  NodeFigures figures;
  Tenants tenants;
  const bool openmetrics;

  // The exposition in the format the Accept header asks for (and the config allows).
  std::string scrape(Format format) const { return expose(registry, format); }

  // channel_namespace: index 0 is "" (no channel, or a channel outside every namespace), then
  // the configured namespaces in order. Frames carry the index (Frame::tag).
  std::uint16_t namespace_index(std::string_view channel) const;
  const std::vector<std::string>& namespaces() const { return namespaces_; }

  // ---- centrifugo_node_*
  Gauge clients;        // authenticated connections
  Gauge users;          // distinct users per I/O thread, summed
  Gauge subscriptions;  // client subscriptions
  Counter connection_limit;
  void broker_sent(BrokerMessage type, std::uint16_t ns) const;
  void broker_received(BrokerMessage type, std::uint16_t ns) const;
  void pub_sub_lag(std::uint16_t ns, double seconds) const { pub_sub_lag_[ns].observe(seconds); }

  // ---- centrifugo_client_*
  void connection_accepted(std::size_t transport) const;
  void connection_closed(std::size_t transport) const;
  void subscription_added(std::uint16_t ns) const;
  void subscription_removed(std::uint16_t ns) const;
  void command_duration(FrameType method, std::uint16_t ns, double seconds) const;
  void reply_error(FrameType method, std::uint32_t code, std::uint16_t ns);
  void server_unsubscribe(std::uint32_t code, std::uint16_t ns);
  void server_disconnect(std::uint32_t code);
  void recover(bool recovered, std::uint16_t ns, bool has_publications) const;

  // ---- centrifugo_transport_*: the first cell of each block of [transport][frame type][ns].
  std::uint32_t message_cell(std::size_t transport, FrameType type, std::uint16_t ns) const {
    return static_cast<std::uint32_t>(
        (transport * kFrameTypes + static_cast<std::size_t>(type)) * namespaces_.size() + ns);
  }
  std::uint32_t sent_base, sent_size_base, received_base, received_size_base;

  // ---- centrifugo_api_*
  void api_call(std::string_view method, double seconds, std::uint32_t error);

  // ---- centrifugo_broker_redis_*
  void redis_pub_sub_error(std::string_view error);
  void redis_dropped(std::string_view channel_type);
  // neo_events_redis_command_errors_total: timeout, overload, disconnected, error.
  void redis_command_error(std::string_view reason);

  // ---- neo_events_*
  void denial(Denial reason) const;
  void quota_hit(Quota quota) const;
  void rate_limited(RateLimit limit) const;
  void slow_client_disconnect(std::size_t transport) const;
  Histogram delivery_latency;
  Counter publications;
  void config_reload(bool ok) const;

 private:
  void register_node();
  void register_client();
  void register_transport();
  void register_api_and_broker();
  void register_own();
  void register_figures();

  std::vector<std::string> namespaces_;
  const config::Config& config_;
  std::uint32_t broker_sent_base_ = 0, broker_received_base_ = 0;
  std::vector<Histogram> pub_sub_lag_;
  std::uint32_t accepted_base_ = 0, inflight_base_ = 0;
  std::uint32_t subs_accepted_base_ = 0, subs_inflight_base_ = 0;
  std::uint32_t command_duration_base_ = 0;
  Family* command_duration_ = nullptr;
  Family* reply_errors_ = nullptr;
  Family* server_unsubscribes_ = nullptr;
  Family* server_disconnects_ = nullptr;
  std::uint32_t recover_base_ = 0;
  Family* api_duration_ = nullptr;
  Family* api_errors_ = nullptr;
  Family* redis_errors_ = nullptr;
  Family* redis_dropped_ = nullptr;
  Family* redis_command_errors_ = nullptr;
  std::uint32_t denials_base_ = 0, quota_base_ = 0, rate_base_ = 0, slow_base_ = 0;
  std::uint32_t reloads_base_ = 0;
  std::uint32_t subscriptions_slot_ = 0;
  std::uint32_t reply_errors_base_ = 0, unsubscribes_base_ = 0, disconnects_base_ = 0;
  std::uint32_t api_duration_base_ = 0, api_errors_base_ = 0;
};

// Every series name the server can expose, for docs/metrics.md and its unit test.
std::vector<std::string> series_names(const ServerMetrics& metrics);

}  // namespace neo::metrics
