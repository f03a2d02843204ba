// ClusterCommands: keyed commands to one Redis Cluster. Each goes to the master of its key's
// slot (a SlotRouter keeps the map), over one connection per master opened on first use;
// MOVED and ASK are followed, at most kMaxRedirects hops. For users that only send keyed
// commands (the tenant quotas); the engine keeps its own shards, each of which also carries a
// PUB/SUB connection and the stream generation.
//
// Threading: every method, and every hook and reply handler, on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/redis/cluster/redirect.h"
#include "engine/redis/cluster/slot_router.h"
#include "engine/redis/redis_client.h"

namespace neo::engine::redis::cluster {

class ClusterCommands {
 public:
  struct Hooks {
    std::function<void()> on_connect;                // a connection came up, or the map did
    std::function<void(std::string)> on_disconnect;  // one was lost, and why
  };

  // `seeds`: where the slot map is first asked; every node found later is reached with the
  // first seed's credentials and TLS. Throws std::invalid_argument without seeds.
  ClusterCommands(boost::asio::io_context& io, std::vector<Address> seeds, ClientOptions options,
                  Hooks hooks);
  ~ClusterCommands();
  ClusterCommands(const ClusterCommands&) = delete;
  ClusterCommands& operator=(const ClusterCommands&) = delete;

  void start();
  void stop();

  // Sends `args` to the master of `key`'s slot (a seed before the map is known: its MOVED
  // corrects). `handler` runs once: with the reply, or nullptr when none came.
  void command(std::string_view key, std::vector<std::string> args, ReplyHandler handler);
  // The map is known and every master's connection is up.
  bool all_masters_up() const;

 private:
  void on_map_changed();
  RedisClient& client_at(const Address& node);
  RedisClient& client_for_key(std::string_view key);
  void send(RedisClient& to, std::vector<std::string> args, ReplyHandler handler, int hops);
  void follow(const Redirect& redirect, std::vector<std::string> args, ReplyHandler handler,
              int hops);

  boost::asio::io_context& io_;
  std::vector<Address> seeds_;
  ClientOptions options_;
  Hooks hooks_;
  std::vector<std::unique_ptr<RedisClient>> clients_;  // seeds first, then nodes as found
  SlotRouter router_;
  bool started_ = false;
};

}  // namespace neo::engine::redis::cluster
