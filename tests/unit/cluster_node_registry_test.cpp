// neo::cluster::NodeRegistry (src/cluster/node_registry.h): the other live nodes as their
// announcements describe them; expiry after `expiry` without news, at once on remove; the
// tenants' connections summed over live nodes. Every call gets an explicit time point.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cluster/node_registry.h"

namespace neo::cluster {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = NodeRegistry::TimePoint;
using Counts = std::unordered_map<std::string, std::uint32_t>;

const TimePoint t0 = TimePoint{} + std::chrono::hours(100);
constexpr milliseconds kExpiry{6000};

NodeInfo node(std::string uid, std::string name,
              std::vector<std::pair<std::string, std::uint32_t>> tenants = {},
              std::uint64_t num_clients = 0) {
  NodeInfo n;
  n.uid = std::move(uid);
  n.name = std::move(name);
  n.num_clients = num_clients;
  n.tenants = std::move(tenants);
  return n;
}

std::vector<std::string> uids(const std::vector<NodeInfo>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) out.push_back(n.uid);
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(NodeRegistryTest, EmptyRegistryHasNoNodes) {
  NodeRegistry r(kExpiry);
  EXPECT_TRUE(r.live(t0).empty());
  EXPECT_TRUE(r.live_ids(t0).empty());
  EXPECT_TRUE(r.tenant_connections(t0).empty());
}

TEST(NodeRegistryTest, UpdateAddsANodeWithItsFigures) {
  NodeRegistry r(kExpiry);
  NodeInfo n = node("u1", "alpha", {{"acme", 2}}, 17);
  n.version = "9.9";
  n.uptime = 42;
  r.update(n, t0);
  auto live = r.live(t0);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].uid, "u1");
  EXPECT_EQ(live[0].name, "alpha");
  EXPECT_EQ(live[0].version, "9.9");
  EXPECT_EQ(live[0].num_clients, 17u);
  EXPECT_EQ(live[0].uptime, 42u);
  EXPECT_EQ(live[0].tenants, (std::vector<std::pair<std::string, std::uint32_t>>{{"acme", 2}}));
  EXPECT_EQ(r.live_ids(t0), std::vector<std::string>{"u1"});
}

TEST(NodeRegistryTest, UpdateOfAKnownUidReplacesItsInfo) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "alpha", {{"acme", 2}}, 1), t0);
  r.update(node("u1", "alpha-renamed", {{"globex", 5}}, 9), t0 + seconds(1));
  auto live = r.live(t0 + seconds(1));
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].name, "alpha-renamed");
  EXPECT_EQ(live[0].num_clients, 9u);
  EXPECT_EQ(r.tenant_connections(t0 + seconds(1)), (Counts{{"globex", 5}}));
}

TEST(NodeRegistryTest, RemoveForgetsTheNodeAtOnce) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a"), t0);
  r.update(node("u2", "b"), t0);
  r.remove("u1");
  EXPECT_EQ(uids(r.live(t0)), std::vector<std::string>{"u2"});
  EXPECT_EQ(r.live_ids(t0), std::vector<std::string>{"u2"});
  r.remove("unknown");  // harmless
  r.remove("u1");       // twice: harmless
  EXPECT_EQ(r.live_ids(t0), std::vector<std::string>{"u2"});
  r.remove("u2");
  EXPECT_TRUE(r.live(t0).empty());
}

TEST(NodeRegistryTest, RemovedNodeComesBackWhenItAnnouncesAgain) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a"), t0);
  r.remove("u1");
  r.update(node("u1", "a"), t0 + seconds(1));
  EXPECT_EQ(r.live_ids(t0 + seconds(1)), std::vector<std::string>{"u1"});
}

TEST(NodeRegistryTest, LiveIsSortedByNameThenUid) {
  NodeRegistry r(kExpiry);
  r.update(node("u9", "charlie"), t0);
  r.update(node("u3", "bravo"), t0);
  r.update(node("u2", "bravo"), t0);
  r.update(node("u1", "delta"), t0);
  r.update(node("u5", "alpha"), t0);
  r.update(node("u0", ""), t0);
  r.update(node("u4", "bravo"), t0);
  EXPECT_EQ(uids(r.live(t0)), (std::vector<std::string>{"u0", "u5", "u2", "u3", "u4", "u9", "u1"}));
}

TEST(NodeRegistryTest, LiveIdsListsEveryLiveNode) {
  NodeRegistry r(kExpiry);
  r.update(node("c", "1"), t0);
  r.update(node("a", "2"), t0);
  r.update(node("b", "3"), t0);
  EXPECT_EQ(sorted(r.live_ids(t0)), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(NodeRegistryTest, NodeExpiresOnlyAfterExpiryWithoutNews) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a"), t0);
  EXPECT_EQ(r.live(t0 + seconds(5)).size(), 1u);
  EXPECT_EQ(r.live(t0 + kExpiry).size(), 1u);  // exactly `expiry` old: still live
  EXPECT_TRUE(r.live(t0 + kExpiry + milliseconds(1)).empty());
}

TEST(NodeRegistryTest, ExpiredNodeIsForgottenForGood) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a"), t0);
  EXPECT_TRUE(r.live_ids(t0 + seconds(7)).empty());
  // Asking again about an earlier time does not bring it back: it was pruned.
  EXPECT_TRUE(r.live_ids(t0 + seconds(1)).empty());
}

