// InterestMap: node-wide, channel -> the set of I/O threads that have local subscribers.
// Written only when a thread gains its first or loses its last subscriber of a channel; read
// once per publication to decide which threads get the shared frame. Sharded locks keep
// publishers of different channels from contending.
#pragma once

#include <array>
#include <atomic>
#include <bitset>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hub/local_hub.h"

namespace neo::hub {

inline constexpr std::size_t kMaxThreads = 256;
using ThreadSet = std::bitset<kMaxThreads>;

class InterestMap {
 public:
  // `on_change` runs under the channel's lock when the node as a whole gains (add) or loses
  // (remove) interest in `channel`, so broker subscribe/unsubscribe calls never overtake each
  // other. Returns whether it ran.
  using OnChange = std::function<void(std::string_view channel)>;
  bool add(std::string_view channel, std::size_t thread, const OnChange& on_change = {});
  bool remove(std::string_view channel, std::size_t thread, const OnChange& on_change = {});
  ThreadSet threads(std::string_view channel) const;
  // Channels with a subscriber anywhere on this node (metrics).
  std::size_t channel_count() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, ThreadSet, StringHash, std::equal_to<>> channels;
  };
  Shard& shard(std::string_view channel) const;

  mutable std::array<Shard, 64> shards_;
  std::atomic<std::size_t> count_{0};
};

}  // namespace neo::hub
