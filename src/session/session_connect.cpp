// Connect, refresh and ping handling of ClientSession.
#include <algorithm>
#include <random>

#include "protocol/encoder.h"
#include "session/client_session.h"

namespace neo::session {

namespace code = protocol::error_code;
namespace dc = protocol::disconnect;

// The connect reply waits for the positions of the token's server-side subscriptions.
struct ClientSession::PendingConnect {
  std::uint32_t id = 0;
  protocol::ConnectResult result;
  std::size_t waiting = 1;  // one per subscription plus the connect itself
  bool failed = false;
};

void ClientSession::handle_connect(Command& cmd) {
  if (services_.shutting_down) return close(dc::shutdown);
  if (cmd.token.empty()) {  // no anonymous connections
    audit("connect", "", "no token", dc::bad_request.code);
    count_token_denial();
    return close(dc::bad_request);
  }
  auto verified = services_.verifier().verify_connection(cmd.token, unix_seconds());
  identity_ = std::move(verified.token.identity);  // empty when invalid; kept for the audit
  if (verified.status != auth::TokenStatus::ok)
    return refuse_connect(cmd, verified.status, verified.reason);
  if (verified.token.expire_at && expire_at_passed(*verified.token.expire_at))
    return refuse_connect(cmd, auth::TokenStatus::expired, "expire_at passed");
  expire_at_ = verified.token.expire_at;
  token_channels_ = verified.token.channels;
  std::sort(token_channels_.begin(), token_channels_.end());
  std::vector<std::string> channels = verified.token.channels;
  if (!add_client_listed_channels(cmd, channels)) return;
  if (channels.size() > services_.config().client.channel_limit) {
    audit("quota:channel_limit", "", "channel limit", dc::channel_limit.code);
    count_quota(metrics::Quota::subscriptions);
    return close(dc::channel_limit);
  }
  for (const auto& channel : channels) {
    auto decision = services_.policy().check(identity_, channel, auth::Action::subscribe, true);
    if (decision == auth::Decision::allow) continue;
    std::uint32_t error = error_code_for(decision);
    audit("subscribe", channel, protocol::make_error(error).message, error);
    count_denial(channel, decision);
    reply_error(cmd.id, error);
    state_ = State::failed;
    return;
  }
  admit_tenant_connection([this, cmd = std::move(cmd), channels = std::move(channels)] {
    subscribe_and_reply(cmd, channels);
  });
}

void ClientSession::subscribe_and_reply(const Command& cmd,
                                        const std::vector<std::string>& channels) {
  auto pending = std::make_shared<PendingConnect>();
  pending->id = cmd.id;
  add_server_subscriptions(channels, cmd, pending);
  if (--pending->waiting == 0) finish_connect(*pending);
}

// Invalid: close 3500, no reply. Expired: error 109 (or 110 for a past expire_at), and the
// client comes back with a fresh token.
void ClientSession::refuse_connect(const Command& cmd, auth::TokenStatus status,
                                   std::string_view reason) {
  if (status == auth::TokenStatus::invalid) {
    audit("connect", "", reason, dc::invalid_token.code);
    count_token_denial();
    return close(dc::invalid_token);
  }
  std::uint32_t error = reason == "expire_at passed" ? code::expired : code::token_expired;
  audit("connect", "", reason, error);
  reply_error(cmd.id, error);
  state_ = State::failed;
}

// The tenant's connection quota (tenants.max_connections, or its override): over it, 3504.
// Counted across the nodes (Redis engine), the answer comes later on another thread; a
// session closed by then gives the counted connection back.
void ClientSession::admit_tenant_connection(std::function<void()> admitted) {
  if (!services_.limits) return admitted();
  limits::Limits* limits = services_.limits;
  auto at_once = limits->acquire_connection(
      identity_.tenant,
      [home = home(), this, limits, tenant = identity_.tenant, admitted](bool ok) {
        home.run_or([this, ok, admitted] { on_tenant_admission(ok, admitted); },
                    [limits, tenant, ok] {
                      if (ok) limits->release_connection(tenant);
                    });
      });
  if (at_once) on_tenant_admission(*at_once, admitted);
}

void ClientSession::on_tenant_admission(bool ok, const std::function<void()>& admitted) {
  if (!ok) {
    audit("quota:tenant_connections", "", "connection limit", dc::connection_limit.code);
    count_quota(metrics::Quota::connections);
    return close(dc::connection_limit);
  }
  counted_connection_ = true;
  if (state_ == State::connecting) admitted();
}

void ClientSession::audit(std::string_view action, std::string_view channel,
                          std::string_view reason, std::uint32_t code) const {
  services_.record(audit::Event{action, identity_.user, identity_.tenant, channel, reason,
                                connection_.remote_address(), code});
}

// Channels a reconnecting client lists in connect.subs (positions of its server-side
// subscriptions): an unknown namespace closes with 3501; channels it may subscribe to on its
// own become server-side subscriptions; anything else is ignored, as Centrifugo does.
bool ClientSession::add_client_listed_channels(const Command& cmd,
                                               std::vector<std::string>& channels) {
  for (const auto& [channel, request] : cmd.subs) {
    if (!namespace_for(services_.config(), channel)) {
      close(dc::bad_request);
      return false;
    }
    if (std::find(channels.begin(), channels.end(), channel) != channels.end()) continue;
    if (services_.policy().check(identity_, channel, auth::Action::subscribe) ==
        auth::Decision::allow)
      channels.push_back(channel);
  }
  return true;
}

void ClientSession::add_server_subscriptions(const std::vector<std::string>& channels,
                                             const Command& cmd,
                                             const std::shared_ptr<PendingConnect>& pending) {
  for (const auto& channel : channels) {
    if (subs_.count(channel)) continue;  // listed twice
    const config::NamespaceOptions* ns = namespace_for(services_.config(), channel);
    protocol::SubscribeRequest req;
    for (const auto& [name, recover] : cmd.subs)
      if (name == channel) req = recover;  // centrifuge-js resends positions on reconnect
    req.channel = channel;
    ++pending->waiting;
    auto sub = std::make_unique<Subscription>(*this, channel);
    Subscription& added = start_subscription(req, *ns, true, std::move(sub));
    position_subscription(added, req, *ns, ns->force_recovery,
                          [this, pending, channel](Result<protocol::SubscribeResult> r) {
                            if (r.ok())
                              pending->result.subs.emplace_back(channel, std::move(r.value()));
                            else
                              pending->failed = true;
                            if (--pending->waiting == 0) finish_connect(*pending);
                          });
  }
}

void ClientSession::finish_connect(PendingConnect& pending) {
  if (pending.failed) {
    reply_error(pending.id, code::internal);
    while (!subs_.empty()) remove_subscription(subs_.begin()->first, false);
    state_ = State::failed;
    return;
  }
  protocol::ConnectResult& result = pending.result;
  result.client = std::string(client_id());
  result.version = services_.version;
  if (expire_at_) {
    result.expires = true;
    result.ttl = ttl_until(*expire_at_);
  }
  result.ping = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(services_.config().client.ping_interval)
          .count());
  result.pong = !uni_;
  result.session = emulation_session_;
  result.node = services_.node_id;
  if (uni_) {  // the connect result as the first push; uni transports speak JSON only
    std::string body;
    JsonWriter w(body);
    protocol::write_connect_result(w, result);
    push(protocol::encode_connect_push(body), FrameType::push_connect, 0);
  } else {
    push(codec_.connect_reply(pending.id, result));
  }
  register_connected();
  for (auto& [channel, sub] : subs_) complete_subscription(*sub);
  finish_command();
}

