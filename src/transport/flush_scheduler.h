// FlushScheduler: per I/O thread (one Asio service per io_context), the connections that have
// something to write, written in slices after the current handler returns.
//
// Why not one posted flush per connection: a publication delivered to N connections then
// queues N flush handlers, and the next publication's delivery waits behind all of them, so
// every publication costs one write per connection however far behind the thread is. Here each
// slice first runs the prelude (the session layer drains the deliveries handed to this thread),
// then writes up to kSliceSize connections. Whatever arrived meanwhile joins the queues of the
// connections not yet written in this round: when the thread is behind, one write carries many
// publications (uWebSockets' cork, NATS's flush of pending clients after a read loop); when it
// is idle, a lone event still leaves at once. Slices keep HTTP requests and reads interleaved
// with a large fan-out, so acknowledging a publication never waits for a whole round.
//
// Rounds are paced by their own cost: the next round starts no sooner than kRestFactor times
// the last round's duration after it ended (at most max_rest later). A busy thread thus spends
// at most a third of its time writing and every write carries what arrived meanwhile, instead
// of one small write per publication per connection (a write costs the same for one message as
// for thirty: the syscall and the receiver's wake-up dominate, BENCHMARKS.md); a thread that
// has been idle that long already starts the next round at once, so no delay is added at low
// load. Measured on S2 with 1k subscribers: factor 0 peaks at ~1k publications/s, 2 at ~2.2k.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace neo::metrics {
class ServerMetrics;
}

namespace neo::transport {

class Flushable {
 public:
  // Writes what the connection has queued (as far as the socket takes it).
  virtual void flush_now() = 0;

 protected:
  ~Flushable() = default;
};

class FlushScheduler final : public boost::asio::execution_context::service {
 public:
  using key_type = FlushScheduler;
  static boost::asio::execution_context::id id;

  using Clock = std::chrono::steady_clock;
  // Connections written per slice before other handlers get the thread.
  static constexpr std::size_t kSliceSize = 256;
  // The longest a round waits for the previous one's cost to pass: bounds the latency pacing
  // adds to a busy thread.
  static constexpr Clock::duration kDefaultMaxRest = std::chrono::milliseconds(20);
  static constexpr int kRestFactor = 2;

  explicit FlushScheduler(boost::asio::execution_context& context);

  // The scheduler of the io_context behind `executor` (created on first use).
  static FlushScheduler& of(const boost::asio::any_io_executor& executor);

  // Runs at the start of every slice, on the owning thread.
  void set_prelude(std::function<void()> prelude) { prelude_ = std::move(prelude); }
  // What the thread's connections count their write batches in (none: nothing is counted).
  void set_metrics(const metrics::ServerMetrics* metrics) { metrics_ = metrics; }
  const metrics::ServerMetrics* metrics() const { return metrics_; }
  // Owning thread only: `connection` is written in this round (the caller adds it once until
  // its flush_now runs).
  void add(std::shared_ptr<Flushable> connection);

  std::size_t waiting() const { return pending_.size() - next_; }
  // True while a round waits for the previous one's cost to pass.
  bool resting() const { return resting_; }
  void set_max_rest(Clock::duration max_rest) { max_rest_ = max_rest; }

 private:
  void shutdown() override;
  void schedule();
  void post_slice();
  void run_slice();
  void end_round(Clock::time_point now);

  boost::asio::any_io_executor executor_;
  std::unique_ptr<boost::asio::steady_timer> rest_timer_;
  std::function<void()> prelude_;
  const metrics::ServerMetrics* metrics_ = nullptr;
  std::vector<std::shared_ptr<Flushable>> pending_;  // written in order from next_
  std::size_t next_ = 0;
  bool scheduled_ = false;
  bool resting_ = false;
  Clock::duration max_rest_ = kDefaultMaxRest;
  Clock::duration round_busy_{};  // time spent in this round's slices so far
  Clock::duration rest_{};        // what the next round waits after round_end_
  Clock::time_point round_end_{};
};

}  // namespace neo::transport
