#include "engine/memory/idempotency_cache.h"

#include <algorithm>

namespace neo::engine {
namespace {

// Channels are printable ASCII, so a NUL after the channel cannot be part of it: "a" + "b:c"
// and "a:b" + "c" stay apart.
std::string entry_id(std::string_view channel, std::string_view key) {
  std::string id;
  id.reserve(channel.size() + 1 + key.size());
  id.append(channel).push_back('\0');
  id.append(key);
  return id;
}

}  // namespace

IdempotencyCache::IdempotencyCache(std::size_t max_keys)
    : max_keys_(std::max<std::size_t>(1, max_keys)) {}

std::optional<StreamPosition> IdempotencyCache::find(std::string_view channel, std::string_view key,
                                                     TimePoint now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(entry_id(channel, key));
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.expire_at) {
    forget(it);
    return std::nullopt;
  }
  return it->second.position;
}

void IdempotencyCache::remember(std::string_view channel, std::string_view key,
                                const StreamPosition& position, TimePoint expire_at) {
  std::lock_guard lock(mutex_);
  auto id = entry_id(channel, key);
  if (auto it = entries_.find(id); it != entries_.end()) forget(it);
  while (entries_.size() >= max_keys_) forget(entries_.find(*oldest_.front()));
  auto it = entries_.emplace(std::move(id), Entry{position, expire_at, {}}).first;
  it->second.age = oldest_.insert(oldest_.end(), &it->first);
}

void IdempotencyCache::expire(TimePoint now) {
  std::lock_guard lock(mutex_);
  while (!oldest_.empty()) {
    auto it = entries_.find(*oldest_.front());
    if (now < it->second.expire_at) return;
    forget(it);
  }
}

std::size_t IdempotencyCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void IdempotencyCache::forget(Entries::iterator it) {
  oldest_.erase(it->second.age);
  entries_.erase(it);
}

}  // namespace neo::engine
