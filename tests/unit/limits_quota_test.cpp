// neo::limits::Limits (src/limits/limits.h): per-tenant connection counts with overrides, the
// per-tenant publish rate of `tenant:X:...` channels, per-channel `rate_limits` buckets, and
// the sweep of idle buckets. Every admit_publication call gets an explicit time point.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "limits/limits.h"
#include "support/allocation_counter.h"
#include "support/fake_shared_quota.h"

namespace neo::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime t0 = SteadyTime{} + std::chrono::hours(1000);

class LimitsTest : public ::testing::Test {
 protected:
  LimitsTest() {
    config.tenants.max_connections = 0;
    config.tenants.max_publish_per_second = 0;
  }

  // Built after the test has filled in `config` (Limits reads the overrides once).
  Limits& limits() {
    if (!limits_) limits_ = std::make_unique<Limits>(config);
    return *limits_;
  }

  // How many publications into `channel` are admitted at `now` before the first refusal.
  int admitted(std::string_view channel, SteadyTime now, Verdict* refusal = nullptr) {
    for (int n = 0; n < 10000; ++n) {
      Verdict v = limits().admit_publication(channel, now);
      if (v != Verdict::allow) {
        if (refusal) *refusal = v;
        return n;
      }
    }
    return 10000;
  }

  config::Config config;

 private:
  std::unique_ptr<Limits> limits_;
};

// ---- connections ---------------------------------------------------------------------------

TEST_F(LimitsTest, AcquiresUpToMaxConnectionsThenRefuses) {
  config.tenants.max_connections = 3;
  Limits& l = limits();
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_EQ(l.connections("a"), 3u);
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_EQ(l.connections("a"), 3u);  // refusals are not counted
}

TEST_F(LimitsTest, ReleaseLetsExactlyOneMoreIn) {
  config.tenants.max_connections = 2;
  Limits& l = limits();
  ASSERT_TRUE(l.acquire_connection("a"));
  ASSERT_TRUE(l.acquire_connection("a"));
  ASSERT_FALSE(l.acquire_connection("a"));
  l.release_connection("a");
  EXPECT_EQ(l.connections("a"), 1u);
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_EQ(l.connections("a"), 2u);
}

TEST_F(LimitsTest, ReleasingEverythingResetsTheCount) {
  config.tenants.max_connections = 2;
  Limits& l = limits();
  ASSERT_TRUE(l.acquire_connection("a"));
  ASSERT_TRUE(l.acquire_connection("a"));
  l.release_connection("a");
  l.release_connection("a");
  EXPECT_EQ(l.connections("a"), 0u);
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("a"));
}

// A release without a matching acquire (or one too many) must not create spare capacity.
TEST_F(LimitsTest, ExtraReleasesDoNotRaiseTheLimit) {
  config.tenants.max_connections = 1;
  Limits& l = limits();
  l.release_connection("a");
  l.release_connection("a");
  EXPECT_EQ(l.connections("a"), 0u);
  ASSERT_TRUE(l.acquire_connection("a"));
  l.release_connection("a");
  l.release_connection("a");
  EXPECT_EQ(l.connections("a"), 0u);
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("a"));
}

TEST_F(LimitsTest, CountsPerTenantAreIndependent) {
  config.tenants.max_connections = 2;
  Limits& l = limits();
  ASSERT_TRUE(l.acquire_connection("a"));
  ASSERT_TRUE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("b"));
  EXPECT_TRUE(l.acquire_connection("b"));
  EXPECT_FALSE(l.acquire_connection("b"));
  EXPECT_TRUE(l.acquire_connection("ab"));
  EXPECT_EQ(l.connections("a"), 2u);
  EXPECT_EQ(l.connections("b"), 2u);
  EXPECT_EQ(l.connections("ab"), 1u);
  EXPECT_EQ(l.connections("c"), 0u);
  l.release_connection("b");
  EXPECT_EQ(l.connections("a"), 2u);
  EXPECT_EQ(l.connections("b"), 1u);
}

// Many tenants spread over the shards: each keeps its own count.
TEST_F(LimitsTest, ManyTenantsEachGetTheirOwnQuota) {
  config.tenants.max_connections = 2;
  Limits& l = limits();
  for (int t = 0; t < 200; ++t) {
    std::string tenant = std::to_string(t);
    EXPECT_TRUE(l.acquire_connection(tenant));
    EXPECT_TRUE(l.acquire_connection(tenant));
    EXPECT_FALSE(l.acquire_connection(tenant)) << tenant;
  }
  for (int t = 0; t < 200; ++t) EXPECT_EQ(l.connections(std::to_string(t)), 2u);
}

