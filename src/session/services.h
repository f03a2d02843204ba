// What every session shares: the node-wide services (the settings a reload replaces: config,
// policy, token verifier; the engine, interest map) and the per-thread Shards. A Shard is touched
// only by its own thread; other threads reach it by posting to its io_context.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "auth/token.h"
#include "catalogue/catalogue.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/timer_wheel.h"
#include "engine/engine.h"
#include "hub/interest_map.h"
#include "hub/local_hub.h"
#include "limits/limits.h"
#include "metrics/server_metrics.h"
#include "session/settings.h"
#include "transport/connection.h"

namespace neo::cluster {
class Cluster;
}

namespace neo::session {

class ClientSession;

// Deliveries handed to one I/O thread, in the order they were handed over. Asio's post is not
// FIFO across posting threads (a post made inside a running handler is held back until the
// handler returns), so per-channel offset order is kept by this queue instead, and a burst of
// deliveries costs one post, not one each.
class DeliveryInbox {
 public:
  // Returns true when the caller must post a drain (the inbox was idle).
  bool push(std::string channel, hub::Delivery delivery) {
    std::lock_guard lock(mutex_);
    items_.emplace_back(std::move(channel), std::move(delivery));
    if (drain_scheduled_) return false;
    drain_scheduled_ = true;
    return true;
  }
  // Owner thread: takes everything queued so far.
  void take(std::vector<std::pair<std::string, hub::Delivery>>& out) {
    std::lock_guard lock(mutex_);
    out.swap(items_);
    drain_scheduled_ = false;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<std::string, hub::Delivery>> items_;
  bool drain_scheduled_ = false;
};

struct Shard {
  Shard(std::size_t index, boost::asio::io_context& io) : index(index), io(io) {}
  std::size_t index;
  boost::asio::io_context& io;
  hub::LocalHub hub;
  DeliveryInbox inbox;
  // Every session's next deadline (ping, pong, stale, expiry): the ticker touches only the
  // sessions that are due. 250 ms resolution, 128 s horizon.
  TimerWheel wheel{std::chrono::milliseconds(250), 512, SteadyClock::now()};
  std::unordered_set<ClientSession*> sessions;  // every live session on this thread
  std::unordered_map<std::string, std::vector<ClientSession*>, hub::StringHash, std::equal_to<>>
      users;  // authenticated sessions by user id, for server API actions
  // Written by the owning thread only; read by the metrics scrape.
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> subscriptions{0};
};

struct Services {
  // The settings at start, for a Services built by hand (tests). A node sets `live` as well,
  // and then every reader sees what the last reload installed (session/settings.h).
  const config::Config& start_config;
  engine::Engine& engine;
  const auth::Policy& start_policy;
  const auth::TokenVerifier& start_verifier;
  hub::InterestMap& interest;
  std::vector<Shard*> shards;
  std::string node_id;
  std::string node_name;
  std::string version;
  // SIGTERM: `draining` first (Node::begin_drain: /ready and /health answer 503 so that load
  // balancers stop sending new clients; connections are still served and accepted), then
  // `shutting_down` (new connects get 3001, the clients are told to reconnect).
  std::atomic<bool> draining{false};
  std::atomic<bool> shutting_down{false};
  // Quotas and the audit log; the node always sets them, unit tests may leave them out.
  limits::Limits* limits = nullptr;
  audit::AuditLog* audit = nullptr;
  // Set when the engine joins several nodes (the server API then acts on every node).
  cluster::Cluster* cluster = nullptr;
  // The event catalogue for namespaces with validate_events; the node always sets it.
  const catalogue::Catalogue* catalogue = nullptr;
  // Publications refused by the catalogue (metrics).
  mutable std::atomic<std::uint64_t> invalid_events{0};
  // Set by the node: the settings of the last reload.
  const LiveSettings* live = nullptr;

  const config::Config& config() const { return live ? live->get().config : start_config; }
  const auth::Policy& policy() const { return live ? live->get().policy : start_policy; }
  const auth::TokenVerifier& verifier() const {
    return live ? live->get().verifier : start_verifier;
  }
  // The node's metrics; unit tests may leave them out.
  metrics::ServerMetrics* metrics = nullptr;

  // What /ready and neo_events_ready say: serving, not draining, the engine reachable.
  bool ready() const { return !draining && !shutting_down && engine.healthy(); }
  // A publication into `channel` accepted by the engine (the server API's or a client's).
  void published(std::string_view channel) const;

  void record(const audit::Event& event) const {
    if (audit) audit->record(event);
  }
  // 0 when allowed, else the error code (111) after writing the quota hit to the audit log.
  // nullopt when the tenant's publish budget is shared across the cluster and must be asked
  // first (nothing was charged): then admit_publication_later.
  std::optional<std::uint32_t> admit_publication(std::string_view channel,
                                                 const audit::Event& who) const;
  // The same, waiting for the shared budget when it must; `done` runs once, at once or later on
  // any thread.
  void admit_publication_later(std::string_view channel, const audit::Event& who,
                               std::function<void(std::uint32_t)> done) const;
  // A rate verdict as an error code (0 or 111), refusals counted and audited.
  std::uint32_t answer(limits::Verdict verdict, std::string_view channel,
                       const audit::Event& who) const;
  // nullopt when `ns` does not validate events or `data` is a catalogue event allowed on
  // `channel`; else error 107 naming the failing JSON path, counted and written to the audit log.
  std::optional<Error> check_event(const config::NamespaceOptions& ns, std::string_view channel,
                                   std::string_view data, const audit::Event& who) const;
};

// Options that a channel's namespace gives its subscriptions and publications.
engine::HistoryOptions history_options(const config::NamespaceOptions& ns);
// The client-protocol error for a policy decision (102, 107 or 103; 0 for allow).
std::uint32_t error_code_for(auth::Decision decision);
const config::NamespaceOptions* namespace_for(const config::Config& config,
                                              std::string_view channel);

}  // namespace neo::session
