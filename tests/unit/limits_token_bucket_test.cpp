// TokenBucket (src/limits/token_bucket.h): `rate` tokens per second, at most `burst`, driven by
// explicit time points so every expectation is exact.
#include <gtest/gtest.h>

#include <chrono>

#include "limits/token_bucket.h"

namespace neo::limits {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime t0 = SteadyTime{} + std::chrono::hours(1000);

// How many tokens the bucket hands out at `now` before refusing.
int drain(TokenBucket& bucket, SteadyTime now) {
  int taken = 0;
  while (taken < 100000 && bucket.take(now)) ++taken;
  return taken;
}

TEST(TokenBucketTest, StartsFullWithBurstTokens) {
  TokenBucket bucket(2, 5, t0);
  EXPECT_EQ(drain(bucket, t0), 5);
}

TEST(TokenBucketTest, BurstIsIndependentOfRate) {
  TokenBucket slow(1, 7, t0);
  EXPECT_EQ(drain(slow, t0), 7);
  TokenBucket fast(1000, 3, t0);
  EXPECT_EQ(drain(fast, t0), 3);
}

TEST(TokenBucketTest, RefusesWhenEmptyAndKeepsRefusingAtTheSameInstant) {
  TokenBucket bucket(10, 3, t0);
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0 + milliseconds(99)));  // 0.99 of a token is not a token
}

TEST(TokenBucketTest, DefaultConstructedBucketNeverGivesAToken) {
  TokenBucket bucket;
  EXPECT_FALSE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0 + seconds(100)));
}

// rate 10/s: one token per 100 ms step, exactly.
TEST(TokenBucketTest, RefillsOneTokenPerTenthOfASecondAtRateTen) {
  TokenBucket bucket(10, 10, t0);
  ASSERT_EQ(drain(bucket, t0), 10);
  SteadyTime now = t0;
  for (int step = 1; step <= 30; ++step) {
    now += milliseconds(100);
    EXPECT_EQ(drain(bucket, now), 1) << "step " << step;
  }
}

// rate 5/s: half a token per 100 ms step, so a token every second step (5 per second).
TEST(TokenBucketTest, RefillsAtRateFiveInHundredMillisecondSteps) {
  TokenBucket bucket(5, 5, t0);
  ASSERT_EQ(drain(bucket, t0), 5);
  SteadyTime now = t0;
  int per_second = 0;
  for (int step = 1; step <= 10; ++step) {
    now += milliseconds(100);
    int got = drain(bucket, now);
    EXPECT_EQ(got, step % 2 == 0 ? 1 : 0) << "step " << step;
    per_second += got;
  }
  EXPECT_EQ(per_second, 5);
}

// Tokens accumulate across steps when nobody takes them: rate 5, 400 ms idle -> 2 tokens.
TEST(TokenBucketTest, UntakenTokensAccumulate) {
  TokenBucket bucket(5, 5, t0);
  ASSERT_EQ(drain(bucket, t0), 5);
  SteadyTime now = t0;
  for (int step = 0; step < 4; ++step) now += milliseconds(100);
  EXPECT_EQ(drain(bucket, now), 2);
}

TEST(TokenBucketTest, OneJumpOfASecondRefillsExactlyRateTokens) {
  TokenBucket bucket(4, 10, t0);
  ASSERT_EQ(drain(bucket, t0), 10);
  EXPECT_EQ(drain(bucket, t0 + seconds(1)), 4);
  EXPECT_EQ(drain(bucket, t0 + seconds(1)), 0);
}

// TokenBucket::refill adds elapsed*rate per call; with rate 1 polled every 100 ms the ten
// increments of 0.1 sum to 0.9999999999999999, so the token due at 1 s only comes at 1.1 s.
// Low severity (one poll late, no drift); should grant exactly one token per second.
TEST(TokenBucketTest, RateOneRefillsATokenAfterTenStepsOfHundredMilliseconds) {
  TokenBucket bucket(1, 1, t0);
  ASSERT_TRUE(bucket.take(t0));
  SteadyTime now = t0;
  for (int step = 1; step <= 9; ++step) {
    now += milliseconds(100);
    EXPECT_FALSE(bucket.take(now)) << "step " << step;
  }
  now += milliseconds(100);
  EXPECT_TRUE(bucket.take(now));  // 1 s after the bucket was emptied
}

TEST(TokenBucketTest, NeverHoldsMoreThanBurst) {
  TokenBucket bucket(10, 3, t0);
  ASSERT_EQ(drain(bucket, t0), 3);
  EXPECT_EQ(drain(bucket, t0 + seconds(3600)), 3);
  // Idle in small steps, checking without taking: still capped.
  TokenBucket stepped(10, 3, t0);
  SteadyTime now = t0;
  for (int step = 0; step < 50; ++step) {
    now += milliseconds(100);
    EXPECT_FALSE(stepped.idle_since(now, seconds(3600)));  // too early to be idle
  }
  EXPECT_EQ(drain(stepped, now), 3);
}

TEST(TokenBucketTest, TimeGoingBackwardsGivesNoTokens) {
  TokenBucket bucket(10, 2, t0 + seconds(10));
  ASSERT_EQ(drain(bucket, t0 + seconds(10)), 2);
  EXPECT_FALSE(bucket.take(t0));
  EXPECT_EQ(drain(bucket, t0 + seconds(10) + milliseconds(100)), 1);
}

TEST(TokenBucketTest, NotIdleBeforeTheIdlePeriod) {
  TokenBucket bucket(10, 10, t0);
  EXPECT_FALSE(bucket.idle_since(t0 + seconds(59), seconds(60)));
}

TEST(TokenBucketTest, NotIdleWhileNotFull) {
  TokenBucket bucket(0.01, 10, t0);  // the 10 taken tokens need 1000 s to come back
  ASSERT_EQ(drain(bucket, t0), 10);
  EXPECT_FALSE(bucket.idle_since(t0 + seconds(61), seconds(60)));
}

TEST(TokenBucketTest, NotIdleRightAfterATake) {
  TokenBucket bucket(10, 10, t0);
  ASSERT_TRUE(bucket.take(t0 + seconds(100)));
  EXPECT_FALSE(bucket.idle_since(t0 + seconds(100), seconds(60)));
  EXPECT_FALSE(bucket.idle_since(t0 + seconds(159), seconds(60)));
}

// TokenBucket::idle_since calls refill(now), which sets last_touch_ = now before the check
// `now - last_touch_ >= idle`: it is never true for idle > 0, so Limits::sweep forgets nothing.
TEST(TokenBucketTest, IdleAfterAFullIdlePeriodSinceTheLastTake) {
  TokenBucket bucket(10, 10, t0);
  ASSERT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.idle_since(t0 + seconds(60), seconds(60)));
  TokenBucket untouched(10, 10, t0);
  EXPECT_TRUE(untouched.idle_since(t0 + seconds(61), seconds(60)));
}

// Same bug: a sweep every second (checking idleness) must not itself count as use.
TEST(TokenBucketTest, CheckingIdlenessIsNotUse) {
  TokenBucket bucket(10, 10, t0);
  ASSERT_TRUE(bucket.take(t0));
  for (int s = 1; s < 60; ++s) EXPECT_FALSE(bucket.idle_since(t0 + seconds(s), seconds(60)));
  EXPECT_TRUE(bucket.idle_since(t0 + seconds(60), seconds(60)));
}

}  // namespace
}  // namespace neo::limits
