#include "metrics/server_metrics.h"

#include <algorithm>

#include "metrics/process.h"

namespace neo::metrics {

namespace {

using Values = std::vector<std::vector<std::string>>;

const std::vector<double> kLagBuckets = {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,   1,     2.5,  5,     10};
const std::vector<double> kCommandBuckets = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05,
                                             0.1,    0.5,    1,     2.5,   5,    10};
const std::vector<double> kDefBuckets = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
const std::vector<double> kDeliveryBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5};

constexpr std::size_t kCommandMethods = static_cast<std::size_t>(FrameType::sub_refresh) + 1;
constexpr std::uint32_t kFirstErrorCode = 100, kLastErrorCode = 112;
constexpr std::size_t kErrorCodes = kLastErrorCode - kFirstErrorCode + 1;
constexpr std::uint32_t kDisconnectCodes[] = {3001, 3004, 3005, 3006, 3008, 3009, 3010, 3011, 3012,
                                              3013, 3500, 3501, 3502, 3503, 3504, 3505, 3507, 3508};
constexpr std::uint32_t kUnsubscribeCodes[] = {2000, 2500, 2501};
const std::vector<std::string> kApiMethods = {
    "publish",  "broadcast", "subscribe",      "unsubscribe", "disconnect",
    "refresh",  "presence",  "presence_stats", "history",     "history_remove",
    "channels", "info",      "batch",          "unknown"};
const std::vector<std::string> kBrokerTypes = {"publication", "join", "leave", "control"};
const std::vector<std::string> kDenials = {"token",           "tenant_mismatch", "role",
                                           "unknown_channel", "bad_channel",     "origin"};
const std::vector<std::string> kQuotas = {"connections", "subscriptions"};
const std::vector<std::string> kRateLimits = {"client_commands", "publish", "tenant_publish"};
const std::string kBroker = "default";

std::vector<std::string> transports() { return {kTransports.begin(), kTransports.end()}; }

std::vector<std::string> command_methods() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kCommandMethods; ++i)
    out.emplace_back(frame_type_name(static_cast<FrameType>(i)));
  return out;
}

std::vector<std::string> frame_types() {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kFrameTypes; ++i)
    out.emplace_back(frame_type_name(static_cast<FrameType>(i)));
  return out;
}

template <typename Codes>
std::vector<std::string> code_names(const Codes& codes) {
  std::vector<std::string> out;
  for (auto code : codes) out.push_back(std::to_string(code));
  return out;
}

std::vector<std::string> error_codes() {
  std::vector<std::uint32_t> codes;
  for (std::uint32_t c = kFirstErrorCode; c <= kLastErrorCode; ++c) codes.push_back(c);
  return code_names(codes);
}

template <typename Codes>
std::optional<std::size_t> position(const Codes& codes, std::uint32_t code) {
  auto it = std::find(std::begin(codes), std::end(codes), code);
  if (it == std::end(codes)) return std::nullopt;
  return static_cast<std::size_t>(it - std::begin(codes));
}

std::size_t api_method_index(std::string_view method) {
  auto it = std::find(kApiMethods.begin(), kApiMethods.end() - 1, method);
  return static_cast<std::size_t>(it - kApiMethods.begin());  // the last one is "unknown"
}

std::uint64_t value_of(const std::function<std::uint64_t()>& f) { return f ? f() : 0; }

}  // namespace

ServerMetrics::ServerMetrics(const config::Config& config)
    : tenants(registry, config.metrics.tenant_labels),
      openmetrics(config.metrics.openmetrics),
      config_(config) {
  namespaces_.emplace_back();
  for (const auto& ns : config.namespaces) namespaces_.push_back(ns.name);
  register_node();
  register_client();
  register_transport();
  register_api_and_broker();
  register_own();
  register_figures();
  register_process_metrics(registry);
}

std::uint16_t ServerMetrics::namespace_index(std::string_view channel) const {
  auto colon = channel.find(':');
  if (colon == std::string_view::npos) return 0;
  std::string_view name = channel.substr(0, colon);
  for (std::size_t i = 1; i < namespaces_.size(); ++i)
    if (namespaces_[i] == name) return static_cast<std::uint16_t>(i);
  return 0;
}

