// Redis Cluster key slots: CRC16-XMODEM and hash tags exactly as Redis (cluster.c keyHashSlot);
// the expected slots are the ones CLUSTER KEYSLOT answers (Redis documentation examples).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/redis/cluster/slot.h"

namespace neo::engine::redis::cluster {
namespace {

TEST(ClusterSlot, Crc16XmodemCheckValue) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);
  EXPECT_EQ(crc16(""), 0);
  EXPECT_EQ(key_slot("123456789"), 0x31C3 & 16383);
}

TEST(ClusterSlot, KnownKeySlots) {
  EXPECT_EQ(key_slot("somekey"), 11058);
  EXPECT_EQ(key_slot("foo{hash_tag}"), 2515);
  EXPECT_EQ(key_slot("foo"), 12182);
}

TEST(ClusterSlot, SameTagSameSlot) {
  EXPECT_EQ(hash_tag("{user1000}.following"), "user1000");
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
}

TEST(ClusterSlot, EmptyTagHashesTheWholeKey) {
  EXPECT_EQ(hash_tag("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(key_slot("foo{}{bar}"), crc16("foo{}{bar}") & 16383);
}

TEST(ClusterSlot, FirstOpenThenFirstClose) {
  EXPECT_EQ(hash_tag("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(hash_tag("foo{bar}{zap}"), "bar");
  EXPECT_EQ(hash_tag("{a}b}"), "a");
}

TEST(ClusterSlot, NoCompleteTagHashesTheWholeKey) {
  EXPECT_EQ(hash_tag("plain"), "plain");
  EXPECT_EQ(hash_tag("foo{bar"), "foo{bar");
  EXPECT_EQ(hash_tag("foo}bar{"), "foo}bar{");
  EXPECT_EQ(hash_tag("{}"), "{}");
}

TEST(ClusterSlot, SlotsStayInRange) {
  for (const std::string& key :
       std::vector<std::string>{"", "a", "{", "}", "{x}", std::string(1000, 'z')})
    EXPECT_LT(key_slot(key), kSlots) << key;
}

}  // namespace
}  // namespace neo::engine::redis::cluster
