// SharedQuota: a tenant connection count shared by every node of the service, so that N nodes
// together never admit more than the tenant's max_connections (spec §4). Limits asks it before
// counting a connection locally; an implementation over a remote store answers later, on its
// own thread. No implementation (the memory engine, one node) means the local count is exact.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace neo::limits {

class SharedQuota {
 public:
  enum class Answer {
    admitted,    // counted in the shared count
    refused,     // the tenant is at its limit across the service
    unreachable  // nothing counted: the caller falls back to its local rule
  };
  using Done = std::function<void(Answer)>;

  virtual ~SharedQuota() = default;
  // Counts one connection of `tenant` on this node if the service-wide total is below `max`.
  // `done` runs exactly once, on any thread.
  virtual void acquire(std::string_view tenant, std::uint32_t max, Done done) = 0;
  // One connection of `tenant` on this node ended (best effort: a re-sync corrects a loss).
  virtual void release(std::string_view tenant) = 0;
  // `node` is gone (its announcements stopped): its connections stop counting.
  virtual void forget_node(std::string_view node) = 0;
};

}  // namespace neo::limits
