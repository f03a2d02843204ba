// The engine: broker (fan-out between nodes), history (offsets, epochs, bounded streams) and
// presence, behind one interface so that the Redis engine can replace the memory one without
// touching transport, hub or sessions.
//
// Threading contract:
// - Every method may be called from any I/O thread.
// - Each callback is called exactly once. The memory engine calls it before returning; a remote
//   engine calls it later on an engine thread, so callers must not assume either (sessions hop
//   back to their own thread before touching their state).
// - EventHandler methods are called in offset order per channel. The memory engine calls them
//   while it holds the channel's lock, which is what makes a subscriber's "register interest,
//   then read history" race-free: a publication is either already in history or will be handed
//   to the handler after the interest is visible.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/types.h"

namespace neo::engine {

template <typename T>
using Callback = std::function<void(Result<T>)>;

using Duration = std::chrono::milliseconds;

// How a channel keeps history (from its namespace). size 0 or ttl 0 = no history.
struct HistoryOptions {
  std::uint32_t size = 0;
  Duration ttl{0};
  Duration meta_ttl = std::chrono::hours(720);
  bool enabled() const { return size > 0 && ttl.count() > 0; }
};

// A server API publish with an idempotency key: within `ttl`, the same key on the same channel
// answers the first publish's position again (on every node of the service) and publishes
// nothing. An empty key asks for nothing of the kind.
struct Idempotency {
  std::string_view key;
  Duration ttl{0};
  bool wanted() const { return !key.empty(); }
};

struct HistoryQuery {
  std::int64_t limit = 0;               // 0 = position only; < 0 = everything
  std::optional<StreamPosition> since;  // since.epoch non-empty and stale -> error 112
  bool reverse = false;
};

// Receives what the broker fans out; implemented by the node's delivery layer.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  virtual void on_publication(std::string_view channel, const Publication& pub,
                              const StreamPosition& position) = 0;
  virtual void on_join(std::string_view channel, const ClientInfo& info) = 0;
  virtual void on_leave(std::string_view channel, const ClientInfo& info) = 0;
  // A cluster control message (node announcements, server API commands, surveys); broadcasts
  // reach the sending node too. Single-node engines never call it.
  virtual void on_control(std::string_view message) { (void)message; }
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual void start(EventHandler& handler) = 0;
  virtual void stop() = 0;
  virtual bool healthy() const = 0;
  // Periodic housekeeping (expiry sweeps); called about once a second from one thread.
  virtual void maintain() = 0;
  // How often sessions must re-add their presence entries (remote engines expire entries of
  // nodes that stopped refreshing them); 0 = never.
  virtual std::chrono::milliseconds presence_refresh_interval() const {
    return std::chrono::milliseconds(0);
  }

  // Broker. publish assigns the offset when history is on and returns the new position
  // (offset 0 and empty epoch when it is off).
  virtual void publish(std::string_view channel, Publication pub, const HistoryOptions& history,
                       const Idempotency& idempotency, Callback<StreamPosition> done) = 0;
  // Without an idempotency key (client publications).
  void publish(std::string_view channel, Publication pub, const HistoryOptions& history,
               Callback<StreamPosition> done) {
    publish(channel, std::move(pub), history, Idempotency{}, std::move(done));
  }
  virtual void publish_join(std::string_view channel, const ClientInfo& info) = 0;
  virtual void publish_leave(std::string_view channel, const ClientInfo& info) = 0;
  // The node gained its first / lost its last local subscriber of a channel.
  virtual void subscribe(std::string_view channel) = 0;
  virtual void unsubscribe(std::string_view channel) = 0;

  // Cluster control plane: `message` goes to every node (`to_node` empty) or to one node's
  // direct channel. A single-node engine has nobody to tell and reports success at once.
  virtual void publish_control(std::string_view to_node, std::string message, Callback<Unit> done) {
    (void)to_node;
    (void)message;
    done(Unit{});
  }

  // History. Reading a channel that has no stream yet creates its epoch at offset 0.
  virtual void history(std::string_view channel, const HistoryQuery& query,
                       const HistoryOptions& options, Callback<HistoryResult> done) = 0;
  virtual void remove_history(std::string_view channel, Callback<Unit> done) = 0;

  // Presence.
  virtual void add_presence(std::string_view channel, const ClientInfo& info) = 0;
  virtual void remove_presence(std::string_view channel, std::string_view client_id) = 0;
  virtual void presence(std::string_view channel, Callback<std::vector<ClientInfo>> done) = 0;
  virtual void presence_stats(std::string_view channel, Callback<PresenceStats> done) = 0;
};

}  // namespace neo::engine
