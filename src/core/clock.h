// Wall-clock helpers. Token expiry is in unix seconds; timers use steady_clock.
//
// Expiry times come from tokens and API calls, so they may be anything an int64 holds: all
// arithmetic on them saturates at the limits instead of overflowing (which is undefined, and in
// practice wraps a far-future deadline into the past).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

namespace neo {

inline std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::int64_t unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using SteadyClock = std::chrono::steady_clock;

// The steady clock in nanoseconds: what frames carry as a publication's acceptance time.
inline std::int64_t steady_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

// Centrifugo treats an expiry more than a year ahead as one year from now.
inline constexpr std::int64_t kMaxExpirySeconds = 365 * 24 * 3600;

constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

constexpr std::int64_t saturating_sub(std::int64_t a, std::int64_t b) {
  std::int64_t difference = 0;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

// `expire_at` (unix seconds), but no later than a year after `now`.
constexpr std::int64_t capped_expiry(std::int64_t expire_at, std::int64_t now) {
  return std::min(expire_at, saturating_add(now, kMaxExpirySeconds));
}

// Whole seconds from `now` until `expire_at`: 0 once passed, at most what a uint32 holds.
constexpr std::uint32_t seconds_until(std::int64_t expire_at, std::int64_t now) {
  constexpr std::int64_t kMaxTtl = std::numeric_limits<std::uint32_t>::max();
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(saturating_sub(expire_at, now), 0, kMaxTtl));
}

// `seconds` after (or, negative, before) `from`; the clock's max (min) when that is beyond what
// it can express.
constexpr SteadyClock::time_point steady_after(SteadyClock::time_point from, std::int64_t seconds) {
  using Ticks = SteadyClock::duration;
  constexpr std::int64_t kTicksPerSecond =
      std::chrono::duration_cast<Ticks>(std::chrono::seconds(1)).count();
  std::int64_t offset = 0;
  if (__builtin_mul_overflow(seconds, kTicksPerSecond, &offset))
    return seconds > 0 ? SteadyClock::time_point::max() : SteadyClock::time_point::min();
  return SteadyClock::time_point(Ticks(saturating_add(from.time_since_epoch().count(), offset)));
}

// The steady-clock moment of `unix_time`, given that `steady_now` and `unix_now` are one moment.
constexpr SteadyClock::time_point steady_time_of(std::int64_t unix_time,
                                                 SteadyClock::time_point steady_now,
                                                 std::int64_t unix_now) {
  return steady_after(steady_now, saturating_sub(unix_time, unix_now));
}

}  // namespace neo
