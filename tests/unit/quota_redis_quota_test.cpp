// neo::quota::RedisQuota (src/quota/redis_quota.h) against a real redis-server: the Lua count
// shared by every node (nodes here are several RedisQuota objects with their own node ids),
// release, forget_node, the re-sync of a node's share after Redis restarted empty, and the
// `unreachable` answer while Redis is down; and the tenants' publish budgets (lease): tokens of
// one-second windows of Redis TIME, shared by every node. The same counting on a Redis Cluster
// of three masters (RedisQuotaClusterTest), where tenants' keys live on different masters.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "quota/redis_quota.h"
#include "support/redis_cluster.h"
#include "support/redis_server.h"

namespace neo::quota {
namespace {

using Answer = limits::SharedQuota::Answer;
using Grant = limits::SharedRate::Grant;
using TenantCounts = RedisQuota::TenantCounts;

config::RedisOptions options_for(const test::RedisServer& redis) {
  config::RedisOptions options;
  options.addresses = {redis.url()};
  options.prefix = "qt";
  return options;
}

// Waits for a condition that depends on the quota's own thread (a reconnect); no timing is
// asserted, the deadline only stops a broken build from hanging.
template <typename Fn>
bool eventually(Fn&& condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

Answer acquire(RedisQuota& quota, const std::string& tenant, std::uint32_t max) {
  auto answer = std::make_shared<std::promise<Answer>>();
  quota.acquire(tenant, max, [answer](Answer a) { answer->set_value(a); });
  return answer->get_future().get();
}

// True once `quota` answers from Redis again after an outage: it reconnected, and its
// re-sync (sent first on the new connection) has run.
bool answers_again(RedisQuota& quota) {
  return eventually([&] { return acquire(quota, "probe", 1000) == Answer::admitted; });
}

Grant lease(RedisQuota& quota, const std::string& tenant, std::uint32_t rate,
            std::uint32_t wanted) {
  auto grant = std::make_shared<std::promise<Grant>>();
  quota.lease(tenant, rate, wanted, [grant](Grant g) { grant->set_value(g); });
  return grant->get_future().get();
}

// Returns early in a Redis second (TIME), so that the leases a test takes next fall into one
// window: at most 300 ms into it.
void await_fresh_window(RedisQuota& quota) {
  Grant probe = lease(quota, "probe", 1000, 1);
  ASSERT_TRUE(probe.reachable);
  if (probe.window_left < std::chrono::milliseconds(700))
    std::this_thread::sleep_for(probe.window_left + std::chrono::milliseconds(5));
}

// How many of `n` acquires are admitted.
int admitted(RedisQuota& quota, const std::string& tenant, std::uint32_t max, int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) count += acquire(quota, tenant, max) == Answer::admitted;
  return count;
}

class RedisQuotaTest : public ::testing::Test {
 protected:
  // A started node; `local` is what it reports as its own connections when it (re)connects.
  RedisQuota& node(const std::string& id, TenantCounts local = {}) {
    auto counts = std::make_shared<TenantCounts>(std::move(local));
    nodes_.push_back(
        std::make_unique<RedisQuota>(options_for(redis_), id, [counts] { return *counts; }));
    nodes_.back()->start();
    EXPECT_TRUE(eventually([&] { return nodes_.back()->reachable(); }));
    return *nodes_.back();
  }

