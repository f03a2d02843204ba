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
      : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

  // Takes one token if there is one.
  bool take(SteadyTime now) {
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // Full and untouched for a while: safe to forget (a new bucket starts full too).
  bool idle_since(SteadyTime now, std::chrono::seconds idle) {
    refill(now);
    return tokens_ >= burst_ && now - last_touch_ >= idle;
  }

 private:
  void refill(SteadyTime now) {
    if (now > last_) {
      std::chrono::duration<double> elapsed = now - last_;
      tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
      last_ = now;
    }
    last_touch_ = now;
  }

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  SteadyTime last_{};
  SteadyTime last_touch_{};
};

}  // namespace neo::limits
