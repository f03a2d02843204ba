#include "limits/limits.h"

#include <charconv>
#include <functional>

#include "auth/policy.h"

namespace neo::limits {

namespace {
constexpr auto kIdle = std::chrono::seconds(60);
}  // namespace

Limits::Limits(const config::Config& config) : rules_(rules_of(config)) {}

void Limits::reconfigure(const config::Config& config) {
  auto rules = rules_of(config);
  std::lock_guard lock(rules_mutex_);
  rules_.swap(rules);
}

std::shared_ptr<const Limits::Rules> Limits::current_rules() const {
  std::lock_guard lock(rules_mutex_);
  return rules_;
}

std::shared_ptr<const Limits::Rules> Limits::rules_of(const config::Config& config) {
  auto rules = std::make_shared<Rules>();
  rules->defaults = Quota{config.tenants.max_connections, config.tenants.max_publish_per_second};
  for (const auto& o : config.tenants.overrides)
    rules->overrides[o.tenant] = Quota{o.max_connections, o.max_publish_per_second};
  rules->rate_limits = config.rate_limits;
  return rules;
}

Limits::Quota Limits::quota_for(const Rules& rules, std::string_view tenant) {
  auto it = rules.overrides.find(tenant);
  return it != rules.overrides.end() ? it->second : rules.defaults;
}

Limits::Shard& Limits::shard(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

bool Limits::acquire_connection(std::string_view tenant) {
  if (tenant.empty()) return true;
  std::uint32_t max = quota_for(*current_rules(), tenant).max_connections;
  auto& s = shard(tenant);
  std::lock_guard lock(s.mutex);
  std::uint32_t& count = s.connections[std::string(tenant)];
  auto remote = s.remote_connections.find(tenant);
  std::uint64_t elsewhere = remote == s.remote_connections.end() ? 0 : remote->second;
  if (max && count + elsewhere >= max) {
    if (count == 0) s.connections.erase(std::string(tenant));
    return false;
  }
  ++count;
  return true;
}

std::optional<bool> Limits::acquire_connection(std::string_view tenant,
                                               std::function<void(bool)> done) {
  std::uint32_t max = tenant.empty() ? 0 : quota_for(*current_rules(), tenant).max_connections;
  if (!shared_ || max == 0) return acquire_connection(tenant);
  shared_->acquire(tenant, max,
                   [this, tenant = std::string(tenant), done = std::move(done)](
                       SharedQuota::Answer answer) { on_shared_answer(tenant, answer, done); });
  return std::nullopt;
}

void Limits::on_shared_answer(const std::string& tenant, SharedQuota::Answer answer,
                              const std::function<void(bool)>& done) {
  switch (answer) {
    case SharedQuota::Answer::admitted:
      count_connection(tenant);
      return done(true);
    case SharedQuota::Answer::refused:
      return done(false);
    case SharedQuota::Answer::unreachable:
      bool admitted = acquire_connection(tenant);
      if (admitted) ++fallback_admits_;
      return done(admitted);
  }
}

// Already admitted by the shared count: the local figure (announced, and re-synced into the
// shared count after an outage) follows without a check of its own.
void Limits::count_connection(std::string_view tenant) {
  auto& s = shard(tenant);
  std::lock_guard lock(s.mutex);
  ++s.connections[std::string(tenant)];
}

// The shared count is told of every release, also of connections the local rule admitted
// during an outage: after its re-sync it holds them too.
void Limits::release_connection(std::string_view tenant) {
  if (tenant.empty()) return;
  if (shared_) shared_->release(tenant);
  auto& s = shard(tenant);
  std::lock_guard lock(s.mutex);
  auto it = s.connections.find(std::string(tenant));
  if (it == s.connections.end()) return;
  if (--it->second == 0) s.connections.erase(it);
}

std::uint32_t Limits::connections(std::string_view tenant) const {
  auto& s = shard(tenant);
  std::lock_guard lock(s.mutex);
  auto it = s.connections.find(std::string(tenant));
  return it == s.connections.end() ? 0 : it->second;
}

// Each shard's figures are swapped in at once, so a check never sees a half-updated tenant.
void Limits::set_remote_connections(const TenantCounts& counts) {
  std::array<decltype(Shard::remote_connections), kShards> split;
  for (const auto& [tenant, n] : counts) {
    split[std::hash<std::string_view>{}(tenant) % kShards].emplace(tenant, n);
  }
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    shards_[i].remote_connections.swap(split[i]);
  }
}

Limits::TenantCounts Limits::local_connections() const {
  TenantCounts out;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (const auto& [tenant, n] : s.connections) out.emplace(tenant, n);
  }
  return out;
}

// A bucket holds one second's worth of tokens: bursts above the rate are refused at once.
// Found by a string_view key (no allocation); a key's bytes are copied only when its bucket is
// created.
TokenBucket& Limits::bucket(Shard& s, std::string_view key, double rate, SteadyTime now) {
  auto it = s.buckets.find(key);
  if (it == s.buckets.end()) {
    it = s.buckets.emplace(std::string(key), TokenBucket(rate, std::max(1.0, rate), now)).first;
  }
  return it->second;
}

bool Limits::available(std::string_view key, double rate, SteadyTime now) {
  auto& s = shard(key);
  std::lock_guard lock(s.mutex);
  return bucket(s, key, rate, now).available(now);
}

