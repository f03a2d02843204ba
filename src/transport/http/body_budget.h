// BodyBudget: the bytes of HTTP request bodies one node holds at once, over all connections
// and threads. A body is read only against a lease on it, so the memory bodies take is bounded
// however many clients send at once; a request that finds the budget spent is refused (503)
// before its body is read.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <utility>

namespace neo::transport::http {

class BodyBudget {
 public:
  explicit BodyBudget(std::uint64_t capacity) : capacity_(capacity) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // Bytes taken from the budget, given back when the lease ends.
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : budget_(std::exchange(other.budget_, nullptr)), bytes_(other.bytes_) {}
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        release();
        budget_ = std::exchange(other.budget_, nullptr);
        bytes_ = other.bytes_;
      }
      return *this;
    }
    ~Lease() { release(); }
    std::uint64_t bytes() const { return budget_ ? bytes_ : 0; }
    // Gives back what a body turned out not to need (a chunked body reserved at the limit).
    void shrink_to(std::uint64_t bytes) {
      if (!budget_ || bytes >= bytes_) return;
      budget_->used_.fetch_sub(bytes_ - bytes, std::memory_order_relaxed);
      bytes_ = bytes;
    }

   private:
    friend class BodyBudget;
    Lease(BodyBudget* budget, std::uint64_t bytes) : budget_(budget), bytes_(bytes) {}
    void release() {
      if (budget_) budget_->used_.fetch_sub(bytes_, std::memory_order_relaxed);
      budget_ = nullptr;
    }
    BodyBudget* budget_;
    std::uint64_t bytes_;
  };

  // A lease on `bytes`, or nullopt when that would exceed the capacity.
  std::optional<Lease> try_take(std::uint64_t bytes) {
    std::uint64_t used = used_.load(std::memory_order_relaxed);
    do {
      if (bytes > capacity_ - used) {
        refusals_.fetch_add(1, std::memory_order_relaxed);
        return std::nullopt;
      }
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return Lease(this, bytes);
  }

  std::uint64_t capacity() const { return capacity_; }
  std::uint64_t in_use() const { return used_.load(std::memory_order_relaxed); }
  std::uint64_t refusals() const { return refusals_.load(std::memory_order_relaxed); }

 private:
  const std::uint64_t capacity_;
  std::atomic<std::uint64_t> used_{0};
  std::atomic<std::uint64_t> refusals_{0};
};

}  // namespace neo::transport::http
