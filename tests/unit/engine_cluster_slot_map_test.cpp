// SlotMap from CLUSTER SLOTS replies, built by hiredis's own reader from raw RESP bytes as a
// Redis 7 node sends them; MOVED updates; every malformed reply with its exact problem.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "engine/redis/cluster/slot_map.h"
#include "support/resp_reply.h"

namespace neo::engine::redis::cluster {
namespace {

using test::parse_resp;

// [host, port, id, {}] as Redis 7 sends a node (the empty map is an empty array in RESP2).
std::string node(const std::string& host, int port, const std::string& id) {
  std::string port_text = std::to_string(port);
  return "*4\r\n$" + std::to_string(host.size()) + "\r\n" + host + "\r\n:" + port_text + "\r\n$" +
         std::to_string(id.size()) + "\r\n" + id + "\r\n*0\r\n";
}

std::string range(int first, int last, const std::string& master, const std::string& replica) {
  return "*4\r\n:" + std::to_string(first) + "\r\n:" + std::to_string(last) + "\r\n" + master +
         replica;
}

// Three masters with one replica each, as `redis-cli --cluster create` lays them out.
std::string three_masters() {
  return "*3\r\n" +
         range(0, 5460, node("127.0.0.1", 30001, "aaa"), node("127.0.0.1", 30005, "eee")) +
         range(5461, 10922, node("127.0.0.1", 30002, "bbb"), node("127.0.0.1", 30006, "fff")) +
         range(10923, 16383, node("127.0.0.1", 30003, "ccc"), node("127.0.0.1", 30004, "ddd"));
}

SlotMap map_of(const std::string& resp, std::string_view asked_host = "10.0.0.9") {
  auto reply = parse_resp(resp);
  auto parsed = SlotMap::from_cluster_slots(reply.get(), asked_host);
  if (auto* problem = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *problem;
  return std::get<SlotMap>(std::move(parsed));
}

std::string problem_of(const std::string& resp) {
  auto reply = parse_resp(resp);
  auto parsed = SlotMap::from_cluster_slots(reply.get(), "h");
  if (auto* problem = std::get_if<std::string>(&parsed)) return *problem;
  return "parsed";
}

TEST(ClusterSlotMap, ThreeMastersWithReplicas) {
  SlotMap map = map_of(three_masters());
  ASSERT_EQ(map.masters().size(), 3u);
  EXPECT_EQ(map.master_of(0)->port, 30001);
  EXPECT_EQ(map.master_of(5460)->port, 30001);
  EXPECT_EQ(map.master_of(5461)->port, 30002);
  EXPECT_EQ(map.master_of(16383)->port, 30003);
  EXPECT_EQ(map.master_of(16383)->text, "redis://127.0.0.1:30003");
  ASSERT_EQ(map.ranges().size(), 3u);
  ASSERT_EQ(map.ranges()[1].replicas.size(), 1u);
  EXPECT_EQ(map.ranges()[1].replicas[0].port, 30006);
}

TEST(ClusterSlotMap, OneMasterOwningSeveralRanges) {
  std::string resp = "*3\r\n" + range(0, 99, node("a", 1, "x"), node("b", 2, "y")) +
                     range(100, 16000, node("c", 3, "z"), node("d", 4, "w")) +
                     range(16001, 16383, node("a", 1, "x"), node("b", 2, "y"));
  SlotMap map = map_of(resp);
  EXPECT_EQ(map.masters().size(), 2u);
  EXPECT_EQ(map.master_of(16383)->host, "a");
}

TEST(ClusterSlotMap, UnknownHostIsTheAskedOne) {
  std::string resp = "*2\r\n" + range(0, 8000, node("", 7000, "x"), node("?", 7003, "y")) +
                     range(8001, 16383, node("?", 7001, "z"), node("", 7004, "w"));
  SlotMap map = map_of(resp, "10.0.0.9");
  EXPECT_EQ(map.master_of(0)->host, "10.0.0.9");
  EXPECT_EQ(map.master_of(9000)->text, "redis://10.0.0.9:7001");
  EXPECT_EQ(map.ranges()[0].replicas[0].host, "10.0.0.9");
}

TEST(ClusterSlotMap, MovedReassignsOneSlot) {
  SlotMap map = map_of(three_masters());
  Address to{"127.0.0.1", 30003, "redis://127.0.0.1:30003"};
  map.assign(42, to);
  EXPECT_EQ(map.master_of(42)->port, 30003);
  EXPECT_EQ(map.master_of(41)->port, 30001);
  EXPECT_EQ(map.masters().size(), 3u);  // a known master, not a new one
  map.assign(43, Address{"127.0.0.1", 30009, "redis://127.0.0.1:30009"});
  EXPECT_EQ(map.masters().size(), 4u);
}

TEST(ClusterSlotMap, SameOwnersIgnoresReplicasButNotMasters) {
  SlotMap map = map_of(three_masters());
  std::string other_replicas =
      "*3\r\n" + range(0, 5460, node("127.0.0.1", 30001, "aaa"), node("127.0.0.1", 30009, "x")) +
      range(5461, 10922, node("127.0.0.1", 30002, "bbb"), node("127.0.0.1", 30006, "fff")) +
      range(10923, 16383, node("127.0.0.1", 30003, "ccc"), node("127.0.0.1", 30004, "ddd"));
  EXPECT_TRUE(map.same_owners(map_of(other_replicas)));
  SlotMap moved = map_of(three_masters());
  moved.assign(7, Address{"127.0.0.1", 30002, "redis://127.0.0.1:30002"});
  EXPECT_FALSE(map.same_owners(moved));
  EXPECT_FALSE(map.same_owners(SlotMap{}));
}

TEST(ClusterSlotMap, EmptyMapOwnsNothing) {
  SlotMap map;
  EXPECT_EQ(map.master_of(0), nullptr);
  EXPECT_TRUE(map.masters().empty());
}

TEST(ClusterSlotMap, RejectsMalformedReplies) {
  EXPECT_EQ(problem_of("-ERR This instance has cluster support disabled\r\n"),
            "CLUSTER SLOTS failed: ERR This instance has cluster support disabled");
  EXPECT_EQ(problem_of("+OK\r\n"), "CLUSTER SLOTS: expected an array");
  EXPECT_EQ(problem_of("*0\r\n"), "CLUSTER SLOTS: slot 0 has no master");
  EXPECT_EQ(problem_of("*1\r\n" + range(0, 16000, node("a", 1, "x"), node("b", 2, "y"))),
            "CLUSTER SLOTS: slot 16001 has no master");
  EXPECT_EQ(problem_of("*1\r\n*2\r\n:0\r\n:16383\r\n"), "CLUSTER SLOTS: malformed range #0");
  EXPECT_EQ(problem_of("*1\r\n" + range(10, 5, node("a", 1, "x"), node("b", 2, "y"))),
            "CLUSTER SLOTS: malformed range #0");
  EXPECT_EQ(problem_of("*1\r\n" + range(0, 16384, node("a", 1, "x"), node("b", 2, "y"))),
            "CLUSTER SLOTS: malformed range #0");
  EXPECT_EQ(problem_of("*1\r\n" + range(0, 16383, node("a", 0, "x"), node("b", 2, "y"))),
            "CLUSTER SLOTS: malformed range #0");
  EXPECT_EQ(problem_of("*1\r\n" + range(0, 16383, node("a", 1, "x"), ":5\r\n")),
            "CLUSTER SLOTS: malformed range #0");
}

TEST(ClusterSlotMap, NoReply) {
  auto parsed = SlotMap::from_cluster_slots(nullptr, "h");
  ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
  EXPECT_EQ(std::get<std::string>(parsed), "no reply to CLUSTER SLOTS");
}

}  // namespace
}  // namespace neo::engine::redis::cluster
