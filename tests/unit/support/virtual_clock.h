// A virtual clock for one io_context, and ManualTimer, a timer on it with what BasicWsConnection
// uses of steady_timer (expires_after, async_wait, cancel). Time stands still while handlers are
// ready; run_until_idle moves it to the next expiry only when nothing else can run. So a 5 s
// close deadline passes in no real time, and always after everything that was ready before it:
// runs are deterministic, whatever the load of the machine.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace neo::test {

namespace asio = boost::asio;

class VirtualClock final : public asio::execution_context::service {
 public:
  using key_type = VirtualClock;
  static inline asio::execution_context::id id;
  using duration = std::chrono::steady_clock::duration;
  using Handler = std::function<void(boost::system::error_code)>;

  explicit VirtualClock(asio::execution_context& context)
      : asio::execution_context::service(context) {}

  static VirtualClock& of(const asio::any_io_executor& executor) {
    return asio::use_service<VirtualClock>(asio::query(executor, asio::execution::context));
  }

  duration now() const { return now_; }
  std::size_t pending() const { return waits_.size(); }

  void add(const void* timer, duration at, asio::any_io_executor executor, Handler handler) {
    waits_.push_back({timer, at, next_order_++, std::move(executor), std::move(handler)});
  }
  // Completes the waits of `timer` with operation_aborted, as steady_timer does.
  std::size_t cancel(const void* timer) {
    std::size_t cancelled = 0;
    for (std::size_t i = 0; i < waits_.size();) {
      if (waits_[i].timer != timer) {
        ++i;
        continue;
      }
      Wait wait = std::move(waits_[i]);
      waits_.erase(waits_.begin() + static_cast<std::ptrdiff_t>(i));
      complete(std::move(wait), asio::error::operation_aborted);
      ++cancelled;
    }
    return cancelled;
  }
  // Moves time to the earliest expiry and completes that wait; false when none is pending.
  bool advance() {
    if (waits_.empty()) return false;
    std::size_t first = 0;
    for (std::size_t i = 1; i < waits_.size(); ++i) {
      const Wait& a = waits_[i];
      const Wait& b = waits_[first];
      if (a.at < b.at || (a.at == b.at && a.order < b.order)) first = i;
    }
    Wait wait = std::move(waits_[first]);
    waits_.erase(waits_.begin() + static_cast<std::ptrdiff_t>(first));
    if (wait.at > now_) now_ = wait.at;
    complete(std::move(wait), {});
    return true;
  }

 private:
  struct Wait {
    const void* timer;
    duration at;
    std::uint64_t order;
    asio::any_io_executor executor;
    Handler handler;
  };
  static void complete(Wait wait, boost::system::error_code ec) {
    asio::post(wait.executor, [handler = std::move(wait.handler), ec] { handler(ec); });
  }
  // The io_context is going away: drop the waits (their handlers may own what owns a timer,
  // whose destructor then finds nothing left to cancel).
  void shutdown() override {
    std::vector<Wait> dropped = std::move(waits_);
    waits_.clear();
  }

  duration now_{};
  std::uint64_t next_order_ = 0;
  std::vector<Wait> waits_;
};

class ManualTimer {
 public:
  using duration = VirtualClock::duration;

  explicit ManualTimer(const asio::any_io_executor& executor)
      : executor_(executor), clock_(VirtualClock::of(executor)) {}
  ~ManualTimer() { cancel(); }
  ManualTimer(const ManualTimer&) = delete;
  ManualTimer& operator=(const ManualTimer&) = delete;

  std::size_t expires_after(duration after) {
    std::size_t cancelled = cancel();
    expiry_ = clock_.now() + after;
    return cancelled;
  }
  template <class Handler>
  void async_wait(Handler&& handler) {
    clock_.add(this, expiry_, executor_, std::forward<Handler>(handler));
  }
  std::size_t cancel() { return clock_.cancel(this); }

 private:
  asio::any_io_executor executor_;
  VirtualClock& clock_;
  duration expiry_{};
};

// Runs `io` one handler at a time; when none is ready, fires the next virtual timer. Stops when
// neither is left, or after `max_steps` handlers (then something never ends). `after_each` runs
// after every handler with its number, as a handler of its own would (the session acting from
// elsewhere: a timer, a publication). Returns the number of handlers run.
inline std::size_t run_until_idle(asio::io_context& io, std::size_t max_steps,
                                  const std::function<void(std::size_t)>& after_each = {}) {
  VirtualClock& clock = VirtualClock::of(io.get_executor());
  std::size_t steps = 0;
  while (steps < max_steps) {
    io.restart();
    if (io.poll_one() == 0) {
      if (!clock.advance()) break;
      continue;
    }
    if (after_each) after_each(steps);
    ++steps;
  }
  return steps;
}

}  // namespace neo::test