void ServerMetrics::register_node() {
  clients =
      registry.gauge("centrifugo_node_num_clients", "Authenticated client connections.").gauge({});
  users = registry
              .gauge("centrifugo_node_num_users",
                     "Distinct users with a connection, per I/O thread, summed over the threads.")
              .gauge({});
  subscriptions_slot_ =
      registry.gauge("centrifugo_node_num_subscriptions", "Client subscriptions.").series({});
  subscriptions = Gauge(&registry, subscriptions_slot_);
  registry.callback({"centrifugo_node_num_channels",
                     "Channels with a subscriber on this node.",
                     Type::gauge,
                     {},
                     [this] {
                       return std::vector<Sample>{{{}, double(value_of(figures.channels))}};
                     }});
  registry.callback(
      {"centrifugo_node_num_nodes",
       "Nodes of the service this node knows.",
       Type::gauge,
       {},
       [this] {
         return std::vector<Sample>{{{}, double(figures.nodes ? figures.nodes() : 1)}};
       }});
  registry.gauge("centrifugo_node_build", "Build information.", {"version"})
      .gauge({NEO_EVENTS_VERSION})
      .inc();
  connection_limit = registry
                         .counter("centrifugo_node_client_connection_limit",
                                  "Connections refused by a tenant's connection quota.")
                         .counter({});
  Values broker = {kBrokerTypes, namespaces_};
  auto& sent =
      registry.counter("centrifugo_node_messages_sent_count",
                       "Messages this node handed to the broker.", {"type", "channel_namespace"});
  sent.skip_zero_series();
  broker_sent_base_ = sent.dense(broker);
  auto& received = registry.counter("centrifugo_node_messages_received_count",
                                    "Messages this node received from the broker.",
                                    {"type", "channel_namespace"});
  received.skip_zero_series();
  broker_received_base_ = received.dense(broker);
  auto& lag = registry.histogram(
      "centrifugo_node_pub_sub_lag_seconds",
      "From a publication's acceptance on its node to its arrival here through the broker.",
      {"channel_namespace"}, kLagBuckets);
  lag.skip_zero_series();
  for (const auto& ns : namespaces_) pub_sub_lag_.push_back(lag.histogram({ns}));
}

void ServerMetrics::register_client() {
  Values by_transport = {transports(), {"h1"}};
  accepted_base_ =
      registry
          .counter("centrifugo_client_connections_accepted",
                   "Client connections accepted, by transport.", {"transport", "accept_protocol"})
          .dense(by_transport);
  inflight_base_ =
      registry
          .gauge("centrifugo_client_connections_inflight", "Open client connections, by transport.",
                 {"transport", "accept_protocol"})
          .dense(by_transport);
  subs_accepted_base_ = registry
                            .counter("centrifugo_client_subscriptions_accepted",
                                     "Subscriptions made.", {"channel_namespace"})
                            .dense({namespaces_});
  subs_inflight_base_ = registry
                            .gauge("centrifugo_client_subscriptions_inflight",
                                   "Subscriptions open now.", {"channel_namespace"})
                            .dense({namespaces_});
  command_duration_ = &registry.histogram("centrifugo_client_command_duration_seconds_histogram",
                                          "From a client command's start to its reply.",
                                          {"method", "channel_namespace"}, kCommandBuckets);
  command_duration_->skip_zero_series();
  command_duration_base_ = command_duration_->dense({command_methods(), namespaces_});
  reply_errors_ =
      &registry.counter("centrifugo_client_num_reply_errors", "Error replies to client commands.",
                        {"method", "code", "channel_namespace"});
  reply_errors_->skip_zero_series();
  reply_errors_base_ = reply_errors_->dense({command_methods(), error_codes(), namespaces_});
  server_unsubscribes_ =
      &registry.counter("centrifugo_client_num_server_unsubscribes",
                        "Unsubscribe pushes sent by the server.", {"code", "channel_namespace"});
  server_unsubscribes_->skip_zero_series();
  unsubscribes_base_ = server_unsubscribes_->dense({code_names(kUnsubscribeCodes), namespaces_});
  server_disconnects_ = &registry.counter("centrifugo_client_num_server_disconnects",
                                          "Connections the server closed, by code.", {"code"});
  server_disconnects_->skip_zero_series();
  disconnects_base_ = server_disconnects_->dense({code_names(kDisconnectCodes)});
  auto& recover =
      registry.counter("centrifugo_client_recover", "Recovery attempts on subscribe.",
                       {"recovered", "channel_namespace", "has_recovered_publications"});
  recover.skip_zero_series();
  recover_base_ = recover.dense({{"false", "true"}, namespaces_, {"false", "true"}});
}

