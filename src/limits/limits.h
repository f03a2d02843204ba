// Limits: the node-wide quotas of spec §4 — per-tenant connections, per-tenant publish rate,
// per-channel publication rates (`rate_limits`) — with per-tenant overrides. Called from any
// thread; state lives in sharded, locked maps whose entries are created on a key's first use
// (never per publication) and swept when idle.
#pragma once

#include <array>
#include <atomic>
#include <boost/container/small_vector.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "limits/rate_leases.h"
#include "limits/shared_quota.h"
#include "limits/shared_rate.h"
#include "limits/token_bucket.h"

namespace neo::limits {

// pending: the tenant's publish budget is shared across the cluster and this node holds none of
// it; nothing was charged, admit_publication_later answers once a lease came.
enum class Verdict { allow, tenant_rate, channel_rate, pending };

class Limits {
 public:
  explicit Limits(const config::Config& config);

  // A reload: the quotas and rate_limits of `config` apply from the next call on. Counts and
  // buckets stay (a tenant over its new connection limit keeps its connections; a rate is
  // applied to its bucket as tokens are next taken).
  void reconfigure(const config::Config& config);

  // Counts a connection of `tenant` (empty tenant: not counted). False when the tenant is at
  // its limit (this node's connections plus those other nodes announced); then nothing was
  // counted.
  bool acquire_connection(std::string_view tenant);
  void release_connection(std::string_view tenant);

  // Cluster: the count every node shares (nullptr: none, the local rule above is exact). Set
  // before the first connection; it must outlive this object's last call.
  void set_shared_quota(SharedQuota* shared) { shared_ = shared; }
  // acquire_connection against the shared count when the tenant has a limit and there is one:
  // then nullopt, and `done(counted)` runs later, on any thread. Otherwise the local rule's
  // answer at once, and `done` is not called. When the shared count is unreachable, the local
  // rule decides (counted in fallback_admits()).
  std::optional<bool> acquire_connection(std::string_view tenant, std::function<void(bool)> done);
  std::uint64_t fallback_admits() const { return fallback_admits_.load(); }
  std::uint32_t connections(std::string_view tenant) const;

  // Cluster: the tenants' connections on every other live node, as last announced (replaces
  // the previous figures; a tenant not listed has none elsewhere).
  using TenantCounts = std::unordered_map<std::string, std::uint32_t>;
  void set_remote_connections(const TenantCounts& counts);
  // This node's connections per tenant, for its own announcement.
  TenantCounts local_connections() const;

  // One publication into `channel`: the tenant's rate (for tenant:X:* channels), then every
  // matching `rate_limits` entry. `pending` only with a shared rate (below).
  Verdict admit_publication(std::string_view channel, SteadyTime now);
  // admit_publication that waits for a lease of the tenant's shared budget when it must:
  // `done` runs exactly once, at once or later on any thread, never with `pending`.
  void admit_publication_later(std::string_view channel, SteadyTime now,
                               std::function<void(Verdict)> done);

  // Cluster: the tenants' publish budgets every node shares (nullptr: none, each node applies
  // max_publish_per_second alone). Same lifetime rules as set_shared_quota. A tenant:X:*
  // publication then needs a token of the shared budget as well as this node's own buckets
  // (checked first: a publication they refuse never takes from the shared budget). When the
  // budget is unreachable the node's own buckets decide (counted in rate_fallback_admits()).
  void set_shared_rate(SharedRate* shared) { leases_.attach(shared); }
  std::uint64_t rate_fallback_admits() const { return rate_fallback_admits_.load(); }

  // Forgets idle buckets; called about once a second.
  void sweep(SteadyTime now);

 private:
  struct Quota {
    std::uint32_t max_connections;
    std::uint32_t max_publish_per_second;
  };
  // Transparent: maps are searched with string_views, without building a std::string.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::uint32_t, KeyHash, std::equal_to<>> connections;
    std::unordered_map<std::string, std::uint32_t, KeyHash, std::equal_to<>> remote_connections;
    std::unordered_map<std::string, TokenBucket, KeyHash, std::equal_to<>> buckets;
  };
  static constexpr std::size_t kShards = 32;

  // What the config says, swapped whole by a reload.
  struct Rules {
    Quota defaults;
    std::unordered_map<std::string, Quota, KeyHash, std::equal_to<>> overrides;
    std::vector<config::RateLimit> rate_limits;
  };
  static std::shared_ptr<const Rules> rules_of(const config::Config& config);
  static Quota quota_for(const Rules& rules, std::string_view tenant);
  Shard& shard(std::string_view key) const;
  void count_connection(std::string_view tenant);
  void on_shared_answer(const std::string& tenant, SharedQuota::Answer answer,
                        const std::function<void(bool)>& done);
  static TokenBucket& bucket(Shard& s, std::string_view key, double rate, SteadyTime now);
  bool available(std::string_view key, double rate, SteadyTime now);
  void take(std::string_view key, double rate, SteadyTime now);
  struct Need;
  using Needs = boost::container::small_vector<Need, 4>;
  static Needs needs_of(const Rules& rules, std::string_view channel);
  const Need* shared_tenant_need(const Needs& needs) const;
  Verdict admit_locally(const Needs& needs, SteadyTime now);
  std::optional<Verdict> refusal(const Needs& needs, SteadyTime now);
  void take_all(const Needs& needs, SteadyTime now);
  Verdict settle(std::string_view channel, RateLeases::Outcome outcome, SteadyTime now);

  std::shared_ptr<const Rules> current_rules() const;

  // Read by every connect and publication on any thread; a reload stores a new one. Guarded by
  // a mutex rather than pinned per thread: these calls take a shard mutex anyway. Not
  // std::atomic<shared_ptr>: libstdc++ 12 releases its internal lock with a relaxed store on
  // load(), which ThreadSanitizer reports as a race against the next store().
  mutable std::mutex rules_mutex_;
  std::shared_ptr<const Rules> rules_;
  mutable std::array<Shard, kShards> shards_;
  SharedQuota* shared_ = nullptr;
  std::atomic<std::uint64_t> fallback_admits_{0};
  RateLeases leases_;
  std::atomic<std::uint64_t> rate_fallback_admits_{0};
};

}  // namespace neo::limits
