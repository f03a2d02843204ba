// The tenant publish rate shared across nodes: Limits with a SharedRate (src/limits/limits.h)
// and its lease bookkeeping (src/limits/rate_leases.h), against a fake budget that grants as
// the Redis script does, in one-second windows of the test's clock. Several Limits objects on
// one fake are several nodes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "limits/limits.h"
#include "limits/rate_leases.h"
#include "support/fake_shared_rate.h"

namespace neo::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime epoch = SteadyTime{} + std::chrono::hours(1000);

class SharedRateTest : public ::testing::Test {
 protected:
  SharedRateTest() {
    config.tenants.max_connections = 0;
    config.tenants.max_publish_per_second = 10;
  }

  // A node sharing the budget; built after the test has filled in `config`.
  Limits& node() {
    nodes_.push_back(std::make_unique<Limits>(config));
    nodes_.back()->set_shared_rate(&shared);
    return *nodes_.back();
  }

  // One publication as the session and the API make it: at once when the node can decide,
  // else through admit_publication_later. nullopt while the answer waits for a lease.
  std::optional<Verdict> publish(Limits& limits, std::string_view channel = "tenant:t:c") {
    Verdict verdict = limits.admit_publication(channel, now);
    if (verdict != Verdict::pending) return verdict;
    auto answered = std::make_shared<std::optional<Verdict>>();
    limits.admit_publication_later(channel, now, [answered, this](Verdict v) {
      *answered = v;
      answers.push_back(v);
    });
    return *answered;
  }

  std::vector<std::uint32_t> wanted() const {
    std::vector<std::uint32_t> out;
    for (const auto& a : shared.asked) out.push_back(a.wanted);
    return out;
  }

  config::Config config;
  SteadyTime now = epoch;
  test::FakeSharedRate shared{&now, epoch};
  std::vector<Verdict> answers;  // of admit_publication_later, in the order they came

 private:
  std::vector<std::unique_ptr<Limits>> nodes_;
};

int allowed(const std::vector<std::optional<Verdict>>& verdicts) {
  int n = 0;
  for (const auto& v : verdicts) n += v == Verdict::allow;
  return n;
}

// The case: rate 10 over 2 nodes publishing as fast as they can -> 10 per window,
// every window, whichever node asks.
TEST_F(SharedRateTest, TwoNodesTogetherAdmitTheRatePerWindowNeverMore) {
  Limits& a = node();
  Limits& b = node();
  for (int window = 0; window < 3; ++window) {
    int from_a = 0, from_b = 0;
    for (int i = 0; i < 100; ++i) {
      now = epoch + seconds(window) + milliseconds(i * 9);
      from_a += publish(a) == Verdict::allow;
      from_b += publish(b) == Verdict::allow;
    }
    EXPECT_EQ(from_a + from_b, 10) << "window " << window;
    EXPECT_GT(from_a, 0);
    EXPECT_GT(from_b, 0);
  }
}

TEST_F(SharedRateTest, ANodeAloneGetsTheWholeRate) {
  Limits& a = node();
  std::vector<std::optional<Verdict>> verdicts;
  for (int i = 0; i < 100; ++i) verdicts.push_back(publish(a));
  EXPECT_EQ(allowed(verdicts), 10);
  EXPECT_EQ(verdicts[10], Verdict::tenant_rate);
}

// The windows are fixed, but one node also keeps its own bucket: a burst at the end of one
// window is not followed by another at the start of the next on the same node.
TEST_F(SharedRateTest, ANodeNeverExceedsItsOwnBucketAcrossAWindowBoundary) {
  Limits& a = node();
  now = epoch + milliseconds(990);
  std::vector<std::optional<Verdict>> verdicts;
  for (int i = 0; i < 20; ++i) verdicts.push_back(publish(a));
  EXPECT_EQ(allowed(verdicts), 10);
  std::size_t asks = shared.asked.size();
  now = epoch + milliseconds(1010);  // a new window; the bucket refilled by 0.2 tokens
  EXPECT_EQ(publish(a), Verdict::tenant_rate);
  EXPECT_EQ(shared.asked.size(), asks);  // refused here, the shared budget is not asked
  now = epoch + milliseconds(1100);      // one token again
  EXPECT_EQ(publish(a), Verdict::allow);
}

