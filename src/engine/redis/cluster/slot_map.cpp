#include "engine/redis/cluster/slot_map.h"

#include <hiredis/hiredis.h>

#include <optional>

#include "engine/redis/cluster/redirect.h"
#include "engine/redis/cluster/slot.h"

namespace neo::engine::redis::cluster {

namespace {

std::optional<long long> integer(const redisReply* r) {
  if (r->type != REDIS_REPLY_INTEGER) return std::nullopt;
  return r->integer;
}

// [host, port, id, ...] -> Address.
std::optional<Address> node(const redisReply* r, std::string_view asked_host) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) return std::nullopt;
  const redisReply* host = r->element[0];
  auto port = integer(r->element[1]);
  if (host->type != REDIS_REPLY_STRING || !port || *port < 1 || *port > 65535) return std::nullopt;
  std::string name(host->str, host->len);
  if (name.empty() || name == "?") name = std::string(asked_host);
  return node_address(std::move(name), static_cast<int>(*port));
}

// [first, last, master, replica...] -> SlotRange.
std::optional<SlotRange> range(const redisReply* r, std::string_view asked_host) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return std::nullopt;
  auto first = integer(r->element[0]);
  auto last = integer(r->element[1]);
  if (!first || !last || *first < 0 || *last < *first || *last >= kSlots) return std::nullopt;
  auto master = node(r->element[2], asked_host);
  if (!master) return std::nullopt;
  SlotRange out{static_cast<std::uint16_t>(*first),
                static_cast<std::uint16_t>(*last),
                std::move(*master),
                {}};
  for (std::size_t i = 3; i < r->elements; ++i) {
    auto replica = node(r->element[i], asked_host);
    if (!replica) return std::nullopt;
    out.replicas.push_back(std::move(*replica));
  }
  return out;
}

}  // namespace

bool same_node(const Address& a, const Address& b) { return a.host == b.host && a.port == b.port; }

std::variant<SlotMap, std::string> SlotMap::from_cluster_slots(const redisReply* reply,
                                                               std::string_view asked_host) {
  if (!reply) return std::string("no reply to CLUSTER SLOTS");
  if (reply->type == REDIS_REPLY_ERROR)
    return "CLUSTER SLOTS failed: " + std::string(reply->str, reply->len);
  if (reply->type != REDIS_REPLY_ARRAY) return std::string("CLUSTER SLOTS: expected an array");
  SlotMap map;
  map.owner_.assign(kSlots, -1);
  for (std::size_t i = 0; i < reply->elements; ++i) {
    auto r = range(reply->element[i], asked_host);
    if (!r) return "CLUSTER SLOTS: malformed range #" + std::to_string(i);
    auto index = static_cast<std::int32_t>(map.master_index(r->master));
    for (unsigned slot = r->first; slot <= r->last; ++slot) map.owner_[slot] = index;
    map.ranges_.push_back(std::move(*r));
  }
  for (unsigned slot = 0; slot < kSlots; ++slot)
    if (map.owner_[slot] < 0)
      return "CLUSTER SLOTS: slot " + std::to_string(slot) + " has no master";
  return map;
}

std::size_t SlotMap::master_index(const Address& address) {
  for (std::size_t i = 0; i < masters_.size(); ++i)
    if (same_node(masters_[i], address)) return i;
  masters_.push_back(address);
  return masters_.size() - 1;
}

const Address* SlotMap::master_of(std::uint16_t slot) const {
  if (slot >= owner_.size() || owner_[slot] < 0) return nullptr;
  return &masters_[static_cast<std::size_t>(owner_[slot])];
}

bool SlotMap::same_owners(const SlotMap& other) const {
  if (owner_.size() != other.owner_.size()) return false;
  for (std::size_t slot = 0; slot < owner_.size(); ++slot) {
    const Address* mine = master_of(static_cast<std::uint16_t>(slot));
    const Address* theirs = other.master_of(static_cast<std::uint16_t>(slot));
    if (!mine != !theirs || (mine && !same_node(*mine, *theirs))) return false;
  }
  return true;
}

void SlotMap::assign(std::uint16_t slot, const Address& to) {
  if (owner_.empty()) owner_.assign(kSlots, -1);
  if (slot < kSlots) owner_[slot] = static_cast<std::int32_t>(master_index(to));
}

}  // namespace neo::engine::redis::cluster
