// Subscription: one channel of one session, as registered in its thread's LocalHub. Holds the
// stream position used to check live publications (offset == last + 1) and, while the
// subscribe is still being answered, the deliveries that must wait behind the reply.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/local_hub.h"

namespace neo::session {

class ClientSession;

struct Subscription final : hub::Subscriber {
  Subscription(ClientSession& session, std::string channel)
      : session(session), channel(std::move(channel)) {}
  void deliver(const hub::Delivery& delivery) override;

  ClientSession& session;
  std::string channel;
  std::string chan_info;    // raw JSON `info` of a subscription token
  bool subscribed = false;  // false while the subscribe reply is being prepared
  bool server_side = false;
  bool token_granted = false;  // allowed by a subscription token rather than by a role
  bool positioned = false;
  bool push_join_leave = false;
  bool presence = false;
  bool join_leave = false;   // the namespace publishes joins and leaves
  bool delta = false;        // fossil deltas negotiated
  bool delta_ready = false;  // the client holds the previous publication: a patch can follow
  std::uint16_t ns = 0;      // metrics: the channel's namespace index
  std::uint64_t offset = 0;  // last delivered offset (positioned only)
  std::string epoch;
  std::optional<std::int64_t> expire_at;  // unix seconds, from a subscription token
  // Deliveries that arrived before the reply; allocated only then (most subscriptions never
  // need it, and an idle subscription should not carry an empty vector).
  std::unique_ptr<std::vector<hub::Delivery>> pending;
};

}  // namespace neo::session