void ClientSession::register_connected() {
  state_ = State::connected;
  count_connected();  // before registering: it asks whether the user is new on this thread
  registered_ = true;
  shard_.users[identity_.user].push_back(this);
  schedule_first_ping(SteadyClock::now());
}

// The first ping comes at a random moment in [interval/2, interval) so that connections
// made together do not ping together.
void ClientSession::schedule_first_ping(SteadyClock::time_point now) {
  auto interval = services_.config().client.ping_interval;
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<long long> jitter(0,
                                                  std::max<long long>(0, interval.count() / 2 - 1));
  next_ping_ = now + interval / 2 + std::chrono::milliseconds(jitter(random));
  reschedule();
}

void ClientSession::handle_refresh(Command& cmd) {
  if (cmd.token.empty()) return close(dc::bad_request);
  auto verified = services_.verifier().verify_connection(cmd.token, unix_seconds());
  if (verified.status == auth::TokenStatus::invalid) return close(dc::invalid_token);
  if (verified.status == auth::TokenStatus::expired) return close(dc::connection_expired);
  const auth::Identity& fresh = verified.token.identity;
  if (fresh.user != identity_.user || fresh.tenant != identity_.tenant) {
    return close(dc::invalid_token);
  }
  auto channels = verified.token.channels;
  std::sort(channels.begin(), channels.end());
  if (channels != token_channels_) return close(dc::insufficient_state);
  identity_.roles = fresh.roles;
  identity_.info = fresh.info;
  expire_at_ = verified.token.expire_at;
  reschedule();
  push(expiry_reply(cmd, expire_at_));
  finish_command();
}

void ClientSession::server_refresh(bool expired, std::optional<std::int64_t> expire_at,
                                   std::string info) {
  if (state_ != State::connected) return;
  if (expired) return close(dc::connection_expired);
  if (expire_at) expire_at_ = *expire_at > 0 ? expire_at : std::nullopt;
  reschedule();
  if (!info.empty()) identity_.info = std::move(info);
  bool expires = expire_at_.has_value();
  push(codec_.refresh_push(expires, expires ? ttl_until(*expire_at_) : 0), FrameType::push_refresh,
       0);
}

}  // namespace neo::session