  test::RedisServer redis_;
  std::vector<std::unique_ptr<RedisQuota>> nodes_;
};

TEST_F(RedisQuotaTest, NodesTogetherAdmitExactlyMax) {
  auto& a = node("a");
  auto& b = node("b");
  EXPECT_EQ(admitted(a, "acme", 3, 2), 2);
  EXPECT_EQ(acquire(b, "acme", 3), Answer::admitted);
  EXPECT_EQ(acquire(b, "acme", 3), Answer::refused);
  EXPECT_EQ(acquire(a, "acme", 3), Answer::refused);
}

TEST_F(RedisQuotaTest, TenantsAreCountedApart) {
  auto& a = node("a");
  EXPECT_EQ(admitted(a, "acme", 1, 1), 1);
  EXPECT_EQ(acquire(a, "other", 1), Answer::admitted);
  EXPECT_EQ(acquire(a, "acme", 1), Answer::refused);
}

TEST_F(RedisQuotaTest, ABurstFromSeveralNodesAdmitsExactlyMax) {
  auto& a = node("a");
  auto& b = node("b");
  auto& c = node("c");
  std::vector<std::future<Answer>> answers;
  std::vector<std::shared_ptr<std::promise<Answer>>> promises;
  RedisQuota* nodes[] = {&a, &b, &c};
  for (int i = 0; i < 30; ++i) {
    auto p = std::make_shared<std::promise<Answer>>();
    answers.push_back(p->get_future());
    nodes[i % 3]->acquire("acme", 3, [p](Answer x) { p->set_value(x); });
  }
  int in = 0;
  for (auto& f : answers) in += f.get() == Answer::admitted;
  EXPECT_EQ(in, 3);
}

// A release is not awaited: what follows on the same node's connection sees it, another
// node's command may not yet (hence acquires through `a` here).
TEST_F(RedisQuotaTest, ReleaseFreesAPlace) {
  auto& a = node("a");
  auto& b = node("b");
  ASSERT_EQ(admitted(a, "acme", 2, 2), 2);
  EXPECT_EQ(acquire(b, "acme", 2), Answer::refused);
  a.release("acme");
  EXPECT_EQ(acquire(a, "acme", 2), Answer::admitted);
  EXPECT_EQ(acquire(b, "acme", 2), Answer::refused);
}

// A release that finds nothing (counted before a re-sync or forget) must not credit others.
TEST_F(RedisQuotaTest, ReleaseNeverGoesBelowZero) {
  auto& a = node("a");
  a.release("acme");
  a.release("acme");
  EXPECT_EQ(admitted(a, "acme", 2, 3), 2);
}

TEST_F(RedisQuotaTest, ForgottenNodeNoLongerCounts) {
  auto& a = node("a");
  auto& b = node("b");
  ASSERT_EQ(admitted(a, "acme", 3, 2), 2);
  ASSERT_EQ(admitted(a, "other", 3, 1), 1);
  b.forget_node("a");
  EXPECT_EQ(admitted(b, "acme", 3, 4), 3);
  EXPECT_EQ(admitted(b, "other", 3, 4), 3);
}

TEST_F(RedisQuotaTest, ForgettingOneNodeKeepsTheOthers) {
  auto& a = node("a");
  auto& b = node("b");
  ASSERT_EQ(admitted(a, "acme", 3, 1), 1);
  ASSERT_EQ(admitted(b, "acme", 3, 1), 1);
  a.forget_node("c");
  b.forget_node("a");
  EXPECT_EQ(admitted(b, "acme", 3, 3), 2);
}

TEST_F(RedisQuotaTest, UnreachableWhileRedisIsDown) {
  auto& a = node("a");
  redis_.stop();
  ASSERT_TRUE(eventually([&] { return !a.reachable(); }));
  EXPECT_EQ(acquire(a, "acme", 3), Answer::unreachable);
}

// Redis restarted empty: every node puts its own connections back on reconnect.
TEST_F(RedisQuotaTest, RestartedRedisGetsEachNodesShareBack) {
  auto& a = node("a", {{"acme", 2}});
  auto& b = node("b");
  redis_.restart();
  ASSERT_TRUE(answers_again(a));
  ASSERT_TRUE(answers_again(b));
  EXPECT_EQ(admitted(b, "acme", 3, 3), 1);
}

// Releases lost while the connection was down: on reconnect the node's fields become its
// local counts again (here none), Redis keeping its data.
TEST_F(RedisQuotaTest, ReconnectDropsCountsOfTenantsTheNodeNoLongerHas) {
  auto& a = node("a");
  auto& b = node("b");
  ASSERT_EQ(admitted(a, "acme", 3, 3), 3);
  ASSERT_EQ(std::system(("redis-cli -p " + std::to_string(redis_.port()) +
                         " CLIENT KILL TYPE normal > /dev/null")
                            .c_str()),
            0);
  ASSERT_TRUE(answers_again(a));
  ASSERT_TRUE(answers_again(b));
  EXPECT_EQ(admitted(b, "acme", 3, 4), 3);
}

// ---- publish budgets ------------------------------------------------------------------------

TEST_F(RedisQuotaTest, LeasesOfAllNodesNeverExceedTheRateInAWindow) {
  auto& a = node("a");
  auto& b = node("b");
  await_fresh_window(a);
  EXPECT_EQ(lease(a, "acme", 10, 4).tokens, 4u);
  EXPECT_EQ(lease(b, "acme", 10, 4).tokens, 4u);
  EXPECT_EQ(lease(a, "acme", 10, 4).tokens, 2u);  // all that is left
  Grant spent = lease(b, "acme", 10, 4);
  EXPECT_TRUE(spent.reachable);
  EXPECT_EQ(spent.tokens, 0u);
  EXPECT_GT(spent.window_left.count(), 0);
  EXPECT_LE(spent.window_left.count(), 1000);
  EXPECT_EQ(lease(b, "other", 10, 4).tokens, 4u);  // every tenant has its own budget
}

TEST_F(RedisQuotaTest, TheNextWindowHasTheWholeRateAgain) {
  auto& a = node("a");
  Grant first = lease(a, "acme", 3, 5);
  ASSERT_EQ(first.tokens, 3u);
  std::this_thread::sleep_for(first.window_left + std::chrono::milliseconds(5));
  EXPECT_EQ(lease(a, "acme", 3, 5).tokens, 3u);
}

// The budget's hash outlives its window by a second at most: idle tenants leave nothing behind.
TEST_F(RedisQuotaTest, ABudgetExpiresAfterItsWindow) {
  auto& a = node("a");
  ASSERT_EQ(lease(a, "acme", 3, 1).tokens, 1u);
  std::string command = "redis-cli -p " + std::to_string(redis_.port()) + " TTL 'qt.rate.{acme}'";
  FILE* out = popen(command.c_str(), "r");
  ASSERT_NE(out, nullptr);
  char line[32] = {};
  ASSERT_NE(fgets(line, sizeof line, out), nullptr);
  pclose(out);
  int ttl = std::atoi(line);
  EXPECT_GE(ttl, 1);
  EXPECT_LE(ttl, 2);
}

TEST_F(RedisQuotaTest, LeaseIsUnreachableWhileRedisIsDown) {
  auto& a = node("a");
  redis_.stop();
  ASSERT_TRUE(eventually([&] { return !a.reachable(); }));
  Grant grant = lease(a, "acme", 10, 4);
  EXPECT_FALSE(grant.reachable);
  EXPECT_EQ(grant.tokens, 0u);
}

// ---- on a Redis Cluster -----------------------------------------------------------------------

// Nodes given one seed each (a different one), so that each must find the masters itself.
class RedisQuotaClusterTest : public ::testing::Test {
 protected:
  static test::RedisCluster& cluster() {
    static test::RedisCluster shared;
    return shared;
  }