void Limits::take(std::string_view key, double rate, SteadyTime now) {
  auto& s = shard(key);
  std::lock_guard lock(s.mutex);
  bucket(s, key, rate, now).take(now);
}

// One bucket a publication needs: its tenant's, or one per matching rate_limits entry.
struct Limits::Need {
  std::size_t rule;          // index into rate_limits; kTenantRule for the tenant's bucket
  std::string_view subject;  // the tenant or the channel
  double rate;
};

namespace {

constexpr std::size_t kTenantRule = static_cast<std::size_t>(-1);

// "t\x1f<tenant>" or "c\x1f<rule>\x1f<channel>", written into a reused buffer.
template <typename Need>
std::string_view key_of(const Need& need, std::string& buffer) {
  buffer.clear();
  if (need.rule == kTenantRule) {
    buffer += "t\x1f";
  } else {
    buffer += "c\x1f";
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, need.rule);
    buffer.append(digits, end);
    buffer += '\x1f';
  }
  buffer += need.subject;
  return buffer;
}

thread_local std::string key_buffer;

}  // namespace

Limits::Needs Limits::needs_of(const Rules& rules, std::string_view channel) {
  Needs needs;
  std::string_view tenant = auth::tenant_of(channel);
  if (!tenant.empty()) {
    if (std::uint32_t rate = quota_for(rules, tenant).max_publish_per_second)
      needs.push_back({kTenantRule, tenant, double(rate)});
  }
  for (std::size_t i = 0; i < rules.rate_limits.size(); ++i) {
    const auto& limit = rules.rate_limits[i];
    if (auth::match_pattern(limit.channel, channel))
      needs.push_back({i, channel, limit.per_second});
  }
  return needs;
}

// The tenant's need when it is counted in the shared budget (it comes first), else nullptr.
const Limits::Need* Limits::shared_tenant_need(const Needs& needs) const {
  if (!leases_.attached() || needs.empty() || needs.front().rule != kTenantRule) return nullptr;
  return &needs.front();
}

// Every bucket the publication needs is checked before any is charged, so a publication
// refused by one limit costs nothing against the others (a flooded channel must not drain
// its tenant's budget). Check-then-take races between threads can let a few extra through.
// Nothing here allocates once the buckets exist.
Verdict Limits::admit_locally(const Needs& needs, SteadyTime now) {
  if (auto refused = refusal(needs, now)) return *refused;
  take_all(needs, now);
  return Verdict::allow;
}

// The verdict of the first need whose bucket is empty; nullopt when every one has a token.
std::optional<Verdict> Limits::refusal(const Needs& needs, SteadyTime now) {
  for (const auto& need : needs) {
    if (!available(key_of(need, key_buffer), need.rate, now))
      return need.rule == kTenantRule ? Verdict::tenant_rate : Verdict::channel_rate;
  }
  return std::nullopt;
}

void Limits::take_all(const Needs& needs, SteadyTime now) {
  for (const auto& need : needs) take(key_of(need, key_buffer), need.rate, now);
}

// What a shared-budget outcome means for the publication (its needs are found again: a lease
// may come after a reload). The node's own buckets were checked before the budget was asked:
// with a shared rate a node still never exceeds its own tenant bucket, so one node behaves as
// without it, and the cluster as a whole stays within the shared windows.
Verdict Limits::settle(std::string_view channel, RateLeases::Outcome outcome, SteadyTime now) {
  std::shared_ptr<const Rules> rules = current_rules();
  Needs needs = needs_of(*rules, channel);
  switch (outcome) {
    case RateLeases::Outcome::refused:
      return Verdict::tenant_rate;
    case RateLeases::Outcome::local: {
      Verdict verdict = admit_locally(needs, now);
      if (verdict == Verdict::allow) ++rate_fallback_admits_;
      return verdict;
    }
    case RateLeases::Outcome::admitted:
      take_all(needs, now);
      return Verdict::allow;
  }
  return Verdict::tenant_rate;
}

Verdict Limits::admit_publication(std::string_view channel, SteadyTime now) {
  std::shared_ptr<const Rules> rules = current_rules();
  Needs needs = needs_of(*rules, channel);
  const Need* tenant = shared_tenant_need(needs);
  if (!tenant) return admit_locally(needs, now);
  if (auto refused = refusal(needs, now)) return *refused;
  auto outcome = leases_.try_take(tenant->subject, now);
  return outcome ? settle(channel, *outcome, now) : Verdict::pending;
}

void Limits::admit_publication_later(std::string_view channel, SteadyTime now,
                                     std::function<void(Verdict)> done) {
  std::shared_ptr<const Rules> rules = current_rules();
  Needs needs = needs_of(*rules, channel);
  const Need* tenant = shared_tenant_need(needs);
  if (!tenant) return done(admit_locally(needs, now));
  if (auto refused = refusal(needs, now)) return done(*refused);
  leases_.take(tenant->subject, static_cast<std::uint32_t>(tenant->rate), now,
               [this, channel = std::string(channel), now, done = std::move(done)](
                   RateLeases::Outcome outcome) { done(settle(channel, outcome, now)); });
}

void Limits::sweep(SteadyTime now) {
  leases_.sweep(now);
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (auto it = s.buckets.begin(); it != s.buckets.end();) {
      it = it->second.idle_since(now, kIdle) ? s.buckets.erase(it) : std::next(it);
    }
  }
}

}  // namespace neo::limits
