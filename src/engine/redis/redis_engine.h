// RedisEngine: several nodes as one service. History lives in Redis streams with offsets and
// an epoch (one Lua script publishes, appends, trims and sets TTLs atomically), fan-out between
// nodes uses PUB/SUB with one node-level subscription per channel that has local subscribers,
// and presence entries expire unless their node refreshes them. Channels are spread over the
// configured addresses by a consistent hash (codec.h shard_of), or, with engine.redis.cluster,
// over the masters of one Redis Cluster by key slot (cluster/: every key of a channel carries
// the hash tag {<channel>}, MOVED and ASK are followed, the slot map is kept fresh), or, with
// engine.redis.sentinel, on the one master the sentinels name (sentinel/: a failover replaces
// the shard's connections with ones to the new master; see on_master).
//
// Threading: all Redis I/O runs on the engine's own thread (one io_context); public methods
// post to it, so a client I/O thread never blocks on Redis. Callbacks and EventHandler calls
// run on the engine thread; per channel they come in PUB/SUB order, which is offset order.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "engine/engine.h"
#include "engine/redis/cluster/redirect.h"
#include "engine/redis/cluster/slot_router.h"
#include "engine/redis/redis_client.h"
#include "engine/redis/sentinel/master_watcher.h"
#include "metrics/server_metrics.h"

namespace neo::engine::redis {

class RedisEngine final : public Engine {
 public:
  // Throws std::runtime_error for a malformed address. `node_id` names this node's direct
  // control channel.
  RedisEngine(const config::RedisOptions& options, std::string node_id);
  // Counts PUB/SUB errors, undecodable messages and control messages; set before start().
  void set_metrics(metrics::ServerMetrics* metrics) { metrics_ = metrics; }
  ~RedisEngine() override;

  void start(EventHandler& handler) override;
  void stop() override;
  bool healthy() const override;
  void maintain() override {}
  // Entries expire this long after their last refresh (a crashed node's clients vanish);
  // sessions refresh three times per ttl. Tests shorten it to watch expiry; set before start().
  void set_presence_ttl(std::chrono::seconds ttl) { presence_ttl_ = ttl; }
  std::chrono::milliseconds presence_refresh_interval() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(presence_ttl_) / 3;
  }

  using Engine::publish;
  void publish(std::string_view channel, Publication pub, const HistoryOptions& history,
               const Idempotency& idempotency, Callback<StreamPosition> done) override;
  void publish_join(std::string_view channel, const ClientInfo& info) override;
  void publish_leave(std::string_view channel, const ClientInfo& info) override;
  void subscribe(std::string_view channel) override;
  void unsubscribe(std::string_view channel) override;

  void publish_control(std::string_view to_node, std::string message, Callback<Unit> done) override;

  void history(std::string_view channel, const HistoryQuery& query, const HistoryOptions& options,
               Callback<HistoryResult> done) override;
  void remove_history(std::string_view channel, Callback<Unit> done) override;

  void add_presence(std::string_view channel, const ClientInfo& info) override;
  void remove_presence(std::string_view channel, std::string_view client_id) override;
  void presence(std::string_view channel, Callback<std::vector<ClientInfo>> done) override;
  void presence_stats(std::string_view channel, Callback<PresenceStats> done) override;

  static constexpr std::chrono::seconds kPresenceTtl{60};

 private:
  void count_dropped();
  metrics::ServerMetrics* metrics_ = nullptr;
  struct ChannelState {
    bool confirmed = false;                      // Redis acknowledged our SUBSCRIBE
    std::vector<std::function<void()>> waiting;  // history reads that must follow it
  };
  struct Shard {
    std::unique_ptr<RedisClient> commands;
    std::unique_ptr<RedisClient> pubsub;
    std::unordered_map<std::string, ChannelState> channels;  // engine thread only
    bool up = false;
    // Counts for health: every address, or a cluster's current masters (not a seed replica).
    bool serving = true;
    bool reported_down = false;
    // False until the command connection's server gave its replication id (`generation`, the
    // stream scripts' argument; sentinel mode: and said it is a master); publishes fail with
    // 100 until then, and the shard is not up.
    bool ready = false;
    std::string generation;
  };

