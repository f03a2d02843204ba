// Subscriptions of ClientSession: subscribe with positioning and recovery, live delivery with
// offset checks, unsubscribe, subscription-token refresh, server-side subscriptions.
#include <simdjson.h>

#include "protocol/encoder.h"
#include "session/client_session.h"

namespace neo::session {

namespace code = protocol::error_code;
namespace dc = protocol::disconnect;

namespace {

// authorize_subscribe's answer when it has already closed the connection.
constexpr std::uint32_t kClosed = 0xFFFFFFFF;
// Deliveries held back while a subscribe waits for the engine; more means a stuck engine.
constexpr std::size_t kMaxPending = 4096;

bool recovered_from(const protocol::SubscribeRequest& req, const HistoryResult& history) {
  if (!req.epoch.empty() && req.epoch != history.position.epoch) return false;
  const auto& pubs = history.publications;
  if (pubs.empty()) return history.position.offset == req.offset;
  return pubs.front().offset == req.offset + 1 && pubs.back().offset == history.position.offset;
}

}  // namespace

void Subscription::deliver(const hub::Delivery& delivery) { session.deliver(*this, delivery); }

ClientInfo ClientSession::client_info(const Subscription* sub) const {
  return ClientInfo{identity_.user, std::string(client_id()), identity_.info,
                    sub ? sub->chan_info : ""};
}

void ClientSession::handle_subscribe(Command& cmd) {
  const auto& req = cmd.subscribe;
  if (subs_.count(req.channel)) {
    reply_error(cmd.id, code::already_subscribed);
    return finish_command();
  }
  if (!req.delta.empty() && req.delta != "fossil") {  // the only delta type there is
    reply_error(cmd.id, code::bad_request);
    return finish_command();
  }
  if (subs_.size() >= services_.config().client.channel_limit) {
    audit("quota:channel_limit", req.channel, "limit exceeded", code::limit_exceeded);
    count_quota(metrics::Quota::subscriptions);
    reply_error(cmd.id, code::limit_exceeded);
    return finish_command();
  }
  auto sub = std::make_unique<Subscription>(*this, req.channel);
  const config::NamespaceOptions* ns = nullptr;
  std::string token_data;  // the subscription token's `data`, for the reply
  std::uint32_t error = authorize_subscribe(req, ns, *sub, token_data);
  if (error == kClosed) return;
  if (error) {
    audit("subscribe", req.channel, protocol::make_error(error).message, error);
    reply_error(cmd.id, error);
    return finish_command();
  }
  bool recoverable = ns->history_enabled() && (ns->force_recovery || req.recoverable);
  Subscription& added = start_subscription(req, *ns, false, std::move(sub));
  position_subscription(
      added, req, *ns, recoverable,
      [this, id = cmd.id, channel = req.channel, token_data](Result<protocol::SubscribeResult> r) {
        auto it = subs_.find(channel);
        if (it == subs_.end()) return finish_command();
        if (!r.ok()) {
          reply_error(id, code::internal);
          remove_subscription(channel, false);
          return finish_command();
        }
        protocol::SubscribeResult& result = r.value();
        result.data = token_data;
        result.delta = it->second->delta;
        // Recovered publications are sent in full: the last one is the base of the next patch.
        it->second->delta_ready = !result.publications.empty();
        if (it->second->expire_at) {
          result.expires = true;
          result.ttl = ttl_until(*it->second->expire_at);
        }
        push(codec_.subscribe_reply(id, result));
        complete_subscription(*it->second);
        finish_command();
      });
}

// Rules of spec §6 plus the subscription token. Returns 0, an error code, or kClosed.
std::uint32_t ClientSession::authorize_subscribe(const protocol::SubscribeRequest& req,
                                                 const config::NamespaceOptions*& ns,
                                                 Subscription& sub, std::string& token_data) {
  bool has_token = false;
  if (!req.token.empty()) {
    auto verified = services_.verifier().verify_subscription(req.token, unix_seconds());
    if (verified.status == auth::TokenStatus::invalid) {
      count_token_denial();
      return code::permission_denied;
    }
    if (verified.status == auth::TokenStatus::expired) return code::token_expired;
    if (verified.token.channel != req.channel || verified.token.user != identity_.user) {
      audit("subscribe", req.channel, "subscription token for another channel or user",
            dc::invalid_token.code);
      close(dc::invalid_token);
      return kClosed;
    }
    if (verified.token.expire_at && expire_at_passed(*verified.token.expire_at))
      return code::expired;
    has_token = true;
    sub.token_granted = true;
    sub.chan_info = std::move(verified.token.info);
    token_data = std::move(verified.token.data);
    sub.expire_at = verified.token.expire_at;
  }
  auto decision =
      services_.policy().check(identity_, req.channel, auth::Action::subscribe, has_token);
  if (decision != auth::Decision::allow) {
    count_denial(req.channel, decision);
    return error_code_for(decision);
  }
  ns = namespace_for(services_.config(), req.channel);
  return ns ? 0 : code::unknown_channel;
}

Subscription& ClientSession::start_subscription(const protocol::SubscribeRequest& req,
                                                const config::NamespaceOptions& ns,
                                                bool server_side,
                                                std::unique_ptr<Subscription> sub) {
  sub->server_side = server_side;
  sub->presence = ns.presence;
  sub->join_leave = ns.join_leave;
  sub->push_join_leave = ns.join_leave && (req.join_leave || ns.force_push_join_leave);
  // Deltas are negotiated, never imposed: a namespace without fossil answers full data.
  sub->delta = !server_side && req.delta == "fossil" && ns.allows_fossil();
  if (sub->expire_at) ++expiring_subs_;
  sub->ns = ns_of(req.channel);
  if (services_.metrics) services_.metrics->subscription_added(sub->ns);
  Subscription& added = *sub;
  subs_[req.channel] = std::move(sub);
  if (added.expire_at) reschedule();  // its expiry may come before anything else
  ++shard_.subscriptions;
  // Interest first, history second: see engine.h on why this order cannot lose a publication.
  if (shard_.hub.add(req.channel, &added)) {
    services_.interest.add(req.channel, shard_.index,
                           [this](std::string_view ch) { services_.engine.subscribe(ch); });
  }
  return added;
}

void ClientSession::position_subscription(
    Subscription& sub, const protocol::SubscribeRequest& req, const config::NamespaceOptions& ns,
    bool recoverable, std::function<void(Result<protocol::SubscribeResult>)> done) {
  sub.positioned =
      ns.history_enabled() && (recoverable || ns.force_positioning || req.positioned || sub.delta);
  if (!sub.positioned) return done(protocol::SubscribeResult{});
  bool recovering = recoverable && req.recover;
  engine::HistoryQuery query;
  if (recovering) {
    query.since = StreamPosition{req.offset, ""};
    query.limit = services_.config().client.recovery_max_publication_limit;
  }
  services_.engine.history(sub.channel, query, history_options(ns),
                           [home = home(), this, channel = sub.channel, req, recoverable,
                            recovering, done = std::move(done)](Result<HistoryResult> r) mutable {
                             home.run([this, channel, req, recoverable, recovering,
                                       done = std::move(done), r = std::move(r)]() mutable {
                               auto it = subs_.find(channel);
                               if (it == subs_.end() || !r.ok())
                                 return done(protocol::make_error(code::internal));
                               HistoryResult& history = r.value();
                               Subscription& s = *it->second;
                               protocol::SubscribeResult result;
                               result.positioned = true;
                               result.recoverable = recoverable;
                               result.epoch = history.position.epoch;
                               result.offset = history.position.offset;
                               s.epoch = history.position.epoch;
                               s.offset = history.position.offset;
                               if (recovering) {
                                 result.was_recovering = true;
                                 if (recovered_from(req, history)) {
                                   result.recovered = true;
                                   result.offset = req.offset;
                                   result.publications = std::move(history.publications);
                                 }
                                 count_recover(s.ns, result);
                               }
                               done(std::move(result));
                             });
                           });
}

// The reply has been queued: live deliveries may flow, presence and join follow.
void ClientSession::complete_subscription(Subscription& sub) {
  sub.subscribed = true;
  if (sub.presence) services_.engine.add_presence(sub.channel, client_info(&sub));
  if (sub.join_leave) {
    services_.engine.publish_join(sub.channel, client_info(&sub));
    if (services_.metrics) services_.metrics->broker_sent(metrics::BrokerMessage::join, sub.ns);
  }
  auto pending = std::move(sub.pending);
  if (!pending) return;
  std::string channel = sub.channel;
  for (const auto& delivery : *pending) {
    if (!subs_.count(channel) || state_ == State::closed) break;  // a delivery ended it
    deliver(sub, delivery);
  }
}

void ClientSession::deliver(Subscription& sub, const hub::Delivery& delivery) {
  if (state_ == State::closed) return;
  if (!sub.subscribed) {
    if (!sub.pending) sub.pending = std::make_unique<std::vector<hub::Delivery>>();
    if (sub.pending->size() >= kMaxPending) return insufficient_state(sub);
    sub.pending->push_back(delivery);
    return;
  }
  if (delivery.kind != hub::DeliveryKind::publication) {
    if (!sub.push_join_leave) return;
  } else if (sub.positioned && delivery.offset) {
    if (delivery.epoch != sub.epoch) return insufficient_state(sub);
    if (delivery.offset <= sub.offset) return;  // already sent (recovery overlap)
    if (delivery.offset != sub.offset + 1) return insufficient_state(sub);
    sub.offset = delivery.offset;
  }
  if (codec_.encoding() == protocol::Encoding::json && !sub.delta) return send(delivery.frame);
  send(encoded_for(sub, delivery));
}

// The delivery in this session's encoding, shared with every other receiver of that encoding.
FrameRef ClientSession::encoded_for(Subscription& sub, const hub::Delivery& delivery) {
  using Slot = hub::Encodings::Slot;
  hub::Encodings& e = *delivery.encodings;
  const bool json = codec_.encoding() == protocol::Encoding::json;
  if (delivery.kind != hub::DeliveryKind::publication) {
    return e.get(Slot::protobuf, [&] {
      return delivery.kind == hub::DeliveryKind::join ? codec_.join_push(e.channel(), e.info())
                                                      : codec_.leave_push(e.channel(), e.info());
    });
  }
  const Publication& pub = e.publication();
  if (!sub.delta) return e.get(Slot::protobuf, [&] { return codec_.pub_push(e.channel(), pub); });
  // A patch applies to the publication the client received last: only when it holds one and
  // that one is this publication's base (offsets are contiguous, checked above).
  bool patchable = sub.delta_ready && delivery.offset && e.has_delta_base();
  sub.delta_ready = delivery.offset != 0;  // an unpositioned one is no base for the next patch
  const std::string* patch = patchable ? e.patch() : nullptr;
  if (patch && json && !simdjson::validate_utf8(patch->data(), patch->size()))
    patch = nullptr;  // a JSON string cannot carry it
  if (!patch) {
    if (!json) return e.get(Slot::protobuf, [&] { return codec_.pub_push(e.channel(), pub); });
    return e.get(Slot::json_delta_full, [&] {
      return codec_.delta_pub_push(e.channel(), pub, {pub.data, false});
    });
  }
  return e.get(json ? Slot::json_delta_patch : Slot::protobuf_delta_patch, [&] {
    return codec_.delta_pub_push(e.channel(), pub, {*patch, true});
  });
}

// A gap or a new epoch: make the client recover (Centrifugo 2500 / 3010).
void ClientSession::insufficient_state(Subscription& sub) {
  if (sub.server_side) return close(dc::insufficient_state);
  push(codec_.unsubscribe_push(sub.channel, protocol::unsubscribe::insufficient_state),
       FrameType::push_unsubscribe, sub.ns);
  count_unsubscribe(protocol::unsubscribe::insufficient_state.code, sub.ns);
  remove_subscription(sub.channel, true);
}

void ClientSession::remove_subscription(std::string channel, bool publish_leave) {
  auto it = subs_.find(channel);
  if (it == subs_.end()) return;
  std::unique_ptr<Subscription> sub = std::move(it->second);
  subs_.erase(it);
  if (shard_.hub.remove(channel, sub.get())) {
    services_.interest.remove(channel, shard_.index,
                              [this](std::string_view ch) { services_.engine.unsubscribe(ch); });
  }
  if (sub->subscribed && sub->presence) services_.engine.remove_presence(channel, client_id());
  if (sub->subscribed && sub->join_leave && publish_leave) {
    services_.engine.publish_leave(channel, client_info(sub.get()));
    if (services_.metrics) services_.metrics->broker_sent(metrics::BrokerMessage::leave, sub->ns);
  }
  if (sub->expire_at) --expiring_subs_;
  --shard_.subscriptions;
  if (services_.metrics) services_.metrics->subscription_removed(sub->ns);
}

void ClientSession::handle_unsubscribe(Command& cmd) {
  remove_subscription(cmd.channel, true);
  push(codec_.empty_reply(cmd.id, cmd.method));
  finish_command();
}

void ClientSession::handle_sub_refresh(Command& cmd) {
  auto it = subs_.find(cmd.channel);
  if (it == subs_.end()) {
    reply_error(cmd.id, code::permission_denied);
    return finish_command();
  }
  if (cmd.token.empty()) {
    reply_error(cmd.id, code::bad_request);
    return finish_command();
  }
  auto verified = services_.verifier().verify_subscription(cmd.token, unix_seconds());
  if (verified.status == auth::TokenStatus::invalid) return close(dc::invalid_token);
  if (verified.token.channel != cmd.channel || verified.token.user != identity_.user) {
    return close(dc::invalid_token);
  }
  if (verified.status == auth::TokenStatus::expired) {
    reply_error(cmd.id, code::token_expired);
    return finish_command();
  }
  Subscription& sub = *it->second;
  if (sub.expire_at) --expiring_subs_;
  sub.expire_at = verified.token.expire_at;
  if (sub.expire_at) ++expiring_subs_;
  reschedule();
  if (!verified.token.info.empty()) sub.chan_info = std::move(verified.token.info);
  push(expiry_reply(cmd, sub.expire_at));
  finish_command();
}

void ClientSession::server_subscribe(std::string_view channel) {
  if (state_ != State::connected || subs_.count(std::string(channel))) return;
  if (subs_.size() >= services_.config().client.channel_limit) {
    count_quota(metrics::Quota::subscriptions);
    return close(dc::channel_limit);
  }
  const config::NamespaceOptions* ns = namespace_for(services_.config(), channel);
  if (!ns) return;
  protocol::SubscribeRequest req;
  req.channel = std::string(channel);
  auto sub = std::make_unique<Subscription>(*this, req.channel);
  Subscription& added = start_subscription(req, *ns, true, std::move(sub));
  position_subscription(added, req, *ns, ns->force_recovery,
                        [this, ch = req.channel](Result<protocol::SubscribeResult> r) {
                          auto it = subs_.find(ch);
                          if (it == subs_.end()) return;
                          if (!r.ok()) return remove_subscription(ch, false);
                          push(codec_.subscribe_push(ch, r.value()), FrameType::push_subscribe,
                               it->second->ns);
                          complete_subscription(*it->second);
                        });
}

// After a reload: a subscription the new namespaces or roles would refuse now ends as a server
// API unsubscribe does (push 2000, no resubscribe by the client). Server-side subscriptions and
// those a subscription token granted are judged as at their start: tenant isolation and the
// namespace, not the roles.
void ClientSession::revoke_forbidden_subscriptions() {
  if (state_ != State::connected) return;
  std::vector<std::string> revoked;
  for (const auto& [channel, sub] : subs_) {
    bool granted = sub->server_side || sub->token_granted;
    auto decision = services_.policy().check(identity_, channel, auth::Action::subscribe, granted);
    if (decision != auth::Decision::allow) revoked.push_back(channel);
  }
  for (const auto& channel : revoked) server_unsubscribe(channel);
}

void ClientSession::server_unsubscribe(std::string_view channel) {
  auto it = subs_.find(std::string(channel));
  if (it == subs_.end()) return;
  push(codec_.unsubscribe_push(channel, protocol::unsubscribe::server), FrameType::push_unsubscribe,
       it->second->ns);
  count_unsubscribe(protocol::unsubscribe::server.code, it->second->ns);
  remove_subscription(it->first, true);
}

}  // namespace neo::session
