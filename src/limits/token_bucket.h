// TokenBucket: `rate` tokens per second, holding at most `burst`. Plain value, no allocation,
// no lock: used per connection (its own thread) and inside RateLimiter's locked shards.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace neo::limits {

using SteadyTime = std::chrono::steady_clock::time_point;

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate, double burst, SteadyTime now)
      : rate_(rate), burst_(burst), tokens_(burst), last_(now), last_take_(now) {}

  // Takes one token if there is one.
  bool take(SteadyTime now) {
    if (!available(now)) return false;
    tokens_ -= 1.0;
    last_take_ = now;
    return true;
  }
  // Whether take() would succeed now; takes nothing.
  bool available(SteadyTime now) {
    refill(now);
    return tokens_ >= 1.0 - kEpsilon;  // summed refills may land a hair below a whole token
  }
  // Full and not taken from for `idle`: safe to forget (a new bucket starts full too).
  // Asking is not use.
  bool idle_since(SteadyTime now, std::chrono::seconds idle) {
    refill(now);
    return tokens_ >= burst_ - kEpsilon && now - last_take_ >= idle;
  }

 private:
  static constexpr double kEpsilon = 1e-9;
  void refill(SteadyTime now) {
    if (now <= last_) return;
    std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
    last_ = now;
  }

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  SteadyTime last_{};
  SteadyTime last_take_{};
};

}  // namespace neo::limits
