// RedisClients replaced while one of their own callbacks may be running (a master switch seen
// from a hook, a probe answered): stopped at once, destroyed only after the callback that
// retired them has returned, since a client still touches its own state after running a
// callback (its pending queue, its link).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <vector>

#include "engine/redis/redis_client.h"

namespace neo::engine::redis::sentinel {

class RetiredClients {
 public:
  explicit RetiredClients(boost::asio::io_context& io) : io_(io) {}

  void add(std::unique_ptr<RedisClient> client) {
    if (!client) return;
    client->stop();
    clients_.push_back(std::move(client));
    // Every client here was retired by a callback that has returned once this runs.
    boost::asio::post(io_, [this] { clients_.clear(); });
  }
  void clear() { clients_.clear(); }

 private:
  boost::asio::io_context& io_;
  std::vector<std::unique_ptr<RedisClient>> clients_;
};

}  // namespace neo::engine::redis::sentinel
