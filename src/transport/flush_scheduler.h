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
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

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

  // Connections written per slice before other handlers get the thread.
  static constexpr std::size_t kSliceSize = 256;

  explicit FlushScheduler(boost::asio::execution_context& context);

  // The scheduler of the io_context behind `executor` (created on first use).
  static FlushScheduler& of(const boost::asio::any_io_executor& executor);

  // Runs at the start of every slice, on the owning thread.
  void set_prelude(std::function<void()> prelude) { prelude_ = std::move(prelude); }
  // Owning thread only: `connection` is written in this round (the caller adds it once until
  // its flush_now runs).
  void add(std::shared_ptr<Flushable> connection);

  std::size_t waiting() const { return pending_.size() - next_; }

 private:
  void shutdown() override;
  void schedule();
  void post_slice();
  void run_slice();

  boost::asio::any_io_executor executor_;
  std::function<void()> prelude_;
  std::vector<std::shared_ptr<Flushable>> pending_;  // written in order from next_
  std::size_t next_ = 0;
  bool scheduled_ = false;
};

}  // namespace neo::transport
