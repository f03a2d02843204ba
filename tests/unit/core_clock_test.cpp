// Time arithmetic on expiries that may be anything an int64 holds: it saturates, never wraps,
// and an expiry is capped at a year from now (issue 10: a token with an enormous exp).
#include "core/clock.h"

#include <gtest/gtest.h>

#include <limits>

namespace neo {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kYear9999 = 253'402'300'799;  // 9999-12-31T23:59:59Z

TEST(ClockTest, SaturatingAddStopsAtTheLimits) {
  EXPECT_EQ(saturating_add(2, 3), 5);
  EXPECT_EQ(saturating_add(-2, -3), -5);
  EXPECT_EQ(saturating_add(kMax, 1), kMax);
  EXPECT_EQ(saturating_add(kMax - 1, kMax), kMax);
  EXPECT_EQ(saturating_add(kMin, -1), kMin);
  EXPECT_EQ(saturating_add(kMin, kMax), -1);
}

TEST(ClockTest, SaturatingSubStopsAtTheLimits) {
  EXPECT_EQ(saturating_sub(2, 3), -1);
  EXPECT_EQ(saturating_sub(kMax, -1), kMax);
  EXPECT_EQ(saturating_sub(0, kMin), kMax);
  EXPECT_EQ(saturating_sub(kMin, 1), kMin);
  EXPECT_EQ(saturating_sub(-2, kMax), kMin);
}

TEST(ClockTest, ExpiryIsCappedAtOneYearFromNow) {
  EXPECT_EQ(kMaxExpirySeconds, 31'536'000);
  EXPECT_EQ(capped_expiry(kYear9999, kNow), kNow + 31'536'000);
  EXPECT_EQ(capped_expiry(kMax, kNow), kNow + 31'536'000);
  EXPECT_EQ(capped_expiry(kNow + (std::int64_t{1} << 32), kNow), kNow + 31'536'000);
  EXPECT_EQ(capped_expiry(kNow + 31'536'001, kNow), kNow + 31'536'000);
  EXPECT_EQ(capped_expiry(kNow + 31'536'000, kNow), kNow + 31'536'000);
  EXPECT_EQ(capped_expiry(kNow + 60, kNow), kNow + 60);
  EXPECT_EQ(capped_expiry(kNow - 60, kNow), kNow - 60);  // past stays past
  EXPECT_EQ(capped_expiry(kMin, kNow), kMin);
  EXPECT_EQ(capped_expiry(kMax, kMax - 5), kMax);  // now + a year saturates too
}

TEST(ClockTest, SecondsUntilFitsAUint32) {
  constexpr std::uint32_t kMaxTtl = std::numeric_limits<std::uint32_t>::max();
  EXPECT_EQ(seconds_until(kNow + 10, kNow), 10u);
  EXPECT_EQ(seconds_until(kNow, kNow), 0u);
  EXPECT_EQ(seconds_until(kNow - 10, kNow), 0u);
  EXPECT_EQ(seconds_until(kMin, kNow), 0u);
  EXPECT_EQ(seconds_until(kNow + (std::int64_t{1} << 32), kNow), kMaxTtl);       // not 0
  EXPECT_EQ(seconds_until(kNow + (std::int64_t{1} << 32) + 10, kNow), kMaxTtl);  // not 10
  EXPECT_EQ(seconds_until(kMax, kNow), kMaxTtl);
  EXPECT_EQ(seconds_until(kMax, kMin), kMaxTtl);
  EXPECT_EQ(seconds_until(capped_expiry(kYear9999, kNow), kNow), 31'536'000u);
}

TEST(ClockTest, SteadyAfterSaturatesInsteadOfWrapping) {
  const SteadyClock::time_point t0(1000s);
  EXPECT_EQ(steady_after(t0, 5), t0 + 5s);
  EXPECT_EQ(steady_after(t0, -5), t0 - 5s);
  EXPECT_EQ(steady_after(t0, kYear9999 - kNow), SteadyClock::time_point::max());
  EXPECT_EQ(steady_after(t0, kMax), SteadyClock::time_point::max());
  EXPECT_EQ(steady_after(t0, kMin), SteadyClock::time_point::min());
  // Seconds that fit in nanoseconds, but not once added to a late `from`.
  EXPECT_EQ(steady_after(SteadyClock::time_point::max() - 1s, 5), SteadyClock::time_point::max());
}

TEST(ClockTest, SteadyTimeOfAUnixTime) {
  const SteadyClock::time_point t0(1000s);
  EXPECT_EQ(steady_time_of(kNow + 30, t0, kNow), t0 + 30s);
  EXPECT_EQ(steady_time_of(kNow - 30, t0, kNow), t0 - 30s);
  EXPECT_EQ(steady_time_of(kYear9999, t0, kNow), SteadyClock::time_point::max());
  EXPECT_EQ(steady_time_of(kMax, t0, kMin), SteadyClock::time_point::max());
  EXPECT_EQ(steady_time_of(kMin, t0, kMax), SteadyClock::time_point::min());
}

}  // namespace
}  // namespace neo
