// NodeRegistry: the other live nodes, as their announcements describe them. A node that stops
// announcing (crashed, partitioned) drops out after `expiry`; one that said goodbye at once.
// Thread-safe: written from the control plane, read by the server API.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster/control_message.h"
#include "core/clock.h"

namespace neo::cluster {

class NodeRegistry {
 public:
  using TimePoint = SteadyClock::time_point;
  explicit NodeRegistry(std::chrono::milliseconds expiry) : expiry_(expiry) {}

  void update(NodeInfo info, TimePoint now);
  void remove(std::string_view uid);
  // Live nodes, ordered by name then uid (expired ones are forgotten here).
  std::vector<NodeInfo> live(TimePoint now);
  std::vector<std::string> live_ids(TimePoint now);
  // Connections per tenant summed over the live nodes.
  std::unordered_map<std::string, std::uint32_t> tenant_connections(TimePoint now);
  // The nodes that expired since the last call (not those removed by remove()).
  std::vector<std::string> take_expired(TimePoint now);

 private:
  struct Entry {
    NodeInfo info;
    TimePoint seen;
  };
  void prune(TimePoint now);  // caller holds mutex_

  const std::chrono::milliseconds expiry_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> nodes_;
  std::vector<std::string> expired_;  // bounded by the nodes that were ever live
};

}  // namespace neo::cluster