TEST(NodeRegistryTest, EachNodeExpiresOnItsOwnSchedule) {
  NodeRegistry r(kExpiry);
  r.update(node("early", "a"), t0);
  r.update(node("late", "b"), t0 + seconds(4));
  EXPECT_EQ(uids(r.live(t0 + seconds(8))), std::vector<std::string>{"late"});
  EXPECT_EQ(r.live_ids(t0 + seconds(10)), std::vector<std::string>{"late"});
  EXPECT_TRUE(r.live_ids(t0 + seconds(11)).empty());
}

// Expired nodes are reported once, whichever call pruned them; removed ones never.
TEST(NodeRegistryTest, TakeExpiredReportsEachExpiredNodeOnce) {
  NodeRegistry r(kExpiry);
  r.update(node("crashed", "a"), t0);
  r.update(node("left", "b"), t0);
  r.update(node("alive", "c"), t0 + seconds(5));
  r.remove("left");
  EXPECT_TRUE(r.take_expired(t0 + seconds(5)).empty());
  EXPECT_TRUE(r.live_ids(t0 + seconds(7)).size() == 1u);  // prunes "crashed"
  EXPECT_EQ(r.take_expired(t0 + seconds(7)), std::vector<std::string>{"crashed"});
  EXPECT_TRUE(r.take_expired(t0 + seconds(8)).empty());
  EXPECT_EQ(r.take_expired(t0 + seconds(12)), std::vector<std::string>{"alive"});
}

TEST(NodeRegistryTest, ReannouncementRefreshes) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a", {{"t", 1}}), t0);
  r.update(node("u1", "a", {{"t", 2}}), t0 + seconds(5));
  r.update(node("u1", "a", {{"t", 3}}), t0 + seconds(10));
  EXPECT_EQ(r.live_ids(t0 + seconds(15)), std::vector<std::string>{"u1"});
  EXPECT_EQ(r.tenant_connections(t0 + seconds(16)), (Counts{{"t", 3}}));
  EXPECT_TRUE(r.live_ids(t0 + seconds(16) + milliseconds(1)).empty());
}

TEST(NodeRegistryTest, TenantConnectionsSumOverLiveNodes) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a", {{"acme", 2}, {"globex", 1}}), t0);
  r.update(node("u2", "b", {{"acme", 3}}), t0);
  r.update(node("u3", "c", {{"initech", 7}, {"acme", 10}}), t0);
  r.update(node("u4", "d"), t0);
  EXPECT_EQ(r.tenant_connections(t0), (Counts{{"acme", 15}, {"globex", 1}, {"initech", 7}}));
}

TEST(NodeRegistryTest, TenantConnectionsDropExpiredNodesTenants) {
  NodeRegistry r(kExpiry);
  r.update(node("old", "a", {{"acme", 2}, {"gone", 4}}), t0);
  r.update(node("new", "b", {{"acme", 3}}), t0 + seconds(3));
  EXPECT_EQ(r.tenant_connections(t0 + seconds(6)), (Counts{{"acme", 5}, {"gone", 4}}));
  EXPECT_EQ(r.tenant_connections(t0 + seconds(7)), (Counts{{"acme", 3}}));
  EXPECT_TRUE(r.tenant_connections(t0 + seconds(10)).empty());
}

TEST(NodeRegistryTest, TenantConnectionsDropRemovedNodesTenants) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a", {{"acme", 2}}), t0);
  r.update(node("u2", "b", {{"acme", 3}, {"solo", 1}}), t0);
  r.remove("u2");
  EXPECT_EQ(r.tenant_connections(t0), (Counts{{"acme", 2}}));
}

TEST(NodeRegistryTest, ReannouncementReplacesTenantsRatherThanAdding) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a", {{"acme", 2}, {"globex", 1}}), t0);
  r.update(node("u1", "a", {{"acme", 5}}), t0 + seconds(1));
  EXPECT_EQ(r.tenant_connections(t0 + seconds(1)), (Counts{{"acme", 5}}));
}

// Regression: the per-tenant sum was a wrapping std::uint32_t. Two nodes announcing
// 4294967295 and 1 connections of one tenant (each accepted by decode, which allows counts up
// to UINT32_MAX) sum to 0, and Limits then sees no remote connections at all. Expected: the
// sum saturates (or at least never falls below any one node's figure).
TEST(NodeRegistryTest, TenantConnectionsDoNotWrapAround) {
  NodeRegistry r(kExpiry);
  r.update(node("u1", "a", {{"t", 4294967295u}}), t0);
  r.update(node("u2", "b", {{"t", 1}}), t0);
  EXPECT_EQ(r.tenant_connections(t0).at("t"), 4294967295u);
}

TEST(NodeRegistryTest, ShorterExpiryIsHonoured) {
  NodeRegistry r(milliseconds(100));
  r.update(node("u1", "a", {{"t", 1}}), t0);
  EXPECT_EQ(r.live_ids(t0 + milliseconds(100)).size(), 1u);
  EXPECT_TRUE(r.tenant_connections(t0 + milliseconds(101)).empty());
}

}  // namespace
}  // namespace neo::cluster
