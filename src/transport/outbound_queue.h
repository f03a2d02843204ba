// OutboundQueue: the bounded queue of messages waiting to be written to one connection.
// A ring of frame references (the bytes are shared with other receivers), bounded by total
// bytes: a push that would exceed the limit is refused and the session disconnects the
// client as slow. Capacity is kept between bursts and released when the queue drains after
// a large one, so idle connections stay small.
#pragma once

#include <cstdint>
#include <vector>

#include "core/frame.h"

namespace neo::transport {

class OutboundQueue {
 public:
  explicit OutboundQueue(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}

  bool push(FrameRef frame) {
    if (bytes_ + frame.size() > max_bytes_) return false;
    if (count_ == ring_.size()) grow();
    bytes_ += frame.size();
    ring_[(head_ + count_++) % ring_.size()] = std::move(frame);
    return true;
  }
  const FrameRef& at(std::size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
  void pop(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      bytes_ -= ring_[head_].size();
      ring_[head_] = FrameRef{};
      head_ = (head_ + 1) % ring_.size();
    }
    count_ -= n;
    if (count_ == 0 && ring_.size() > kKeptCapacity) release();
  }
  // Drops everything after the first `keep` messages (those may be in a write in flight).
  void truncate(std::size_t keep) {
    while (count_ > keep) {
      std::size_t last = (head_ + count_ - 1) % ring_.size();
      bytes_ -= ring_[last].size();
      ring_[last] = FrameRef{};
      --count_;
    }
    if (count_ == 0 && ring_.size() > kKeptCapacity) release();
  }
  void clear() { truncate(0); }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  static constexpr std::size_t kKeptCapacity = 16;
  void grow() {
    std::vector<FrameRef> bigger(ring_.empty() ? 4 : ring_.size() * 2);
    for (std::size_t i = 0; i < count_; ++i)
      bigger[i] = std::move(ring_[(head_ + i) % ring_.size()]);
    ring_ = std::move(bigger);
    head_ = 0;
  }
  void release() {
    ring_ = std::vector<FrameRef>();
    head_ = 0;
  }

  std::vector<FrameRef> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t max_bytes_;
};

}  // namespace neo::transport
