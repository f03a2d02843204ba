#include "hub/interest_map.h"

namespace neo::hub {

InterestMap::Shard& InterestMap::shard(std::string_view channel) const {
  return shards_[std::hash<std::string_view>{}(channel) % shards_.size()];
}

bool InterestMap::add(std::string_view channel, std::size_t thread, const OnChange& on_change) {
  auto& s = shard(channel);
  std::lock_guard lock(s.mutex);
  auto it = s.channels.find(channel);
  if (it == s.channels.end()) it = s.channels.emplace(std::string(channel), ThreadSet{}).first;
  bool first = it->second.none();
  if (first) count_.fetch_add(1, std::memory_order_relaxed);
  it->second.set(thread);
  if (first && on_change) on_change(channel);
  return first;
}

bool InterestMap::remove(std::string_view channel, std::size_t thread, const OnChange& on_change) {
  auto& s = shard(channel);
  std::lock_guard lock(s.mutex);
  auto it = s.channels.find(channel);
  if (it == s.channels.end()) return false;
  it->second.reset(thread);
  if (it->second.any()) return false;
  s.channels.erase(it);
  count_.fetch_sub(1, std::memory_order_relaxed);
  if (on_change) on_change(channel);
  return true;
}

ThreadSet InterestMap::threads(std::string_view channel) const {
  auto& s = shard(channel);
  std::lock_guard lock(s.mutex);
  auto it = s.channels.find(channel);
  return it == s.channels.end() ? ThreadSet{} : it->second;
}

}  // namespace neo::hub
