// SharedRate: a tenant's publish budget shared by every node of the service, so that N nodes
// together never admit more than the tenant's max_publish_per_second (spec §4). The budget is
// counted in fixed one-second windows; a node takes a few tokens at a time (a lease) and spends
// them locally (RateLeases), so a publication rarely waits for the remote store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace neo::limits {

class SharedRate {
 public:
  struct Grant {
    bool reachable = false;    // false: nothing granted, the caller applies its local rule
    std::uint32_t tokens = 0;  // 0..wanted; fewer than wanted: the window's budget is spent
    std::chrono::milliseconds window_left{0};  // until the window of these tokens ends
  };
  using OnGrant = std::function<void(Grant)>;

  virtual ~SharedRate() = default;
  // Takes up to `wanted` tokens of `tenant`'s current window, whose budget is `rate`.
  // `done` runs exactly once, on any thread.
  virtual void lease(std::string_view tenant, std::uint32_t rate, std::uint32_t wanted,
                     OnGrant done) = 0;
};

}  // namespace neo::limits
