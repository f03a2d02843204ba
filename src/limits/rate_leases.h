// RateLeases: this node's share of each tenant's cluster-wide publish budget (SharedRate).
// Tokens are taken from the shared one-second window a few at a time (a lease) and spent here,
// so most publications are decided without a round trip:
// - A lease starts at first_lease(rate) tokens and doubles, up to max_lease(rate), while this
//   node spends a whole lease within its window; a window that ends with tokens left unspent
//   brings it back to first_lease. One node therefore never sits on more than a quarter of a
//   window's budget, and a node alone still gets all of it.
// - Tokens are dropped when their window ends, measured from when the lease was asked for (never
//   later than the shared window's real end), so they are spent inside their window.
// - A lease that grants fewer tokens than asked means the window's budget is spent on every
//   node: publications are refused here, without asking again, until the window ends.
// - While one lease is asked for, the tenant's other publications wait for it (at most `rate`
//   of them: more could not be admitted in one window anyway; the rest are refused).
// - First come, first served: while publications wait, or while a lease's answers are being
//   handed to them (outside the lock: their callbacks publish), a newcomer queues behind them
//   even when tokens are left, so a tenant's publications reach the engine in the order they
//   were admitted (pipelined requests on one connection get rising offsets).
// - An unreachable budget makes the caller apply its local rule, at once and for a second
//   before the budget is asked again; logged once per outage.
// Called from any thread; a tenant's lease lives in a locked shard.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "limits/shared_rate.h"
#include "limits/token_bucket.h"

namespace neo::limits {

class RateLeases {
 public:
  enum class Outcome {
    admitted,  // one token of the tenant's shared budget spent
    refused,   // the budget of the current window is spent across the service
    local      // the shared budget is unreachable: the caller's per-node rule decides
  };
  using Done = std::function<void(Outcome)>;

  // nullptr detaches. Set before the first publication; `shared` must outlive this object.
  void attach(SharedRate* shared) { shared_.store(shared); }
  bool attached() const { return shared_.load(std::memory_order_relaxed) != nullptr; }

  // The outcome when it needs no lease: a token held here, a window known to be spent, or an
  // unreachable budget. nullopt: take() must ask for a lease.
  std::optional<Outcome> try_take(std::string_view tenant, SteadyTime now);
  // As try_take, else asks for a lease at `now` and answers when it comes. `done` runs exactly
  // once, at once or later on any thread.
  void take(std::string_view tenant, std::uint32_t rate, SteadyTime now, Done done);

  // Forgets leases idle for a minute; called about once a second.
  void sweep(SteadyTime now);

  static std::uint32_t first_lease(std::uint32_t rate) { return rate / 20 > 1 ? rate / 20 : 1; }
  static std::uint32_t max_lease(std::uint32_t rate) { return rate / 4 > 1 ? rate / 4 : 1; }

 private:
  struct Lease {
    std::uint32_t tokens = 0;
    SteadyTime window_end{};  // here: when the tokens' window ends at the latest
    bool spent = false;       // the window's shared budget is gone
    std::uint32_t size = 0;   // the next lease asked for (0: first_lease)
    bool asking = false;
    bool answering = false;  // a lease's answers are being handed out: newcomers queue
    SteadyTime asked_at{};
    std::vector<Done> waiters;
    SteadyTime last_use{};
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Lease, KeyHash, std::equal_to<>> leases;
  };
  using Answers = std::vector<std::pair<Done, Outcome>>;
  static constexpr std::size_t kShards = 16;

  Shard& shard(std::string_view tenant);
  static Lease& lease_of(Shard& s, std::string_view tenant);
  std::optional<Outcome> decide(Lease& lease, SteadyTime now);
  static std::uint32_t next_size(Lease& lease, std::uint32_t rate, SteadyTime now);
  void ask(const std::string& tenant, std::uint32_t rate, std::uint32_t wanted);
  void on_grant(const std::string& tenant, std::uint32_t rate, std::uint32_t wanted,
                const SharedRate::Grant& grant);
  static void keep(Lease& lease, const SharedRate::Grant& grant, std::uint32_t wanted);
  void answer(const std::string& tenant, std::uint32_t rate, SteadyTime asked_at);
  void settle_queued(Lease& lease, SteadyTime now, Answers& answers);
  void unreachable(SteadyTime asked_at);
  void reachable();
  bool local_until_retry(SteadyTime now) const;

  // Atomic: a node detaches it at shutdown while a lease may still be answered on its thread.
  std::atomic<SharedRate*> shared_{nullptr};
  std::array<Shard, kShards> shards_;
  // Until then the budget counts as unreachable (steady_clock ticks; 0: reachable).
  std::atomic<SteadyTime::rep> local_until_{0};
  std::atomic<bool> reported_down_{false};
};

}  // namespace neo::limits
