// RedisQuota: the tenant connection count every node shares (limits::SharedQuota), kept in
// Redis so that N nodes never admit more than a tenant's max_connections, even in a burst.
// - acquire/release: Lua scripts on `<prefix>.quota.{<tenant>}` (node -> count, scripts.h).
// - Each node lists the tenants it ever counted in `<prefix>.quota.nodes.{<node>}`, so that
//   forget_node (a crashed node the cluster registry dropped) finds every field to delete.
// - On every (re)connect this node's fields are set to its local counts: a Redis restarted
//   empty, or releases lost during an outage, leave no wrong count behind.
// - While Redis is unreachable acquire answers `unreachable` at once (the caller counts
//   locally); the outage is logged once and reachable() says so.
// - With engine.redis.sentinel it follows the master with a MasterWatcher of its own, on its own
//   thread (a watcher shared with the engine would need locking across the two threads, for
//   four more connections to the sentinels); a failover is a reconnect, so it resyncs too.
// - It also holds the tenants' publish budgets (limits::SharedRate): lease takes tokens of the
//   current one-second window of `<prefix>.rate.{<tenant>}` (scripts.h, kLease).
//
// - With engine.redis.cluster its keys live on the masters of their slots
//   (engine/redis/cluster/cluster_commands.h: MOVED and ASK followed); each tenant's count and
//   budget are one key, so every script stays on one slot.
//
// Threading: its own thread and Redis connection (one io_context); public methods post to it.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "config/config.h"
#include "engine/redis/cluster/cluster_commands.h"
#include "engine/redis/redis_client.h"
#include "engine/redis/sentinel/master_watcher.h"
#include "limits/shared_quota.h"
#include "limits/shared_rate.h"

namespace neo::quota {

class RedisQuota final : public limits::SharedQuota, public limits::SharedRate {
 public:
  using TenantCounts = std::unordered_map<std::string, std::uint32_t>;
  // This node's connections per tenant (Limits::local_connections), read on every reconnect.
  using LocalCounts = std::function<TenantCounts()>;

  // Uses the first of options.addresses, the master the sentinels name, or the Redis Cluster
  // of options.cluster; throws std::runtime_error for a malformed address.
  RedisQuota(const config::RedisOptions& options, std::string node_id, LocalCounts local);
  ~RedisQuota() override;

  void start();
  void stop();
  bool reachable() const { return up_.load(std::memory_order_relaxed); }

  void acquire(std::string_view tenant, std::uint32_t max, Done done) override;
  void release(std::string_view tenant) override;
  void forget_node(std::string_view node) override;
  void lease(std::string_view tenant, std::uint32_t rate, std::uint32_t wanted,
             limits::SharedRate::OnGrant done) override;

 private:
  // To the one Redis, or on a Redis Cluster to the master of the command's key.
  void send(std::vector<std::string> args, engine::redis::ReplyHandler handler);
  std::string tenant_key(std::string_view tenant) const;
  std::string node_key(std::string_view node) const;
  std::unique_ptr<engine::redis::RedisClient> client_to(const engine::redis::Address& address);
  void on_master(const engine::redis::Address& master);
  std::string rate_key(std::string_view tenant) const;
  void on_connect();
  void on_disconnect(const std::string& why);
  void resync();
  void drop_stale(const TenantCounts& local, struct redisReply* members);
  void forget_on_thread(const std::string& node);

  const std::string prefix_;
  const std::string node_id_;
  LocalCounts local_;
  engine::redis::Address address_;
  engine::redis::ClientOptions client_options_;  // engine.redis's timeouts, bounds and TLS
  boost::asio::io_context io_{1};
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<engine::redis::RedisClient> client_;                // one Redis, Sentinel
  std::unique_ptr<engine::redis::cluster::ClusterCommands> cluster_;  // Redis Cluster
  std::unique_ptr<engine::redis::sentinel::MasterWatcher> sentinel_;  // sentinel mode only
  engine::redis::sentinel::RetiredClients retired_{io_};              // a replaced master's
  std::thread thread_;
  std::atomic<bool> up_{false};
  bool reported_down_ = false;  // quota thread only
};

}  // namespace neo::quota