TEST_F(LimitsTest, EmptyTenantIsNeverCountedNorLimited) {
  config.tenants.max_connections = 1;
  Limits& l = limits();
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(l.acquire_connection(""));
  EXPECT_EQ(l.connections(""), 0u);
  l.release_connection("");
  EXPECT_EQ(l.connections(""), 0u);
  EXPECT_TRUE(l.acquire_connection("a"));  // the tenants' counts are untouched
  EXPECT_FALSE(l.acquire_connection("a"));
}

TEST_F(LimitsTest, ZeroMaxConnectionsIsUnlimited) {
  config.tenants.max_connections = 0;
  Limits& l = limits();
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(l.acquire_connection("a")) << i;
  EXPECT_EQ(l.connections("a"), 5000u);
}

TEST_F(LimitsTest, OverridesReplaceTheGlobalConnectionLimitForThatTenantOnly) {
  config.tenants.max_connections = 1;
  config.tenants.overrides = {{"big", 3, 0}, {"free", 0, 0}, {"tiny", 1, 0}};
  Limits& l = limits();
  EXPECT_TRUE(l.acquire_connection("big"));
  EXPECT_TRUE(l.acquire_connection("big"));
  EXPECT_TRUE(l.acquire_connection("big"));
  EXPECT_FALSE(l.acquire_connection("big"));
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(l.acquire_connection("free"));  // 0 = unlimited
  EXPECT_TRUE(l.acquire_connection("tiny"));
  EXPECT_FALSE(l.acquire_connection("tiny"));
  EXPECT_TRUE(l.acquire_connection("other"));  // the global limit still applies
  EXPECT_FALSE(l.acquire_connection("other"));
  EXPECT_TRUE(l.acquire_connection("bigger"));  // names are matched exactly
  EXPECT_FALSE(l.acquire_connection("bigger"));
}

TEST_F(LimitsTest, OverrideCanBeStricterThanTheGlobalLimit) {
  config.tenants.max_connections = 100;
  config.tenants.overrides = {{"small", 2, 0}};
  Limits& l = limits();
  EXPECT_TRUE(l.acquire_connection("small"));
  EXPECT_TRUE(l.acquire_connection("small"));
  EXPECT_FALSE(l.acquire_connection("small"));
}

// ---- per-tenant publish rate ---------------------------------------------------------------

TEST_F(LimitsTest, TenantRateIsOneSecondsWorthAcrossAllTheTenantsChannels) {
  config.tenants.max_publish_per_second = 3;
  Limits& l = limits();
  EXPECT_EQ(l.admit_publication("tenant:1:a", t0), Verdict::allow);
  EXPECT_EQ(l.admit_publication("tenant:1:b", t0), Verdict::allow);
  EXPECT_EQ(l.admit_publication("tenant:1:c:d", t0), Verdict::allow);
  EXPECT_EQ(l.admit_publication("tenant:1:a", t0), Verdict::tenant_rate);
  EXPECT_EQ(l.admit_publication("tenant:1:e", t0), Verdict::tenant_rate);
  EXPECT_EQ(l.admit_publication("tenant:1", t0), Verdict::tenant_rate);  // still tenant 1
}

TEST_F(LimitsTest, TenantRatesAreIndependent) {
  config.tenants.max_publish_per_second = 2;
  ASSERT_EQ(admitted("tenant:1:a", t0), 2);
  EXPECT_EQ(admitted("tenant:2:a", t0), 2);
  EXPECT_EQ(admitted("tenant:11:a", t0), 2);
  EXPECT_EQ(admitted("tenant:1:a", t0), 0);
}

TEST_F(LimitsTest, TenantRefusalIsTenantRateVerdict) {
  config.tenants.max_publish_per_second = 1;
  Verdict refusal = Verdict::allow;
  EXPECT_EQ(admitted("tenant:1:a", t0, &refusal), 1);
  EXPECT_EQ(refusal, Verdict::tenant_rate);
}