// Leases start at rate/20, double while a whole lease is spent within its window, stop at
// rate/4; a window left with tokens unspent brings the next lease back to rate/20.
TEST_F(SharedRateTest, LeaseGrowsWhileSpentFastAndShrinksAfterTokensWentUnspent) {
  config.tenants.max_publish_per_second = 100;
  Limits& a = node();
  for (int i = 0; i < 84; ++i) ASSERT_EQ(publish(a), Verdict::allow) << i;
  EXPECT_EQ(wanted(), (std::vector<std::uint32_t>{5, 10, 20, 25, 25}));
  now = epoch + seconds(1);  // 84 of 5+10+20+25+25 spent: one token left when the window ended
  ASSERT_EQ(publish(a), Verdict::allow);
  EXPECT_EQ(shared.asked.back().wanted, 5u);
}

// A lease granting fewer tokens than asked: the window is spent on every node. The node
// refuses without asking again until the window ends.
TEST_F(SharedRateTest, SpentWindowIsRefusedWithoutAskingAgainUntilItEnds) {
  Limits& a = node();
  Limits& b = node();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(publish(a), Verdict::allow);
  EXPECT_EQ(publish(b), Verdict::tenant_rate);
  std::size_t asks = shared.asked.size();
  now = epoch + milliseconds(999);
  EXPECT_EQ(publish(b), Verdict::tenant_rate);
  EXPECT_EQ(shared.asked.size(), asks);
  now = epoch + seconds(1);
  EXPECT_EQ(publish(b), Verdict::allow);
  EXPECT_EQ(shared.asked.size(), asks + 1);
}

// Tokens belong to the window they were granted in: at its end the rest are dropped.
TEST_F(SharedRateTest, UnspentTokensExpireWithTheirWindow) {
  config.tenants.max_publish_per_second = 100;
  Limits& a = node();
  now = epoch + milliseconds(990);
  ASSERT_EQ(publish(a), Verdict::allow);  // a lease of 5, 10 ms before the window ends
  ASSERT_EQ(publish(a), Verdict::allow);
  ASSERT_EQ(shared.asked.size(), 1u);
  now = epoch + seconds(1);
  ASSERT_EQ(publish(a), Verdict::allow);
  EXPECT_EQ(shared.asked.size(), 2u);
}

// Publications that find no token wait for one lease between them; the ones it cannot serve
// wait for the next, larger one.
TEST_F(SharedRateTest, WaitersShareOneLeaseAndTheRestWaitForTheNext) {
  config.tenants.max_publish_per_second = 40;  // leases of 2, then 4
  Limits& a = node();
  shared.deferred = true;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(publish(a), std::nullopt);
  EXPECT_EQ(wanted(), (std::vector<std::uint32_t>{2}));
  shared.answer_waiting();
  EXPECT_EQ(answers, (std::vector<Verdict>{Verdict::allow, Verdict::allow}));
  EXPECT_EQ(wanted(), (std::vector<std::uint32_t>{2, 4}));
  shared.answer_waiting();
  EXPECT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers.back(), Verdict::allow);
  // The rest of the second lease is spent without asking.
  shared.deferred = false;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(publish(a), Verdict::allow);
  EXPECT_EQ(shared.asked.size(), 2u);
}

