// What ClientSession counts: commands in (per message), their durations and error replies,
// server unsubscribes and disconnects, denials and quota hits, recoveries, the connection's
// gauges. Deliveries are not counted here: the transport counts them per write batch.
#include "session/client_session.h"

namespace neo::session {

namespace {

using protocol::Method;

// protocol::Method lists the commands in Centrifugo's FrameType order.
static_assert(static_cast<int>(Method::connect) == static_cast<int>(FrameType::connect));
static_assert(static_cast<int>(Method::sub_refresh) == static_cast<int>(FrameType::sub_refresh));

FrameType frame_type_of(Method method) {
  if (method == Method::pong) return FrameType::client_pong;
  if (method == Method::unknown) return FrameType::untagged;
  return static_cast<FrameType>(method);
}

}  // namespace

std::uint16_t ClientSession::ns_of(std::string_view channel) const {
  return services_.metrics ? services_.metrics->namespace_index(channel) : 0;
}

void ClientSession::begin_command(const Command& cmd) {
  command_method_ = frame_type_of(cmd.method);
  command_ns_ = ns_of(cmd.channel);
  if (services_.metrics) command_started_ = SteadyClock::now();
}

// Pongs are not timed: they are answers, not requests.
void ClientSession::end_command() {
  auto* metrics = services_.metrics;
  if (metrics && command_method_ != FrameType::untagged &&
      command_method_ != FrameType::client_pong) {
    std::chrono::duration<double> took = SteadyClock::now() - command_started_;
    metrics->command_duration(command_method_, command_ns_, took.count());
  }
  command_method_ = FrameType::untagged;
}

// A frame of several commands is shared out evenly among them: the decoders do not say where
// each one began.
void ClientSession::count_received(const std::vector<Command>& commands, std::size_t bytes) {
  auto* metrics = services_.metrics;
  if (!metrics || commands.empty()) return;
  auto& cells = metrics->registry.local();
  const auto transport = static_cast<std::size_t>(transport_);
  std::size_t share = bytes / commands.size();
  std::size_t first_share = share + bytes % commands.size();
  for (std::size_t i = 0; i < commands.size(); ++i) {
    FrameType type = frame_type_of(commands[i].method);
    if (type == FrameType::untagged) continue;
    auto cell = metrics->message_cell(transport, type, ns_of(commands[i].channel));
    cells.add(metrics->received_base + cell, 1);
    cells.add(metrics->received_size_base + cell, i == 0 ? first_share : share);
  }
}

void ClientSession::count_reply_error(std::uint32_t code) {
  if (services_.metrics && command_method_ != FrameType::untagged)
    services_.metrics->reply_error(command_method_, code, command_ns_);
}

// Once per connection: the first close decides the code.
void ClientSession::count_disconnect(std::uint32_t code) {
  if (closing_ || state_ == State::closed || !services_.metrics) return;
  services_.metrics->server_disconnect(code);
  if (code == protocol::disconnect::slow.code)
    services_.metrics->slow_client_disconnect(static_cast<std::size_t>(transport_));
}

void ClientSession::count_denial(std::string_view channel, auth::Decision decision) const {
  auto* metrics = services_.metrics;
  if (!metrics || decision == auth::Decision::allow) return;
  using metrics::Denial;
  Denial reason = Denial::role;
  std::string_view tenant = auth::tenant_of(channel);
  if (decision == auth::Decision::unknown_channel)
    reason = Denial::unknown_channel;
  else if (decision == auth::Decision::bad_channel)
    reason = Denial::bad_channel;
  else if (!tenant.empty() && tenant != identity_.tenant)
    reason = Denial::tenant_mismatch;
  metrics->denial(reason);
}

void ClientSession::count_token_denial() {
  if (services_.metrics) services_.metrics->denial(metrics::Denial::token);
}

void ClientSession::count_unsubscribe(std::uint32_t code, std::uint16_t ns) {
  if (services_.metrics) services_.metrics->server_unsubscribe(code, ns);
}

void ClientSession::count_quota(metrics::Quota quota) {
  auto* metrics = services_.metrics;
  if (!metrics) return;
  metrics->quota_hit(quota);
  if (quota == metrics::Quota::connections) metrics->connection_limit.inc();
}

// Authenticated: the client, user and tenant gauges, and the tenant whose deliveries the
// transport counts for this connection.
void ClientSession::count_connected() {
  auto* metrics = services_.metrics;
  if (!metrics) return;
  metrics->clients.inc();
  if (shard_.users[identity_.user].empty()) metrics->users.inc();
  tenant_cells_ = metrics->tenants.resolve(identity_.tenant);
  metrics->tenants.add(tenant_cells_, metrics::Tenants::connections, 1);
  if (tenant_cells_ != metrics::Tenants::kNone)
    connection_.count_deliveries_in(tenant_cells_ + metrics::Tenants::deliveries);
}

void ClientSession::count_gone() {
  auto* metrics = services_.metrics;
  if (!metrics || !registered_) return;
  metrics->clients.dec();
  metrics->tenants.add(tenant_cells_, metrics::Tenants::connections, -1);
}

void ClientSession::count_recover(std::uint16_t ns, const protocol::SubscribeResult& result) {
  if (services_.metrics)
    services_.metrics->recover(result.recovered, ns, !result.publications.empty());
}

}  // namespace neo::session
