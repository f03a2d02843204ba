// RedisEngine refuses an address it cannot parse at construction, naming the option it came
// from (engine.redis.addresses, engine.redis.cluster or engine.redis.sentinel.addresses);
// nothing connects before start(). And which settings need a TLS context.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "engine/redis/client_options.h"
#include "engine/redis/redis_engine.h"

namespace neo::engine::redis {
namespace {

std::string construction_error(const config::RedisOptions& options) {
  try {
    RedisEngine engine(options, "node-1");
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "constructed";
}

TEST(RedisEngineOptions, BadAddressNamesItsOption) {
  config::RedisOptions options;
  options.addresses = {"redis://h:0"};
  EXPECT_EQ(construction_error(options),
            "engine.redis.addresses: redis address 'redis://h:0': port must be 1-65535");
}

TEST(RedisEngineOptions, BadClusterSeedNamesItsOption) {
  config::RedisOptions options;
  options.addresses = {};
  options.cluster = {"redis://127.0.0.1:7000", "redis://:7001"};
  EXPECT_EQ(construction_error(options),
            "engine.redis.cluster: redis address 'redis://:7001': host is empty");
}

TEST(RedisEngineOptions, BadSentinelAddressNamesItsOption) {
  config::RedisOptions options;
  options.sentinel.master_name = "mymaster";
  options.sentinel.addresses = {"redis://127.0.0.1:26379", "redis://s:0"};
  EXPECT_EQ(construction_error(options),
            "engine.redis.sentinel.addresses: bad address redis://s:0");
}

TEST(RedisEngineOptions, SentinelModeConnectsNothingBeforeStart) {
  config::RedisOptions options;
  options.addresses = {};
  options.sentinel.master_name = "mymaster";
  options.sentinel.addresses = {"redis://127.0.0.1:1"};
  EXPECT_EQ(construction_error(options), "constructed");
}

TEST(RedisEngineOptions, ClusterModeIgnoresAddresses) {
  config::RedisOptions options;
  options.addresses = {"redis://h:0"};           // config validation refuses this pair; the engine
  options.cluster = {"redis://127.0.0.1:7000"};  // itself only reads the seeds
  EXPECT_EQ(construction_error(options), "constructed");
}

// Every way a connection can need TLS gets the engine.redis.tls context (its CA, its
// insecure_skip_verify), the master a sentinel names and rediss:// sentinels included.
TEST(RedisEngineOptions, WantsTlsForEveryTlsConnection) {
  config::RedisOptions plain;
  EXPECT_FALSE(wants_tls(plain));
  config::RedisOptions address;
  address.addresses = {"rediss://h:1"};
  EXPECT_TRUE(wants_tls(address));
  config::RedisOptions seed;
  seed.cluster = {"rediss://h:1"};
  EXPECT_TRUE(wants_tls(seed));
  config::RedisOptions master;
  master.sentinel.master_tls = true;
  EXPECT_TRUE(wants_tls(master));
  config::RedisOptions sentinel;
  sentinel.sentinel.addresses = {"rediss://s:26379"};
  EXPECT_TRUE(wants_tls(sentinel));
  config::RedisOptions skip;
  skip.sentinel.master_tls = true;
  skip.tls.insecure_skip_verify = true;
  EXPECT_NE(client_options(skip).tls, nullptr);
}

}  // namespace
}  // namespace neo::engine::redis