TEST_F(LimitsTest, TenantBucketRefillsAtTheRate) {
  config.tenants.max_publish_per_second = 4;
  ASSERT_EQ(admitted("tenant:1:a", t0), 4);
  EXPECT_EQ(admitted("tenant:1:a", t0 + milliseconds(250)), 1);
  EXPECT_EQ(admitted("tenant:1:a", t0 + milliseconds(500)), 1);
  EXPECT_EQ(admitted("tenant:1:a", t0 + milliseconds(1500)), 4);
  EXPECT_EQ(admitted("tenant:1:a", t0 + seconds(3600)), 4);  // never more than a second's worth
}

TEST_F(LimitsTest, TenantBucketRefillsAfterASecond) {
  config.tenants.max_publish_per_second = 10;
  ASSERT_EQ(admitted("tenant:1:a", t0), 10);
  EXPECT_EQ(admitted("tenant:1:a", t0 + milliseconds(999)), 9);
  EXPECT_EQ(admitted("tenant:1:a", t0 + seconds(2)), 10);
}

TEST_F(LimitsTest, ChannelsOutsideTheTenantNamespaceAreNotTenantLimited) {
  config.tenants.max_publish_per_second = 1;
  for (std::string_view channel : {"admin:x", "system:alerts", "user:1:x", "tenants:1:x",
                                   "xtenant:1:x", "tenant1:x", "t:1:x", "tenant", "Tenant:1:x"}) {
    EXPECT_EQ(admitted(channel, t0), 10000) << channel;
  }
  EXPECT_EQ(admitted("tenant:1:x", t0), 1);  // and tenant 1 still has its full budget
}

TEST_F(LimitsTest, ZeroPublishRateIsUnlimited) {
  config.tenants.max_publish_per_second = 0;
  EXPECT_EQ(admitted("tenant:1:a", t0), 10000);
}

TEST_F(LimitsTest, OverridesReplaceTheGlobalPublishRateForThatTenantOnly) {
  config.tenants.max_publish_per_second = 2;
  config.tenants.overrides = {{"fast", 0, 5}, {"free", 0, 0}, {"slow", 0, 1}};
  EXPECT_EQ(admitted("tenant:fast:a", t0), 5);
  EXPECT_EQ(admitted("tenant:free:a", t0), 10000);
  EXPECT_EQ(admitted("tenant:slow:a", t0), 1);
  EXPECT_EQ(admitted("tenant:other:a", t0), 2);
  EXPECT_EQ(admitted("tenant:fast:a", t0 + seconds(1)), 5);
  EXPECT_EQ(admitted("tenant:slow:a", t0 + seconds(1)), 1);
}

// ---- rate_limits patterns ------------------------------------------------------------------

TEST_F(LimitsTest, RateLimitPatternGivesEachMatchingChannelItsOwnBucket) {
  config.rate_limits = {{"tenant:*:dashboard", 2}};
  Verdict refusal = Verdict::allow;
  EXPECT_EQ(admitted("tenant:1:dashboard", t0, &refusal), 2);
  EXPECT_EQ(refusal, Verdict::channel_rate);
  EXPECT_EQ(admitted("tenant:2:dashboard", t0), 2);  // another channel: its own budget
  EXPECT_EQ(admitted("tenant:1:x:dashboard", t0), 2);
  EXPECT_EQ(admitted("tenant:1:dashboard", t0), 0);
  EXPECT_EQ(admitted("tenant:2:dashboard", t0), 0);
}

TEST_F(LimitsTest, NonMatchingChannelsAreNotChannelLimited) {
  config.rate_limits = {{"tenant:*:dashboard", 1}};
  ASSERT_EQ(admitted("tenant:1:dashboard", t0), 1);
  for (std::string_view channel : {"tenant:1:dashboards", "tenant:1:dashboard:x",
                                   "tenant:1:notifications", "admin:dashboard", "dashboard"}) {
    EXPECT_EQ(admitted(channel, t0), 10000) << channel;
  }
}

TEST_F(LimitsTest, RateLimitBucketRefillsAfterASecond) {
  config.rate_limits = {{"tenant:*:dashboard", 3}};
  ASSERT_EQ(admitted("tenant:1:dashboard", t0), 3);
  EXPECT_EQ(admitted("tenant:1:dashboard", t0 + milliseconds(500)), 1);
  EXPECT_EQ(admitted("tenant:1:dashboard", t0 + milliseconds(1500)), 3);
  EXPECT_EQ(admitted("tenant:1:dashboard", t0 + seconds(60)), 3);
}