void ServerMetrics::register_transport() {
  const std::vector<std::string> labels = {"transport", "frame_type", "channel_namespace"};
  Values blocks = {transports(), frame_types(), namespaces_};
  auto add = [&](const char* name, const char* help) {
    Family& family = registry.counter(name, help, labels);
    family.skip_zero_series();
    return family.dense(blocks);
  };
  sent_base = add("centrifugo_transport_messages_sent", "Protocol messages written to clients.");
  sent_size_base = add("centrifugo_transport_messages_sent_size",
                       "Bytes of protocol messages written to clients (uncompressed, unframed).");
  received_base = add("centrifugo_transport_messages_received", "Commands read from clients.");
  received_size_base = add("centrifugo_transport_messages_received_size",
                           "Bytes of commands read from clients (uncompressed, unframed).");
}

void ServerMetrics::register_api_and_broker() {
  api_duration_ = &registry.histogram("centrifugo_api_command_duration_seconds_histogram",
                                      "Server API calls, from the parsed request to the reply.",
                                      {"protocol", "method"}, kDefBuckets);
  api_duration_->skip_zero_series();
  api_duration_base_ = api_duration_->dense({{"http"}, kApiMethods});
  api_errors_ = &registry.counter("centrifugo_api_command_errors_total",
                                  "Server API calls answered with an error, by code.",
                                  {"protocol", "method", "error"});
  api_errors_->skip_zero_series();
  api_errors_base_ = api_errors_->dense({{"http"}, kApiMethods, error_codes()});
  redis_errors_ =
      &registry.counter("centrifugo_broker_redis_pub_sub_errors",
                        "Errors of the Redis PUB/SUB connections.", {"broker_name", "error"});
  redis_dropped_ = &registry.counter("centrifugo_broker_redis_pub_sub_dropped_messages",
                                     "PUB/SUB messages from Redis that could not be used.",
                                     {"broker_name", "channel_type"});
  redis_command_errors_ = &registry.counter(
      "neo_events_redis_command_errors_total",
      "Redis commands that failed without a usable reply, by reason.", {"reason"});
  if (config_.engine.type == "redis") {  // the series exist from the start, at 0
    for (auto error : {"connect", "decode"}) redis_errors_->counter({kBroker, error});
    for (auto type : {"client", "control"}) redis_dropped_->counter({kBroker, type});
    for (auto reason : {"timeout", "overload", "disconnected", "error"})
      redis_command_errors_->counter({reason});
  }
}

void ServerMetrics::register_own() {
  denials_base_ =
      registry
          .counter("neo_events_denials_total",
                   "Connections, subscriptions and publications denied, by reason.", {"reason"})
          .dense({kDenials});
  quota_base_ = registry.counter("neo_events_quota_hits_total", "Quota hits, by quota.", {"quota"})
                    .dense({kQuotas});
  rate_base_ =
      registry
          .counter("neo_events_rate_limited_total",
                   "Commands and publications refused by a rate limit (error 111).", {"limit"})
          .dense({kRateLimits});
  registry.callback({"neo_events_audit_dropped_total",
                     "Audit log lines dropped because the writer fell behind.",
                     Type::counter,
                     {},
                     [this] {
                       return std::vector<Sample>{{{}, double(value_of(figures.audit_dropped))}};
                     }});
  slow_base_ = registry
                   .counter("neo_events_slow_client_disconnects_total",
                            "Clients disconnected because their outbound queue filled (3008).",
                            {"transport"})
                   .dense({transports()});
  delivery_latency =
      registry
          .histogram("neo_events_delivery_latency_seconds",
                     "From a publication's acceptance to its bytes handed to a client's socket "
                     "(once per write batch, for the batch's oldest publication).",
                     {}, kDeliveryBuckets)
          .histogram({});
  publications = registry
                     .counter("neo_events_publications_total",
                              "Publications accepted by this node (server API and clients).")
                     .counter({});
  registry.callback(
      {"neo_events_ready",
       "1 while the node takes traffic, 0 while draining.",
       Type::gauge,
       {},
       [this] {
         return std::vector<Sample>{{{}, figures.ready && figures.ready() ? 1.0 : 0.0}};
       }});
  reloads_base_ = registry
                      .counter("neo_events_config_reloads_total",
                               "Configuration reloads, by result.", {"result"})
                      .dense({{"ok", "refused"}});
}