  struct ScriptCall {
    std::string_view sha;
    std::vector<std::string> keys;
    std::vector<std::string> args;
  };

  Shard& shard(std::string_view channel);
  Shard& shard_at(const Address& address);  // cluster: the node's shard, connected on first use
  Shard& add_shard(const Address& address);
  void connect_shard(Shard& s, const Address& address);  // its command and PUB/SUB clients
  void on_master(const Address& master);
  void read_generation(Shard& s);
  Shard& control_shard();
  Shard& subscriber_shard(std::string_view channel);
  void on_slot_map_changed();
  void move_channels();
  void move_control_subscription();
  void subscribe_control(Shard& s);
  void on_subscription_ended(Shard& s, std::string_view redis_channel);
  void on_pubsub_error(Shard& s, std::string_view error);
  // Sharded PUB/SUB (SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE) in a cluster, classic otherwise.
  const char* publish_verb() const { return slots_ ? "SPUBLISH" : "PUBLISH"; }
  const char* subscribe_verb() const { return slots_ ? "SSUBSCRIBE" : "SUBSCRIBE"; }
  const char* unsubscribe_verb() const { return slots_ ? "SUNSUBSCRIBE" : "UNSUBSCRIBE"; }
  // A command that answers NOSCRIPT with EVAL and, in cluster mode, follows MOVED / ASK (at
  // most kMaxRedirects hops).
  void send(Shard& s, std::vector<std::string> args, ReplyHandler handler, int hops = 0);
  void follow(const cluster::Redirect& redirect, std::vector<std::string> args,
              ReplyHandler handler, int hops);
  std::optional<std::string_view> channel_of(std::string_view redis_channel) const;
  std::string key(std::string_view kind, std::string_view channel) const;
  std::string result_key(std::string_view channel, std::string_view idempotency_key) const;
  void load_scripts(Shard& s);
  void stamp_generation(const Shard& s, std::vector<std::string>& args) const;
  ScriptCall publish_call(const std::string& channel, std::string payload,
                          const HistoryOptions& history, std::string result,
                          Duration result_ttl) const;
  void on_pubsub(Shard& s, struct redisReply* reply);
  void on_message(std::string_view redis_channel, std::string_view payload);
  void resubscribe(Shard& s);
  std::string control_channel(std::string_view node) const;
  bool is_control_shard(const Shard& s) const { return &s == control_; }
  void update_health(Shard& s, bool up, const std::string& why);
  void recompute_health();
  void eval(Shard& s, std::string_view sha, std::vector<std::string> keys,
            std::vector<std::string> args, ReplyHandler handler);
  std::string_view script_for(std::string_view sha) const;
  template <typename Fn>
  void on_engine_thread(Fn&& fn);

  config::RedisOptions options_;
  std::string node_id_;
  std::chrono::seconds presence_ttl_ = kPresenceTtl;
  // Computed once: every PUB/SUB message is matched against them.
  std::string client_prefix_;   // "<prefix>.client."
  std::string control_prefix_;  // "<prefix>.control"

  std::vector<Address> addresses_;
  ClientOptions client_options_;  // every connection's: timeouts, bounds, TLS
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<bool> healthy_{false};            // read by any thread, written on the engine thread
  Shard* control_ = nullptr;                    // holds this node's control subscriptions
  std::unique_ptr<cluster::SlotRouter> slots_;  // cluster mode only
  boost::asio::io_context io_{1};
  std::unique_ptr<sentinel::MasterWatcher> sentinel_;  // sentinel mode only
  sentinel::RetiredClients retired_{io_};              // a replaced master's clients
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  EventHandler* handler_ = nullptr;
  std::string publish_script_, publish_no_history_script_;  // SPUBLISH in a cluster
  std::string publish_sha_, publish_no_history_sha_, history_sha_, presence_add_sha_,
      presence_get_sha_;
};

}  // namespace neo::engine::redis