// A publication that arrives while a lease's answers are handed out (another thread's request)
// queues behind the waiters even though tokens are left: a tenant's publications reach the
// engine in the order they were admitted (pipelined requests get rising offsets).
TEST_F(SharedRateTest, ANewcomerWaitsBehindPublicationsBeingAnswered) {
  config.tenants.max_publish_per_second = 80;  // a first lease of 4
  Limits& a = node();
  shared.deferred = true;
  std::vector<int> published;
  std::function<void(int, std::function<void()>)> publish_as = [&](int id,
                                                                   std::function<void()> then) {
    Verdict verdict = a.admit_publication("tenant:t:c", now);
    if (verdict == Verdict::allow) return published.push_back(id);
    ASSERT_EQ(verdict, Verdict::pending);
    a.admit_publication_later("tenant:t:c", now, [&published, id, then](Verdict later) {
      EXPECT_EQ(later, Verdict::allow);
      published.push_back(id);
      if (then) then();
    });
  };
  publish_as(0, [&] { publish_as(2, {}); });  // arrives while 1 still waits for its answer
  publish_as(1, {});
  shared.answer_waiting();
  EXPECT_EQ(published, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(shared.asked.size(), 1u);  // the lease's tokens served the newcomer too
  publish_as(3, {});                   // nothing waits any more: decided at once
  EXPECT_EQ(published.back(), 3);
}

// More waiters than one window could admit are refused at once.
TEST_F(SharedRateTest, WaitersBeyondTheRateAreRefusedAtOnce) {
  config.tenants.max_publish_per_second = 2;
  Limits& a = node();
  shared.deferred = true;
  EXPECT_EQ(publish(a), std::nullopt);
  EXPECT_EQ(publish(a), std::nullopt);
  EXPECT_EQ(publish(a), Verdict::tenant_rate);
  shared.answer_waiting();
  shared.answer_waiting();
  EXPECT_EQ(answers, (std::vector<Verdict>{Verdict::tenant_rate, Verdict::allow, Verdict::allow}));
}

// Unreachable: the per-node rule (a bucket of `rate` per second) decides at once, and the
// budget is not asked again for a second.
TEST_F(SharedRateTest, UnreachableBudgetLeavesTheLocalRuleForASecond) {
  config.tenants.max_publish_per_second = 2;
  Limits& a = node();
  shared.reachable = false;
  EXPECT_EQ(publish(a), Verdict::allow);
  EXPECT_EQ(publish(a), Verdict::allow);
  EXPECT_EQ(publish(a), Verdict::tenant_rate);
  EXPECT_EQ(shared.asked.size(), 1u);
  EXPECT_EQ(a.rate_fallback_admits(), 2u);
  shared.reachable = true;
  now = epoch + seconds(1);
  EXPECT_EQ(publish(a), Verdict::allow);
  EXPECT_EQ(shared.asked.size(), 2u);
  EXPECT_EQ(a.rate_fallback_admits(), 2u);
}

// A flooded channel (rate_limits) is refused before the tenant's shared budget is asked.
TEST_F(SharedRateTest, ChannelRateIsCheckedBeforeTheSharedBudget) {
  config.rate_limits = {{"tenant:*:d", 1}};
  Limits& a = node();
  EXPECT_EQ(publish(a, "tenant:t:d"), Verdict::allow);
  EXPECT_EQ(publish(a, "tenant:t:d"), Verdict::channel_rate);
  EXPECT_EQ(shared.asked.size(), 1u);
  EXPECT_EQ(publish(a, "tenant:t:e"), Verdict::allow);
}

TEST_F(SharedRateTest, TenantsHaveTheirOwnBudgetAndOverridesApply) {
  config.tenants.overrides = {{"big", 0, 20}};
  Limits& a = node();
  std::vector<std::optional<Verdict>> t, big;
  for (int i = 0; i < 30; ++i) t.push_back(publish(a, "tenant:t:c"));
  for (int i = 0; i < 30; ++i) big.push_back(publish(a, "tenant:big:c"));
  EXPECT_EQ(allowed(t), 10);
  EXPECT_EQ(allowed(big), 20);
  EXPECT_EQ(shared.asked.front().rate, 10u);
  EXPECT_EQ(shared.asked.back().rate, 20u);
}

// Channels without a tenant, and tenants without a rate, never ask the shared budget.
TEST_F(SharedRateTest, NothingIsAskedWithoutATenantRate) {
  config.tenants.overrides = {{"free", 0, 0}};
  Limits& a = node();
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(a.admit_publication("news", now), Verdict::allow);
    EXPECT_EQ(a.admit_publication("tenant:free:c", now), Verdict::allow);
  }
  EXPECT_TRUE(shared.asked.empty());
}

// A sweep while a lease is asked for keeps it: the waiters still get their answer.
TEST_F(SharedRateTest, SweepKeepsALeaseThatIsBeingAskedFor) {
  Limits& a = node();
  shared.deferred = true;
  EXPECT_EQ(publish(a), std::nullopt);
  a.sweep(now + seconds(61));
  shared.answer_waiting();
  EXPECT_EQ(answers, std::vector<Verdict>{Verdict::allow});
}

TEST(RateLeasesTest, LeaseSizesFollowTheRate) {
  EXPECT_EQ(RateLeases::first_lease(1), 1u);
  EXPECT_EQ(RateLeases::first_lease(20), 1u);
  EXPECT_EQ(RateLeases::first_lease(1000), 50u);
  EXPECT_EQ(RateLeases::max_lease(3), 1u);
  EXPECT_EQ(RateLeases::max_lease(20), 5u);
  EXPECT_EQ(RateLeases::max_lease(1000), 250u);
}

}  // namespace
}  // namespace neo::limits