// A rate under 1/s still admits one publication (the bucket holds at least one token).
TEST_F(LimitsTest, FractionalRateHoldsOneToken) {
  config.rate_limits = {{"system:slow", 0.5}};
  ASSERT_EQ(admitted("system:slow", t0), 1);
  EXPECT_EQ(admitted("system:slow", t0 + milliseconds(1999)), 0);
  EXPECT_EQ(admitted("system:slow", t0 + seconds(2)), 1);
}

TEST_F(LimitsTest, EveryMatchingRateLimitApplies) {
  config.rate_limits = {{"tenant:*", 5}, {"tenant:*:dashboard", 2}};
  Verdict refusal = Verdict::allow;
  EXPECT_EQ(admitted("tenant:1:dashboard", t0, &refusal), 2);
  EXPECT_EQ(refusal, Verdict::channel_rate);
  EXPECT_EQ(admitted("tenant:1:other", t0, &refusal), 5);
  EXPECT_EQ(refusal, Verdict::channel_rate);
}

// Both buckets empty: the tenant's verdict comes first.
TEST_F(LimitsTest, TenantRateIsCheckedBeforeChannelRate) {
  config.tenants.max_publish_per_second = 2;
  config.rate_limits = {{"tenant:*:dashboard", 2}};
  Verdict refusal = Verdict::allow;
  EXPECT_EQ(admitted("tenant:1:dashboard", t0, &refusal), 2);
  EXPECT_EQ(refusal, Verdict::tenant_rate);
  EXPECT_EQ(admitted("tenant:1:dashboard", t0 + seconds(1), &refusal), 2);
  EXPECT_EQ(refusal, Verdict::tenant_rate);
}

TEST_F(LimitsTest, ChannelRefusalVerdictWhenTheTenantHasBudgetLeft) {
  config.tenants.max_publish_per_second = 100;
  config.rate_limits = {{"tenant:*:dashboard", 2}};
  Limits& l = limits();
  EXPECT_EQ(l.admit_publication("tenant:1:dashboard", t0), Verdict::allow);
  EXPECT_EQ(l.admit_publication("tenant:1:dashboard", t0), Verdict::allow);
  EXPECT_EQ(l.admit_publication("tenant:1:dashboard", t0), Verdict::channel_rate);
  EXPECT_EQ(l.admit_publication("tenant:1:other", t0), Verdict::allow);
}

// Limits::admit_publication takes the tenant's token before checking rate_limits and keeps it
// when the channel refuses: a client spamming a rate-limited channel (refused with 111) drains
// the whole tenant's publish budget. Refused publications should not count against the tenant.
TEST_F(LimitsTest, ChannelRefusalsDoNotUseTheTenantsBudget) {
  config.tenants.max_publish_per_second = 5;
  config.rate_limits = {{"tenant:*:notifications", 1}};
  ASSERT_EQ(admitted("tenant:1:notifications", t0), 1);
  for (int i = 0; i < 10; ++i)
    EXPECT_NE(limits().admit_publication("tenant:1:notifications", t0), Verdict::allow);
  EXPECT_EQ(admitted("tenant:1:deployments", t0), 4);  // 5 - the one admitted publication
}

// ---- sweep ---------------------------------------------------------------------------------

TEST_F(LimitsTest, SweepKeepsBucketsThatAreStillRefilling) {
  config.tenants.max_publish_per_second = 4;
  config.rate_limits = {{"tenant:*:dashboard", 2}};
  ASSERT_EQ(admitted("tenant:1:x", t0), 4);
  ASSERT_EQ(admitted("tenant:2:dashboard", t0), 2);
  limits().sweep(t0 + milliseconds(250));
  EXPECT_EQ(admitted("tenant:1:x", t0 + milliseconds(250)), 1);  // not a fresh burst
  limits().sweep(t0 + milliseconds(500));
  EXPECT_EQ(admitted("tenant:2:dashboard", t0 + milliseconds(500)), 1);
}

