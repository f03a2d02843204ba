#include "hub/local_hub.h"

#include <algorithm>

namespace neo::hub {

bool LocalHub::add(std::string_view channel, Subscriber* subscriber) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) it = channels_.emplace(std::string(channel), Entry{}).first;
  Entry& entry = it->second;
  entry.subscribers.push_back(subscriber);
  return ++entry.live == 1;
}

bool LocalHub::remove(std::string_view channel, Subscriber* subscriber) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return false;
  Entry& entry = it->second;
  auto pos = std::find(entry.subscribers.begin(), entry.subscribers.end(), subscriber);
  if (pos == entry.subscribers.end()) return false;
  if (entry.delivering) {
    *pos = nullptr;  // the delivery loop is indexing this vector: leave a hole
  } else {
    *pos = entry.subscribers.back();
    entry.subscribers.pop_back();
  }
  bool last = --entry.live == 0;
  if (!entry.delivering) compact(it);
  return last;
}

void LocalHub::deliver(std::string_view channel, const Delivery& delivery) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  // A reference, not the iterator: element references survive a rehash if a subscriber
  // subscribes somewhere else during the loop. Index-based because the vector may grow.
  Entry& entry = it->second;
  ++entry.delivering;
  const std::size_t count = entry.subscribers.size();
  for (std::size_t i = 0; i < count; ++i) {
    if (Subscriber* subscriber = entry.subscribers[i]) subscriber->deliver(delivery);
  }
  --entry.delivering;
  compact(channels_.find(channel));
}

void LocalHub::compact(std::unordered_map<std::string, Entry>::iterator it) {
  Entry& entry = it->second;
  if (entry.delivering) return;
  if (entry.live == 0) {
    channels_.erase(it);
    return;
  }
  if (entry.live != entry.subscribers.size()) std::erase(entry.subscribers, nullptr);
}

std::size_t LocalHub::subscriber_count(std::string_view channel) const {
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : it->second.live;
}

}  // namespace neo::hub
