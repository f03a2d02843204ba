// Which master owns each of the 16384 slots (and its replicas), from a CLUSTER SLOTS reply;
// MOVED redirects correct single slots until the next full refresh.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/redis/redis_client.h"

struct redisReply;

namespace neo::engine::redis::cluster {

struct SlotRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;  // inclusive, as Redis reports it
  Address master;
  std::vector<Address> replicas;
};

class SlotMap {
 public:
  // `asked_host` stands in for an empty or "?" host in the reply (Redis answers so when it
  // does not know the address it is reached by). Returns the problem when the reply is not a
  // CLUSTER SLOTS answer or leaves a slot without a master.
  static std::variant<SlotMap, std::string> from_cluster_slots(const redisReply* reply,
                                                               std::string_view asked_host);

  // The master owning `slot`; nullptr before any map or when the slot is uncovered.
  const Address* master_of(std::uint16_t slot) const;
  // Every distinct master, in order of first appearance.
  const std::vector<Address>& masters() const { return masters_; }
  const std::vector<SlotRange>& ranges() const { return ranges_; }
  // After "MOVED <slot> <to>": the slot is served by `to` from now on.
  void assign(std::uint16_t slot, const Address& to);
  // Every slot has the same master in both (replicas aside).
  bool same_owners(const SlotMap& other) const;

 private:
  std::size_t master_index(const Address& address);

  std::vector<SlotRange> ranges_;
  std::vector<Address> masters_;
  std::vector<std::int32_t> owner_;  // slot -> index into masters_, -1 when uncovered
};

bool same_node(const Address& a, const Address& b);

}  // namespace neo::engine::redis::cluster