TEST_F(LimitsTest, AfterSweepOfIdleBucketsANewBurstIsAllowed) {
  config.tenants.max_publish_per_second = 4;
  config.rate_limits = {{"tenant:*:dashboard", 2}};
  ASSERT_EQ(admitted("tenant:1:x", t0), 4);
  ASSERT_EQ(admitted("tenant:2:dashboard", t0 + milliseconds(1000)), 2);
  limits().sweep(t0 + seconds(61));
  limits().sweep(t0 + seconds(62));
  limits().sweep(t0 + seconds(120));
  EXPECT_EQ(admitted("tenant:1:x", t0 + seconds(120)), 4);
  EXPECT_EQ(admitted("tenant:2:dashboard", t0 + seconds(120)), 2);
  EXPECT_EQ(admitted("tenant:2:dashboard", t0 + seconds(120)), 0);
}

TEST_F(LimitsTest, SweepDoesNotTouchConnectionCounts) {
  config.tenants.max_connections = 1;
  ASSERT_TRUE(limits().acquire_connection("a"));
  limits().sweep(t0 + seconds(3600));
  EXPECT_EQ(limits().connections("a"), 1u);
  EXPECT_FALSE(limits().acquire_connection("a"));
}

// Buckets are created on a key's first use, never per publication (README "Multi-tenant
// limits"): with short (SSO) keys an admitted publication into an existing bucket allocates
// nothing.
TEST_F(LimitsTest, OnlyTheFirstPublicationOfAKeyAllocates) {
  config.tenants.max_publish_per_second = 1000;
  config.rate_limits = {{"tenant:*:d", 1000}};
  Limits& l = limits();
  std::uint64_t before = neo::test::allocation_count();
  Verdict first = l.admit_publication("tenant:1:d", t0);  // two new buckets
  std::uint64_t first_allocations = neo::test::allocation_count() - before;
  EXPECT_EQ(first, Verdict::allow);
  EXPECT_GE(first_allocations, 2u);
  int allowed = 0;
  before = neo::test::allocation_count();
  for (int i = 0; i < 100; ++i) allowed += l.admit_publication("tenant:1:d", t0) == Verdict::allow;
  std::uint64_t later_allocations = neo::test::allocation_count() - before;
  EXPECT_EQ(allowed, 100);
  EXPECT_EQ(later_allocations, 0u);
}

// TokenBucket::idle_since never reports idle (see limits_token_bucket_test.cpp), so
// Limits::sweep never erases a bucket: one per tenant and per rate-limited channel ever used
// stays forever (unbounded growth with channel names). After a sweep 61 s idle, the next
// publication must create (allocate) its buckets again.
TEST_F(LimitsTest, SweepForgetsBucketsIdleForAMinute) {
  config.tenants.max_publish_per_second = 1000;
  config.rate_limits = {{"tenant:*:d", 1000}};
  Limits& l = limits();
  ASSERT_EQ(l.admit_publication("tenant:1:d", t0), Verdict::allow);
  l.sweep(t0 + seconds(61));
  std::uint64_t before = neo::test::allocation_count();
  Verdict again = l.admit_publication("tenant:1:d", t0 + seconds(61));
  std::uint64_t allocations = neo::test::allocation_count() - before;
  EXPECT_EQ(again, Verdict::allow);
  EXPECT_GE(allocations, 2u);  // both buckets were forgotten and are created anew
}

// ---- cluster: other nodes' connections -----------------------------------------------------

TEST_F(LimitsTest, RemoteConnectionsCountAgainstTheQuota) {
  config.tenants.max_connections = 3;
  Limits& l = limits();
  l.set_remote_connections({{"a", 2}});
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_EQ(l.connections("a"), 1u);  // the refusal was not counted
}

TEST_F(LimitsTest, RemoteConnectionsAtTheQuotaRefuseTheFirstLocalOne) {
  config.tenants.max_connections = 3;
  Limits& l = limits();
  l.set_remote_connections({{"a", 3}});
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_EQ(l.connections("a"), 0u);
  EXPECT_TRUE(l.local_connections().empty());  // a refused first connection leaves no entry
}

TEST_F(LimitsTest, RemoteConnectionsAboveTheQuotaRefuseWithoutOverflow) {
  config.tenants.max_connections = 3;
  Limits& l = limits();
  l.set_remote_connections({{"a", 4294967295u}});
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_EQ(l.connections("a"), 0u);
}

TEST_F(LimitsTest, RemoteConnectionsOnlyCountForTheirTenant) {
  config.tenants.max_connections = 2;
  Limits& l = limits();
  l.set_remote_connections({{"a", 2}});
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("b"));
  EXPECT_TRUE(l.acquire_connection("b"));
  EXPECT_FALSE(l.acquire_connection("b"));
}

