// The memory engine's record of idempotent publishes: (channel, key) -> the first publish's
// position, until its ttl passes.
//
// Bounded: at most `max_keys` entries per node; when full, the oldest entry is forgotten first,
// so a key forgotten before its ttl is no longer deduplicated. Entries leave in the order they
// were remembered, which is also their expiry order as long as every entry has the same ttl
// (the server API uses one, api.idempotency_ttl); `find` checks the expiry itself in any case.
//
// Thread-safe. The engine calls it while holding the channel's lock, which is what makes
// "find, else publish and remember" atomic per channel.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/types.h"

namespace neo::engine {

class IdempotencyCache {
 public:
  using TimePoint = SteadyClock::time_point;

  explicit IdempotencyCache(std::size_t max_keys);

  // The position remembered for `key` on `channel`, unless there is none or it expired.
  std::optional<StreamPosition> find(std::string_view channel, std::string_view key, TimePoint now);
  void remember(std::string_view channel, std::string_view key, const StreamPosition& position,
                TimePoint expire_at);
  // Forgets the entries whose ttl passed (from the oldest on).
  void expire(TimePoint now);
  std::size_t size() const;

 private:
  struct Entry {
    StreamPosition position;
    TimePoint expire_at;
    std::list<const std::string*>::iterator age;  // this entry's place in oldest_
  };
  using Entries = std::unordered_map<std::string, Entry>;

  void forget(Entries::iterator it);

  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  Entries entries_;
  // The keys of entries_ (stable: map nodes never move), the oldest remembered first.
  std::list<const std::string*> oldest_;
};

}  // namespace neo::engine
