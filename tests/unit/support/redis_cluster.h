// RedisCluster: a real Redis Cluster of three masters (no replicas) for unit tests, each a
// RedisServer with cluster-enabled on free loopback ports (the bus port asked of the kernel
// too: port + 10000 may not exist), joined by `redis-cli --cluster create`. The constructor
// returns once every node reports cluster_state:ok and throws std::runtime_error otherwise.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "redis_server.h"

namespace neo::test {

class RedisCluster {
 public:
  RedisCluster();
  std::vector<std::string> seeds() const;  // every master's redis:// URL
  std::size_t size() const { return masters_.size(); }
  // `redis-cli -p <master i's port>` fed `commands` (one per line, one connection): its stdout.
  std::string cli(std::size_t master, const std::string& commands) const;
  // Which master owns `key`'s slot (the others answer MOVED).
  std::size_t owner_of(const std::string& key) const;

 private:
  std::vector<std::unique_ptr<RedisServer>> masters_;
};

}  // namespace neo::test