TEST_F(LimitsTest, RemoteConnectionsForManyTenantsAllApply) {
  config.tenants.max_connections = 2;
  Limits& l = limits();
  Limits::TenantCounts remote;
  for (int t = 0; t < 200; ++t) remote[std::to_string(t)] = static_cast<std::uint32_t>(t % 3);
  l.set_remote_connections(remote);
  for (int t = 0; t < 200; ++t) {
    std::string tenant = std::to_string(t);
    int allowed = 0;
    while (allowed < 5 && l.acquire_connection(tenant)) ++allowed;
    EXPECT_EQ(allowed, 2 - t % 3) << tenant;
  }
}

TEST_F(LimitsTest, RemoteConnectionsRespectPerTenantOverrides) {
  config.tenants.max_connections = 3;
  config.tenants.overrides = {{"big", 10, 0}, {"free", 0, 0}, {"tiny", 1, 0}};
  Limits& l = limits();
  l.set_remote_connections({{"big", 8}, {"free", 1000}, {"tiny", 1}, {"other", 2}});
  EXPECT_TRUE(l.acquire_connection("big"));
  EXPECT_TRUE(l.acquire_connection("big"));
  EXPECT_FALSE(l.acquire_connection("big"));                                // 8 + 2 = 10
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(l.acquire_connection("free"));  // 0 = unlimited
  EXPECT_FALSE(l.acquire_connection("tiny"));
  EXPECT_TRUE(l.acquire_connection("other"));  // the global 3 still applies: 2 + 1
  EXPECT_FALSE(l.acquire_connection("other"));
}

TEST_F(LimitsTest, ReplacingRemoteCountsWithAnEmptyMapFreesTheQuota) {
  config.tenants.max_connections = 3;
  Limits& l = limits();
  l.set_remote_connections({{"a", 3}, {"b", 3}});
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("b"));
  l.set_remote_connections({});
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("b"));
}

TEST_F(LimitsTest, NewRemoteCountsReplaceTheOldOnesRatherThanAdding) {
  config.tenants.max_connections = 4;
  Limits& l = limits();
  l.set_remote_connections({{"a", 3}, {"b", 4}});
  l.set_remote_connections({{"a", 1}});  // b is no longer listed: none elsewhere
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_FALSE(l.acquire_connection("a"));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(l.acquire_connection("b")) << i;
  EXPECT_FALSE(l.acquire_connection("b"));
}

TEST_F(LimitsTest, RemoteCountsDoNotEvictExistingLocalConnections) {
  config.tenants.max_connections = 3;
  Limits& l = limits();
  ASSERT_TRUE(l.acquire_connection("a"));
  ASSERT_TRUE(l.acquire_connection("a"));
  l.set_remote_connections({{"a", 5}});  // already over: new ones refused, old ones stay
  EXPECT_FALSE(l.acquire_connection("a"));
  EXPECT_EQ(l.connections("a"), 2u);
  l.release_connection("a");
  EXPECT_EQ(l.connections("a"), 1u);
  EXPECT_FALSE(l.acquire_connection("a"));
}

TEST_F(LimitsTest, TenantsWithoutATenantIdAreNeverLimitedByRemoteCounts) {
  config.tenants.max_connections = 1;
  Limits& l = limits();
  l.set_remote_connections({{"", 1000}, {"a", 1}});
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(l.acquire_connection(""));
  EXPECT_EQ(l.connections(""), 0u);
  EXPECT_TRUE(l.local_connections().empty());
  EXPECT_FALSE(l.acquire_connection("a"));  // while a listed tenant is limited
}

TEST_F(LimitsTest, LocalConnectionsReportsThisNodesCountsOnly) {
  config.tenants.max_connections = 10;
  Limits& l = limits();
  EXPECT_TRUE(l.local_connections().empty());
  l.set_remote_connections({{"a", 4}, {"remote-only", 7}});
  ASSERT_TRUE(l.acquire_connection("a"));
  ASSERT_TRUE(l.acquire_connection("a"));
  ASSERT_TRUE(l.acquire_connection("b"));
  ASSERT_TRUE(l.acquire_connection(""));
  EXPECT_EQ(l.local_connections(), (Limits::TenantCounts{{"a", 2}, {"b", 1}}));
  l.release_connection("b");
  l.release_connection("a");
  EXPECT_EQ(l.local_connections(), (Limits::TenantCounts{{"a", 1}}));
  l.release_connection("a");
  EXPECT_TRUE(l.local_connections().empty());
}

