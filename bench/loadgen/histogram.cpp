#include "histogram.h"

#include <algorithm>
#include <bit>

namespace bench {

int bucket_of(uint64_t value) {
  if (value < kSubBuckets) return static_cast<int>(value);
  int exponent = 63 - std::countl_zero(value);  // >= kSubBits
  auto sub = static_cast<int>((value >> (exponent - kSubBits)) & (kSubBuckets - 1));
  return (exponent - kSubBits + 1) * kSubBuckets + sub;
}

uint64_t bucket_low(int index) {
  if (index < kSubBuckets) return static_cast<uint64_t>(index);
  int exponent = index / kSubBuckets + kSubBits - 1;
  auto sub = static_cast<uint64_t>(index % kSubBuckets);
  return (uint64_t{1} << exponent) + (sub << (exponent - kSubBits));
}

uint64_t bucket_high(int index) {
  if (index < kSubBuckets) return static_cast<uint64_t>(index);
  int exponent = index / kSubBuckets + kSubBits - 1;
  return bucket_low(index) + (uint64_t{1} << (exponent - kSubBits)) - 1;
}

void HistogramSum::add(const Histogram& h) {
  for (int i = 0; i < kBuckets; ++i) {
    uint64_t c = h.count(i);
    buckets_[static_cast<size_t>(i)] += c;
    total_ += c;
  }
  max_ = std::max(max_, h.max());
}

uint64_t HistogramSum::quantile(double q) const {
  if (total_ == 0) return 0;
  auto rank = static_cast<uint64_t>(q * static_cast<double>(total_));
  if (rank >= total_) rank = total_ - 1;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[static_cast<size_t>(i)];
    if (seen > rank) return std::min(bucket_high(i), max_);
  }
  return max_;
}

}  // namespace bench
