// engine::redis::cluster::ClusterCommands against a real Redis Cluster of three masters
// (support/redis_cluster.h): commands reach the master of their key's slot from one seed,
// MOVED after a slot changed owner is followed, ASK during a migration reaches the importing
// master, and errors that are not redirects come back as they are.
#include "engine/redis/cluster/cluster_commands.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/redis_cluster.h"

namespace neo::engine::redis::cluster {
namespace {

test::RedisCluster& shared_cluster() {
  static test::RedisCluster cluster;
  return cluster;
}

// The reply as text: a string, status or error as it is, an integer in decimal, "(nil)", and
// "(none)" when no reply came.
std::string text_of(const redisReply* r) {
  if (!r) return "(none)";
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    default:
      return std::string(r->str, r->len);
  }
}

class ClusterCommandsTest : public ::testing::Test {
 protected:
  // Commands through a ClusterCommands that knows only the cluster's first master.
  void SetUp() override {
    auto seed = parse_address(shared_cluster().seeds().front());
    ASSERT_TRUE(seed);
    commands_ = std::make_unique<ClusterCommands>(io_, std::vector<Address>{*seed}, ClientOptions{},
                                                  ClusterCommands::Hooks{});
    boost::asio::post(io_, [this] { commands_->start(); });
    thread_ = std::thread([this] { io_.run(); });
    // Commands fail at once while nothing is connected (they never queue): wait for the map
    // and every master's connection. The deadline only stops a broken build from hanging.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!all_up()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the masters never came up";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  bool all_up() {
    auto up = std::make_shared<std::promise<bool>>();
    boost::asio::post(io_, [this, up] { up->set_value(commands_->all_masters_up()); });
    return up->get_future().get();
  }

  void TearDown() override {
    boost::asio::post(io_, [this] {
      commands_->stop();
      work_.reset();
    });
    thread_.join();
    commands_.reset();
  }

  std::string run(std::string key, std::vector<std::string> args) {
    auto reply = std::make_shared<std::promise<std::string>>();
    boost::asio::post(io_, [this, key = std::move(key), args = std::move(args), reply]() mutable {
      commands_->command(key, std::move(args),
                         [reply](redisReply* r) { reply->set_value(text_of(r)); });
    });
    return reply->get_future().get();
  }

  // A key of this test (the cluster is shared by the whole binary).
  static std::string key(const std::string& name) {
    return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "." +
           name;
  }

  // A key of this test, its slot's master and another one to move the slot to.
  struct MovePlan {
    std::string key;
    std::size_t from, to;
    std::string slot, from_id, to_id;
  };
  static MovePlan move_plan(const std::string& name) {
    auto& cluster = shared_cluster();
    MovePlan plan{key(name), 0, 0, {}, {}, {}};
    plan.from = cluster.owner_of(plan.key);
    plan.to = (plan.from + 1) % cluster.size();
    plan.slot = cluster.cli(plan.from, "CLUSTER KEYSLOT " + plan.key);
    plan.from_id = cluster.cli(plan.from, "CLUSTER MYID");
    plan.to_id = cluster.cli(plan.to, "CLUSTER MYID");
    return plan;
  }

  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::unique_ptr<ClusterCommands> commands_;
  std::thread thread_;
};

// Through one seed every key lands on its own slot's master, which the keys' spread over all
// three masters shows.
TEST_F(ClusterCommandsTest, OneSeedReachesTheMasterOfEveryKey) {
  std::set<std::size_t> owners;
  for (int i = 0; i < 30; ++i) {
    std::string k = key(std::to_string(i));
    ASSERT_EQ(run(k, {"SET", k, "v" + std::to_string(i)}), "OK") << k;
    EXPECT_EQ(run(k, {"GET", k}), "v" + std::to_string(i)) << k;
    EXPECT_EQ(shared_cluster().cli(shared_cluster().owner_of(k), "GET " + k),
              "v" + std::to_string(i));
    owners.insert(shared_cluster().owner_of(k));
    run(k, {"DEL", k});
  }
  EXPECT_EQ(owners.size(), shared_cluster().size());
}

// A slot given to another master after the map was read: the old owner answers MOVED, and the
// command is sent again to the new one.
TEST_F(ClusterCommandsTest, MovedAfterASlotChangedOwnerIsFollowed) {
  auto& cluster = shared_cluster();
  auto [k, from, to, slot, from_id, to_id] = move_plan("moved");
  ASSERT_EQ(run(k, {"EXISTS", k}), "0");
  for (std::size_t i = 0; i < cluster.size(); ++i)
    ASSERT_EQ(cluster.cli(i, "CLUSTER SETSLOT " + slot + " NODE " + to_id), "OK");

  EXPECT_EQ(run(k, {"SET", k, "followed"}), "OK");
  EXPECT_EQ(cluster.cli(to, "GET " + k), "followed");
  EXPECT_EQ(run(k, {"GET", k}), "followed");

  cluster.cli(to, "DEL " + k);
  for (std::size_t i = 0; i < cluster.size(); ++i)
    EXPECT_EQ(cluster.cli(i, "CLUSTER SETSLOT " + slot + " NODE " + from_id), "OK");
}

// While a slot migrates, a key the old master no longer has is answered with ASK: the command
// goes (after ASKING) to the importing master, and the map keeps the old owner.
TEST_F(ClusterCommandsTest, AskDuringAMigrationReachesTheImportingMaster) {
  auto& cluster = shared_cluster();
  auto [k, from, to, slot, from_id, to_id] = move_plan("migrating");
  ASSERT_EQ(run(k, {"EXISTS", k}), "0");  // the map is known from here on
  ASSERT_EQ(cluster.cli(to, "CLUSTER SETSLOT " + slot + " IMPORTING " + from_id), "OK");
  ASSERT_EQ(cluster.cli(from, "CLUSTER SETSLOT " + slot + " MIGRATING " + to_id), "OK");

  EXPECT_EQ(run(k, {"SET", k, "moved-along"}), "OK");
  EXPECT_EQ(cluster.cli(to, "ASKING\nGET " + k), "OK\nmoved-along");

  cluster.cli(to, "ASKING\nDEL " + k);
  EXPECT_EQ(cluster.cli(from, "CLUSTER SETSLOT " + slot + " STABLE"), "OK");
  EXPECT_EQ(cluster.cli(to, "CLUSTER SETSLOT " + slot + " STABLE"), "OK");
}

TEST_F(ClusterCommandsTest, AnErrorThatIsNoRedirectComesBackAsItIs) {
  std::string k = key("list");
  ASSERT_EQ(run(k, {"SET", k, "x"}), "OK");
  EXPECT_EQ(run(k, {"LPUSH", k, "y"}),
            "WRONGTYPE Operation against a key holding the wrong kind of value");
  run(k, {"DEL", k});
}

}  // namespace
}  // namespace neo::engine::redis::cluster