TEST_F(LimitsTest, LocalConnectionsCoverEveryShard) {
  Limits& l = limits();
  Limits::TenantCounts expected;
  for (int t = 0; t < 300; ++t) {
    std::string tenant = "tenant-" + std::to_string(t);
    for (int i = 0; i <= t % 4; ++i) ASSERT_TRUE(l.acquire_connection(tenant));
    expected[tenant] = static_cast<std::uint32_t>(t % 4 + 1);
  }
  EXPECT_EQ(l.local_connections(), expected);
}

TEST_F(LimitsTest, ZeroMaxConnectionsIgnoresRemoteCounts) {
  config.tenants.max_connections = 0;
  Limits& l = limits();
  l.set_remote_connections({{"a", 4294967295u}});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(l.acquire_connection("a"));
  EXPECT_EQ(l.connections("a"), 100u);
}

class SharedLimitsTest : public LimitsTest {
 protected:
  SharedLimitsTest() { config.tenants.max_connections = 2; }
  // The answer: at once (local rule) or through the callback (shared count).
  std::optional<bool> acquire(std::string_view tenant, bool* later = nullptr) {
    limits().set_shared_quota(&shared);
    std::optional<bool> answered;
    auto at_once = limits().acquire_connection(tenant, [&](bool ok) { answered = ok; });
    if (later) *later = !at_once.has_value();
    return at_once ? at_once : answered;
  }
  test::FakeSharedQuota shared;
};

TEST_F(SharedLimitsTest, AdmittedByTheSharedCountIsCountedLocallyToo) {
  bool later = false;
  EXPECT_EQ(acquire("a", &later), true);
  EXPECT_TRUE(later);
  EXPECT_EQ(shared.asked, (std::vector<std::pair<std::string, std::uint32_t>>{{"a", 2}}));
  EXPECT_EQ(limits().connections("a"), 1u);
  EXPECT_EQ(limits().fallback_admits(), 0u);
}

// The shared count is exact; the local figure follows it without a check of its own.
TEST_F(SharedLimitsTest, SharedCountDecidesNotTheLocalFigure) {
  limits().set_remote_connections({{"a", 5}});
  EXPECT_EQ(acquire("a"), true);
  shared.answer = SharedQuota::Answer::refused;
  EXPECT_EQ(acquire("a"), false);
  EXPECT_EQ(limits().connections("a"), 1u);
}

TEST_F(SharedLimitsTest, UnreachableSharedCountFallsBackToTheLocalRule) {
  shared.answer = SharedQuota::Answer::unreachable;
  limits().set_remote_connections({{"a", 1}});
  EXPECT_EQ(acquire("a"), true);   // 0 here + 1 elsewhere < 2
  EXPECT_EQ(acquire("a"), false);  // 1 here + 1 elsewhere
  EXPECT_EQ(limits().connections("a"), 1u);
  EXPECT_EQ(limits().fallback_admits(), 1u);
}

TEST_F(SharedLimitsTest, ReleaseTellsTheSharedCount) {
  ASSERT_EQ(acquire("a"), true);
  limits().release_connection("a");
  EXPECT_EQ(shared.released, std::vector<std::string>{"a"});
  EXPECT_EQ(limits().connections("a"), 0u);
}

// Without a limit (or a tenant) nothing is shared: the answer comes at once.
TEST_F(SharedLimitsTest, UnlimitedTenantIsAnsweredAtOnceWithoutTheSharedCount) {
  config.tenants.max_connections = 0;
  bool later = true;
  EXPECT_EQ(acquire("a", &later), true);
  EXPECT_FALSE(later);
  EXPECT_EQ(acquire("", &later), true);
  EXPECT_FALSE(later);
  EXPECT_TRUE(shared.asked.empty());
}

TEST_F(LimitsTest, WithoutASharedCountTheLocalRuleAnswersAtOnce) {
  config.tenants.max_connections = 1;
  bool called = false;
  EXPECT_EQ(limits().acquire_connection("a", [&](bool) { called = true; }), true);
  EXPECT_EQ(limits().acquire_connection("a", [&](bool) { called = true; }), false);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace neo::limits