// The figures neo-events exposed before the contract, kept for the dashboards that use them.
void ServerMetrics::register_figures() {
  auto gauge = [this](const char* name, const char* help, std::function<double()> value,
                      Type type = Type::gauge) {
    registry.callback({name, help, type, {}, [value = std::move(value)] {
                         return std::vector<Sample>{{{}, value()}};
                       }});
  };
  gauge("neo_events_connections", "Open client connections.", [this] {
    std::int64_t n = 0;
    for (std::uint32_t i = 0; i < kTransports.size(); ++i)
      n += static_cast<std::int64_t>(registry.sum(inflight_base_ + i));
    return double(n);
  });
  gauge("neo_events_subscriptions", "Active client subscriptions.",
        [this] { return double(static_cast<std::int64_t>(registry.sum(subscriptions_slot_))); });
  gauge("neo_events_http_bodies_in_flight_bytes", "Request body bytes being read or handled.",
        [this] { return double(value_of(figures.bodies_in_flight_bytes)); });
  gauge(
      "neo_events_http_body_budget_refusals_total", "Requests refused (503): body budget spent.",
      [this] { return double(value_of(figures.body_budget_refusals)); }, Type::counter);
  gauge(
      "neo_events_invalid_events_total", "Publications refused by the event catalogue.",
      [this] { return double(value_of(figures.invalid_events)); }, Type::counter);
  registry.gauge("neo_events_build_info", "Build information.", {"version"})
      .gauge({NEO_EVENTS_VERSION})
      .inc();
  registry.callback({"neo_events_accept_errors_total",
                     "Failed accept() calls, by reason.",
                     Type::counter,
                     {"reason"},
                     [this] {
                       std::vector<Sample> out;
                       if (figures.accept_errors)
                         for (auto& [reason, n] : figures.accept_errors())
                           out.push_back({{reason}, double(n)});
                       return out;
                     }});
  gauge(
      "neo_events_accept_pauses_total", "Episodes of accepting paused with backoff.",
      [this] { return double(value_of(figures.accept_pauses)); }, Type::counter);
  gauge("neo_events_accept_paused", "1 while accepting is paused (descriptors exhausted).",
        [this] { return figures.accept_paused && figures.accept_paused() ? 1.0 : 0.0; });
  gauge("neo_events_quota_fallback",
        "1 while the shared tenant connection count (Redis) is unreachable and each node counts "
        "locally.",
        [this] { return figures.quota_fallback && figures.quota_fallback() ? 1.0 : 0.0; });
  gauge(
      "neo_events_quota_fallback_admits_total",
      "Tenant connections admitted by the local rule while the shared count was unreachable.",
      [this] { return double(value_of(figures.quota_fallback_admits)); }, Type::counter);
  gauge(
      "neo_events_rate_fallback_admits_total",
      "Tenant publications admitted by each node's own max_publish_per_second while the shared "
      "publish budget was unreachable.",
      [this] { return double(value_of(figures.rate_fallback_admits)); }, Type::counter);
}

// ---- counting

void ServerMetrics::broker_sent(BrokerMessage type, std::uint16_t ns) const {
  registry.local().add(
      broker_sent_base_ +
          static_cast<std::uint32_t>(type) * static_cast<std::uint32_t>(namespaces_.size()) + ns,
      1);
}

void ServerMetrics::broker_received(BrokerMessage type, std::uint16_t ns) const {
  registry.local().add(
      broker_received_base_ +
          static_cast<std::uint32_t>(type) * static_cast<std::uint32_t>(namespaces_.size()) + ns,
      1);
}

void ServerMetrics::connection_accepted(std::size_t transport) const {
  auto& cells = registry.local();
  cells.add(accepted_base_ + static_cast<std::uint32_t>(transport), 1);
  cells.add(inflight_base_ + static_cast<std::uint32_t>(transport), 1);
}

void ServerMetrics::connection_closed(std::size_t transport) const {
  registry.local().add(inflight_base_ + static_cast<std::uint32_t>(transport),
                       static_cast<std::uint64_t>(-1));
}

void ServerMetrics::subscription_added(std::uint16_t ns) const {
  auto& cells = registry.local();
  cells.add(subs_accepted_base_ + ns, 1);
  cells.add(subs_inflight_base_ + ns, 1);
  subscriptions.inc();
}

void ServerMetrics::subscription_removed(std::uint16_t ns) const {
  registry.local().add(subs_inflight_base_ + ns, static_cast<std::uint64_t>(-1));
  subscriptions.dec();
}

void ServerMetrics::command_duration(FrameType method, std::uint16_t ns, double seconds) const {
  auto m = static_cast<std::uint32_t>(method);
  if (m >= kCommandMethods) return;
  auto series = m * static_cast<std::uint32_t>(namespaces_.size()) + ns;
  Histogram(&registry, command_duration_base_ + series * command_duration_->width(),
            &command_duration_->buckets())
      .observe(seconds);
}

