// Small shared pieces of the load generator: the clock, single-writer counters, limits.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

// CLOCK_MONOTONIC is one clock for every process on the machine, so a timestamp written by the
// publisher can be subtracted from one read by a subscriber thread.
inline uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Written by one thread, read by the main thread while the writer may still run: relaxed
// atomics make that legal without a locked read-modify-write on the hot path.
class Counter {
 public:
  void add(uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void raise_to(uint64_t n) {
    if (n > v_.load(std::memory_order_relaxed)) v_.store(n, std::memory_order_relaxed);
  }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Rate steps are tagged in each payload; per-step statistics live in fixed arrays of this size.
inline constexpr uint32_t kMaxSteps = 48;
// Each subscriber remembers the last sequence number seen from each publisher connection.
inline constexpr uint32_t kMaxPublisherConns = 8;

// Expands "{}" in a channel pattern with the channel index ("tenant:{}:deployments").
std::string channel_name(std::string_view pattern, uint32_t index);

}  // namespace bench