  RedisQuota& node(const std::string& id) {
    config::RedisOptions options;
    options.addresses.clear();
    auto seeds = cluster().seeds();
    options.cluster = {seeds[nodes_.size() % seeds.size()]};
    options.prefix = prefix_;
    nodes_.push_back(std::make_unique<RedisQuota>(options, id, [] { return TenantCounts{}; }));
    nodes_.back()->start();
    EXPECT_TRUE(eventually([&] { return nodes_.back()->reachable(); }));
    return *nodes_.back();
  }

  // Tenants whose counts live on every master of the cluster.
  std::vector<std::string> tenants_on_every_master() const {
    std::vector<std::string> tenants;
    std::set<std::size_t> masters;
    for (int i = 0; masters.size() < cluster().size() || tenants.size() < 6; ++i) {
      std::string tenant = "t" + std::to_string(i);
      masters.insert(cluster().owner_of(prefix_ + ".quota.{" + tenant + "}"));
      tenants.push_back(tenant);
    }
    return tenants;
  }

  // The cluster is shared by this binary's tests: each has its own key prefix.
  std::string prefix_ =
      std::string("qc") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::vector<std::unique_ptr<RedisQuota>> nodes_;
};

TEST_F(RedisQuotaClusterTest, ABurstFromSeveralNodesAdmitsExactlyMaxForEveryTenant) {
  RedisQuota* nodes[] = {&node("a"), &node("b"), &node("c")};
  auto tenants = tenants_on_every_master();
  std::vector<std::future<Answer>> answers;
  for (std::size_t t = 0; t < tenants.size(); ++t) {
    for (int i = 0; i < 12; ++i) {
      auto p = std::make_shared<std::promise<Answer>>();
      answers.push_back(p->get_future());
      nodes[i % 3]->acquire(tenants[t], 3, [p](Answer x) { p->set_value(x); });
    }
  }
  for (std::size_t t = 0; t < tenants.size(); ++t) {
    int in = 0;
    for (int i = 0; i < 12; ++i) in += answers[t * 12 + i].get() == Answer::admitted;
    EXPECT_EQ(in, 3) << tenants[t];
  }
}

TEST_F(RedisQuotaClusterTest, ForgottenNodeNoLongerCountsOnAnyMaster) {
  auto& a = node("a");
  auto& b = node("b");
  auto tenants = tenants_on_every_master();
  for (const auto& tenant : tenants) ASSERT_EQ(admitted(a, tenant, 2, 2), 2) << tenant;
  for (const auto& tenant : tenants) EXPECT_EQ(acquire(b, tenant, 2), Answer::refused) << tenant;
  b.forget_node("a");
  for (const auto& tenant : tenants) EXPECT_EQ(admitted(b, tenant, 2, 3), 2) << tenant;
}

TEST_F(RedisQuotaClusterTest, LeasesOfAllNodesNeverExceedTheRateInAWindow) {
  auto& a = node("a");
  auto& b = node("b");
  auto tenants = tenants_on_every_master();
  await_fresh_window(a);
  for (const auto& tenant : tenants) {
    EXPECT_EQ(lease(a, tenant, 10, 6).tokens, 6u) << tenant;
    EXPECT_EQ(lease(b, tenant, 10, 6).tokens, 4u) << tenant;  // all that is left
  }
}

TEST(RedisQuotaConfigTest, BadAddressIsRefusedWithItsName) {
  config::RedisOptions options;
  options.addresses = {"nope"};
  try {
    RedisQuota quota(options, "a", {});
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "engine.redis.addresses: redis address 'nope': expected redis://host:port or "
                 "rediss://host:port");
  }
}

}  // namespace
}  // namespace neo::quota