// Known codes resolve to their cell without a lock; any other code registers its series.
void ServerMetrics::reply_error(FrameType method, std::uint32_t code, std::uint16_t ns) {
  auto m = std::min<std::uint32_t>(static_cast<std::uint32_t>(method), kCommandMethods - 1);
  auto width = static_cast<std::uint32_t>(namespaces_.size());
  if (code >= kFirstErrorCode && code <= kLastErrorCode) {
    auto series = (m * kErrorCodes + (code - kFirstErrorCode)) * width + ns;
    return registry.local().add(reply_errors_base_ + static_cast<std::uint32_t>(series), 1);
  }
  std::string code_name = std::to_string(code);
  reply_errors_->counter({frame_type_name(static_cast<FrameType>(m)), code_name, namespaces_[ns]})
      .inc();
}

void ServerMetrics::server_unsubscribe(std::uint32_t code, std::uint16_t ns) {
  if (auto at = position(kUnsubscribeCodes, code)) {
    auto series = *at * namespaces_.size() + ns;
    return registry.local().add(unsubscribes_base_ + static_cast<std::uint32_t>(series), 1);
  }
  server_unsubscribes_->counter({std::to_string(code), namespaces_[ns]}).inc();
}

void ServerMetrics::server_disconnect(std::uint32_t code) {
  if (auto at = position(kDisconnectCodes, code))
    return registry.local().add(disconnects_base_ + static_cast<std::uint32_t>(*at), 1);
  server_disconnects_->counter({std::to_string(code)}).inc();
}

void ServerMetrics::recover(bool recovered, std::uint16_t ns, bool has_publications) const {
  auto size = static_cast<std::uint32_t>(namespaces_.size());
  registry.local().add(
      recover_base_ + (recovered ? size * 2 : 0) + ns * 2u + (has_publications ? 1 : 0), 1);
}

void ServerMetrics::api_call(std::string_view method, double seconds, std::uint32_t error) {
  auto m = static_cast<std::uint32_t>(api_method_index(method));
  Histogram(&registry, api_duration_base_ + m * api_duration_->width(), &api_duration_->buckets())
      .observe(seconds);
  if (!error) return;
  if (error >= kFirstErrorCode && error <= kLastErrorCode)
    return registry.local().add(
        api_errors_base_ + m * static_cast<std::uint32_t>(kErrorCodes) + (error - kFirstErrorCode),
        1);
  api_errors_->counter({"http", kApiMethods[m], std::to_string(error)}).inc();
}

void ServerMetrics::redis_pub_sub_error(std::string_view error) {
  redis_errors_->counter({kBroker, error}).inc();
}

void ServerMetrics::redis_command_error(std::string_view reason) {
  redis_command_errors_->counter({reason}).inc();
}

void ServerMetrics::redis_dropped(std::string_view channel_type) {
  redis_dropped_->counter({kBroker, channel_type}).inc();
}

void ServerMetrics::denial(Denial reason) const {
  registry.local().add(denials_base_ + static_cast<std::uint32_t>(reason), 1);
}

void ServerMetrics::quota_hit(Quota quota) const {
  registry.local().add(quota_base_ + static_cast<std::uint32_t>(quota), 1);
}

void ServerMetrics::rate_limited(RateLimit limit) const {
  registry.local().add(rate_base_ + static_cast<std::uint32_t>(limit), 1);
}

void ServerMetrics::slow_client_disconnect(std::size_t transport) const {
  registry.local().add(slow_base_ + static_cast<std::uint32_t>(transport), 1);
}

void ServerMetrics::config_reload(bool ok) const {
  registry.local().add(reloads_base_ + (ok ? 0 : 1), 1);
}

std::vector<std::string> series_names(const ServerMetrics& metrics) {
  std::vector<std::string> names = metrics.registry.names();
  // Written by one hook each: the tenant families and process_* (see Tenants, process.cpp).
  for (auto name : {"neo_events_tenant_publications_total", "neo_events_tenant_deliveries_total",
                    "process_resident_memory_bytes", "process_virtual_memory_bytes",
                    "process_open_fds", "process_max_fds", "process_start_time_seconds"})
    names.emplace_back(name);
  if (!metrics.tenants.enabled()) names.emplace_back("neo_events_tenant_connections");
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace neo::metrics
