// Wall-clock helpers. Token expiry is in unix seconds; timers use steady_clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace neo {

inline std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using SteadyClock = std::chrono::steady_clock;

}  // namespace neo
