#include "cluster/node_registry.h"

#include <algorithm>
#include <utility>

namespace neo::cluster {

void NodeRegistry::update(NodeInfo info, TimePoint now) {
  std::lock_guard lock(mutex_);
  std::string uid = info.uid;
  nodes_.insert_or_assign(std::move(uid), Entry{std::move(info), now});
}

void NodeRegistry::remove(std::string_view uid) {
  std::lock_guard lock(mutex_);
  nodes_.erase(std::string(uid));
}

void NodeRegistry::prune(TimePoint now) {
  std::erase_if(nodes_, [&](const auto& item) {
    bool expired = now - item.second.seen > expiry_;
    if (expired) expired_.push_back(item.first);
    return expired;
  });
}

std::vector<std::string> NodeRegistry::take_expired(TimePoint now) {
  std::lock_guard lock(mutex_);
  prune(now);
  return std::exchange(expired_, {});
}

std::vector<NodeInfo> NodeRegistry::live(TimePoint now) {
  std::vector<NodeInfo> out;
  {
    std::lock_guard lock(mutex_);
    prune(now);
    for (const auto& [uid, entry] : nodes_) out.push_back(entry.info);
  }
  std::sort(out.begin(), out.end(), [](const NodeInfo& a, const NodeInfo& b) {
    return std::tie(a.name, a.uid) < std::tie(b.name, b.uid);
  });
  return out;
}

std::vector<std::string> NodeRegistry::live_ids(TimePoint now) {
  std::lock_guard lock(mutex_);
  prune(now);
  std::vector<std::string> out;
  for (const auto& [uid, entry] : nodes_) out.push_back(uid);
  return out;
}

std::unordered_map<std::string, std::uint32_t> NodeRegistry::tenant_connections(TimePoint now) {
  std::lock_guard lock(mutex_);
  prune(now);
  std::unordered_map<std::string, std::uint32_t> out;
  for (const auto& [uid, entry] : nodes_)
    for (const auto& [tenant, n] : entry.info.tenants) {
      auto& total = out[tenant];  // saturates: a bogus announcement must not wrap it to 0
      total =
          static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{total} + n, UINT32_MAX));
    }
  return out;
}

}  // namespace neo::cluster
