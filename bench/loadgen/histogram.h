// Log-linear latency histogram (HDR-like): 32 sub-buckets per power of two, so every recorded
// value is known within ~3%. Recording is one array increment: no allocation, no lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace bench {

inline constexpr int kSubBits = 5;
inline constexpr int kSubBuckets = 1 << kSubBits;
inline constexpr int kBuckets = (64 - kSubBits + 1) * kSubBuckets;

int bucket_of(uint64_t value);
uint64_t bucket_low(int index);   // smallest value of the bucket
uint64_t bucket_high(int index);  // largest value of the bucket

// One writer thread records; the main thread may read concurrently (relaxed atomics).
class Histogram {
 public:
  void record(uint64_t value) {
    auto& b = buckets_[static_cast<size_t>(bucket_of(value))];
    b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (value > max_.load(std::memory_order_relaxed)) max_.store(value, std::memory_order_relaxed);
  }
  uint64_t count(int index) const {
    return buckets_[static_cast<size_t>(index)].load(std::memory_order_relaxed);
  }
  uint64_t max() const { return max_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> max_{0};
};

// The merge of several Histograms, read by the main thread only.
class HistogramSum {
 public:
  void add(const Histogram& h);
  uint64_t total() const { return total_; }
  uint64_t max() const { return max_; }
  // The value at quantile q (0..1), reported as its bucket's upper bound (never optimistic).
  uint64_t quantile(double q) const;

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

}  // namespace bench
