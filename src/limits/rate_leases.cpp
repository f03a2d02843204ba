#include "limits/rate_leases.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace neo::limits {

namespace {
constexpr auto kIdle = std::chrono::seconds(60);
// How long an unreachable budget leaves publications to the local rule before it is asked again.
constexpr auto kRetry = std::chrono::seconds(1);
}  // namespace

RateLeases::Shard& RateLeases::shard(std::string_view tenant) {
  return shards_[std::hash<std::string_view>{}(tenant) % kShards];
}

// Created on a tenant's first publication, never per publication.
RateLeases::Lease& RateLeases::lease_of(Shard& s, std::string_view tenant) {
  auto it = s.leases.find(tenant);
  if (it == s.leases.end()) it = s.leases.emplace(std::string(tenant), Lease{}).first;
  return it->second;
}

// nullopt: queue behind the publications already waiting (first come, first served).
std::optional<RateLeases::Outcome> RateLeases::decide(Lease& lease, SteadyTime now) {
  lease.last_use = now;
  if (now >= lease.window_end && (lease.tokens || lease.spent)) {
    if (lease.tokens) lease.size = 0;  // more than this node needed: back to a small lease
    lease.tokens = 0;
    lease.spent = false;
  }
  bool queue = !lease.waiters.empty() || lease.answering;
  if (lease.tokens && !queue) {
    --lease.tokens;
    return Outcome::admitted;
  }
  if (lease.spent && !lease.tokens) return Outcome::refused;
  if (queue) return std::nullopt;
  if (local_until_retry(now)) return Outcome::local;
  return std::nullopt;
}

// A whole lease spent before its window ended: the node publishes fast, ask for more.
std::uint32_t RateLeases::next_size(Lease& lease, std::uint32_t rate, SteadyTime now) {
  if (lease.size == 0)
    lease.size = first_lease(rate);
  else if (now < lease.window_end)
    lease.size *= 2;
  lease.size = std::clamp(lease.size, 1u, max_lease(rate));  // a reload may have changed rate
  return lease.size;
}

std::optional<RateLeases::Outcome> RateLeases::try_take(std::string_view tenant, SteadyTime now) {
  auto& s = shard(tenant);
  std::lock_guard lock(s.mutex);
  return decide(lease_of(s, tenant), now);
}

void RateLeases::take(std::string_view tenant, std::uint32_t rate, SteadyTime now, Done done) {
  std::optional<Outcome> at_once;
  std::uint32_t wanted = 0;
  {
    auto& s = shard(tenant);
    std::lock_guard lock(s.mutex);
    Lease& lease = lease_of(s, tenant);
    at_once = decide(lease, now);
    if (!at_once && lease.waiters.size() >= rate) at_once = Outcome::refused;
    if (!at_once) {
      lease.waiters.push_back(std::move(done));
      if (!lease.asking && !lease.answering) {  // answering: answer() serves or asks after
        lease.asking = true;
        lease.asked_at = now;
        wanted = next_size(lease, rate, now);
      }
    }
  }
  if (at_once) return done(*at_once);
  if (wanted) ask(std::string(tenant), rate, wanted);
}

void RateLeases::ask(const std::string& tenant, std::uint32_t rate, std::uint32_t wanted) {
  SharedRate* shared = shared_.load();
  if (!shared) return on_grant(tenant, rate, wanted, SharedRate::Grant{});  // detached meanwhile
  shared->lease(tenant, rate, wanted, [this, tenant, rate, wanted](SharedRate::Grant grant) {
    on_grant(tenant, rate, wanted, grant);
  });
}

void RateLeases::on_grant(const std::string& tenant, std::uint32_t rate, std::uint32_t wanted,
                          const SharedRate::Grant& grant) {
  SteadyTime asked_at;
  {
    auto& s = shard(tenant);
    std::lock_guard lock(s.mutex);
    auto it = s.leases.find(tenant);
    if (it == s.leases.end()) return;  // not swept while asking: cannot happen
    Lease& lease = it->second;
    lease.asking = false;
    lease.answering = true;
    asked_at = lease.asked_at;
    if (grant.reachable) keep(lease, grant, wanted);
  }
  if (grant.reachable)
    reachable();
  else
    unreachable(asked_at);  // the waiters get the local rule
  answer(tenant, rate, asked_at);
}

// The window's end is counted from when the lease was asked for: never later than the real one.
void RateLeases::keep(Lease& lease, const SharedRate::Grant& grant, std::uint32_t wanted) {
  lease.window_end = lease.asked_at + grant.window_left;
  lease.tokens = grant.tokens;
  lease.spent = grant.tokens < wanted;
}

// The waiting publications are answered in order, outside the lock (their callbacks publish, or
// take another token); those that queued meanwhile next, until none can be answered at once.
// Only then may a newcomer decide on its own.
void RateLeases::answer(const std::string& tenant, std::uint32_t rate, SteadyTime asked_at) {
  std::uint32_t again = 0;
  for (Answers answers;; answers.clear()) {
    {
      auto& s = shard(tenant);
      std::lock_guard lock(s.mutex);
      Lease& lease = lease_of(s, tenant);
      settle_queued(lease, asked_at, answers);
      if (answers.empty()) {
        lease.answering = false;
        if (!lease.waiters.empty() && !lease.asking) {  // the lease went to waiters: a larger one
          lease.asking = true;
          again = next_size(lease, rate, asked_at);
        }
        break;
      }
    }
    for (auto& [done, outcome] : answers) done(outcome);
  }
  if (again) ask(tenant, rate, again);
}

// As decide() would answer each waiting publication, in order, while it can answer at once:
// tokens first, then refused when the window is spent, the local rule when unreachable.
void RateLeases::settle_queued(Lease& lease, SteadyTime now, Answers& answers) {
  std::size_t settled = 0;
  for (; settled < lease.waiters.size(); ++settled) {
    Outcome outcome;
    if (lease.tokens) {
      --lease.tokens;
      outcome = Outcome::admitted;
    } else if (lease.spent) {
      outcome = Outcome::refused;
    } else if (local_until_retry(now)) {
      outcome = Outcome::local;
    } else {
      break;
    }
    answers.emplace_back(std::move(lease.waiters[settled]), outcome);
  }
  lease.waiters.erase(lease.waiters.begin(),
                      lease.waiters.begin() + static_cast<std::ptrdiff_t>(settled));
}

void RateLeases::unreachable(SteadyTime asked_at) {
  local_until_.store((asked_at + kRetry).time_since_epoch().count());
  if (!reported_down_.exchange(true))
    spdlog::warn(
        "tenant publish rates: shared budget unreachable, this node applies "
        "max_publish_per_second alone");
}

void RateLeases::reachable() {
  if (reported_down_.exchange(false))
    spdlog::info("tenant publish rates: shared budget reachable again");
}

bool RateLeases::local_until_retry(SteadyTime now) const {
  return now.time_since_epoch().count() < local_until_.load();
}

void RateLeases::sweep(SteadyTime now) {
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (auto it = s.leases.begin(); it != s.leases.end();) {
      const Lease& lease = it->second;
      bool idle = !lease.asking && !lease.answering && lease.waiters.empty() &&
                  now - lease.last_use >= kIdle;
      it = idle ? s.leases.erase(it) : std::next(it);
    }
  }
}

}  // namespace neo::limits
