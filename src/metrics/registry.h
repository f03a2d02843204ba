// Registry: counter, gauge and histogram families with fixed label names, stored per thread.
//
// Why not prometheus-cpp (Debian's prometheus-cpp-dev 1.0.1): its Counter::Increment is an
// atomic add on one cell per series shared by every thread, so the I/O threads counting the
// same fan-out series would bounce that cache line between cores on every write batch; its
// Family::Add takes a mutex; and its text serializer has no OpenMetrics. Here every thread
// writes only its own cells (a relaxed load and store, no read-modify-write, no lock) and a
// scrape sums the threads' cells; only registering a new label combination takes a lock, so
// callers resolve the handles once (at start, or once per connection) and keep them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace neo::metrics {

enum class Type : std::uint8_t { counter, gauge, histogram };

// One thread's cells of one registry: chunks of 64-bit cells made on first use and kept until
// the registry goes (a thread that ended keeps its counts). Only the owning thread writes; a
// scrape reads from any thread.
class Cells {
 public:
  static constexpr std::uint32_t kChunkBits = 10;
  static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr std::uint32_t kMaxChunks = 4096;  // 4M cells

  Cells() = default;
  ~Cells();
  Cells(const Cells&) = delete;
  Cells& operator=(const Cells&) = delete;

  // Owner thread only.
  void add(std::uint32_t index, std::uint64_t n) {
    auto& cell = at(index);
    cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void add_double(std::uint32_t index, double value);
  // Any thread.
  std::uint64_t read(std::uint32_t index) const;
  double read_double(std::uint32_t index) const;

 private:
  std::atomic<std::uint64_t>& at(std::uint32_t index) {
    auto* chunk = chunks_[index >> kChunkBits].load(std::memory_order_relaxed);
    if (!chunk) chunk = grow(index >> kChunkBits);
    return chunk[index & (kChunkSize - 1)];
  }
  std::atomic<std::uint64_t>* grow(std::uint32_t chunk);

  std::array<std::atomic<std::atomic<std::uint64_t>*>, kMaxChunks> chunks_{};
};

class Registry;

// Handles: cheap to copy, valid as long as their registry. A default-constructed handle counts
// nothing (for code run without metrics, e.g. unit tests of other modules).
class Counter {
 public:
  Counter() = default;
  Counter(Registry* registry, std::uint32_t slot) : registry_(registry), slot_(slot) {}
  void inc(std::uint64_t n = 1) const;
  explicit operator bool() const { return registry_ != nullptr; }

 private:
  Registry* registry_ = nullptr;
  std::uint32_t slot_ = 0;
};

// A gauge kept as per-thread deltas (connections opened on a thread are closed on it, but the
// sum is right whichever thread adds or takes away).
class Gauge {
 public:
  Gauge() = default;
  Gauge(Registry* registry, std::uint32_t slot) : registry_(registry), slot_(slot) {}
  void add(std::int64_t n) const;
  void inc() const { add(1); }
  void dec() const { add(-1); }

 private:
  Registry* registry_ = nullptr;
  std::uint32_t slot_ = 0;
};

// Cells: one per bucket (not cumulative; the scrape accumulates), +Inf, then the sum.
class Histogram {
 public:
  Histogram() = default;
  Histogram(Registry* registry, std::uint32_t slot, const std::vector<double>* bounds)
      : registry_(registry), slot_(slot), bounds_(bounds) {}
  void observe(double value) const;

 private:
  Registry* registry_ = nullptr;
  std::uint32_t slot_ = 0;
  const std::vector<double>* bounds_ = nullptr;
};

// One label combination of a family and its first cell.
struct Series {
  std::vector<std::string> values;
  std::uint32_t slot;
};

class Family {
 public:
  Family(Registry& registry, std::string name, std::string help, Type type,
         std::vector<std::string> labels, std::vector<double> buckets);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  Type type() const { return type_; }
  const std::vector<std::string>& labels() const { return labels_; }
  const std::vector<double>& buckets() const { return buckets_; }
  // Cells per series: 1, or buckets + 2 for a histogram.
  std::uint32_t width() const { return width_; }
  // Series whose cells are all zero are left out of the exposition (families with many label
  // combinations registered up front, such as messages by transport x frame type x namespace).
  void skip_zero_series() { skip_zero_ = true; }
  bool skips_zero_series() const { return skip_zero_; }

  // The series for `values` (one per label), registered on first use: takes the family's lock.
  std::uint32_t series(std::span<const std::string_view> values);
  Counter counter(std::initializer_list<std::string_view> values);
  Gauge gauge(std::initializer_list<std::string_view> values);
  Histogram histogram(std::initializer_list<std::string_view> values);
  // Registers every combination of `value_sets` (one list per label) in row-major order, in
  // consecutive series: series k of the block starts at the returned slot + k * width().
  std::uint32_t dense(const std::vector<std::vector<std::string>>& value_sets);

  std::vector<Series> snapshot() const;

 private:
  Registry& registry_;
  std::string name_;
  std::string help_;
  Type type_;
  std::vector<std::string> labels_;
  std::vector<double> buckets_;
  std::uint32_t width_;
  bool skip_zero_ = false;
  mutable std::mutex mutex_;
  std::vector<Series> series_;
  std::unordered_map<std::string, std::size_t> index_;  // joined values -> series_
};

// Values computed at scrape time (process figures, sizes of maps other modules own).
struct Sample {
  std::vector<std::string> values;
  double value;
};
struct CallbackFamily {
  std::string name;
  std::string help;
  Type type;  // counter or gauge
  std::vector<std::string> labels;
  std::function<std::vector<Sample>()> collect;
};

class Writer;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  Family& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family& histogram(std::string name, std::string help, std::vector<std::string> labels,
                    std::vector<double> buckets);
  void callback(CallbackFamily family);
  // Written by a scrape-time hook (tenant series, whose label set changes between scrapes).
  using Custom = std::function<void(Writer&)>;
  void custom(std::string name, Custom write);

  // This thread's cells (registered on the thread's first use: one lock per thread).
  Cells& local() {
    thread_local Cache cache;
    if (cache.registry == id_) return *cache.cells;
    return attach(cache);
  }
  std::uint32_t allocate(std::uint32_t cells);

  // Sums over every thread's cells.
  std::uint64_t sum(std::uint32_t slot) const;
  double sum_double(std::uint32_t slot) const;

  void write(Writer& out) const;
  // Family names in registration order (callback and custom ones included).
  std::vector<std::string> names() const;

 private:
  struct Cache {
    std::uint64_t registry = 0;
    Cells* cells = nullptr;
  };
  Cells& attach(Cache& cache);
  Family& add(std::string name, std::string help, Type type, std::vector<std::string> labels,
              std::vector<double> buckets);
  std::vector<const Cells*> threads() const;
  void write_family(Writer& out, const Family& family,
                    const std::vector<const Cells*>& threads) const;

  struct Entry {
    std::unique_ptr<Family> family;
    std::unique_ptr<CallbackFamily> callback;
    std::string custom_name;
    Custom custom;
  };

  const std::uint64_t id_;
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;  // deque: a scrape keeps pointers while families are added
  std::vector<std::unique_ptr<Cells>> cells_;
  std::unordered_map<std::thread::id, Cells*> by_thread_;
  std::uint32_t next_slot_ = 0;
};

}  // namespace neo::metrics
