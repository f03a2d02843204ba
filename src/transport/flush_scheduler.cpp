#include "transport/flush_scheduler.h"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

namespace neo::transport {

namespace asio = boost::asio;

asio::execution_context::id FlushScheduler::id;

namespace {
// A round larger than this leaves its storage behind when it ends, so a burst of connections
// does not pin memory for good.
constexpr std::size_t kKeptCapacity = 64 * 1024;
}  // namespace

FlushScheduler::FlushScheduler(asio::execution_context& context)
    : asio::execution_context::service(context) {}

FlushScheduler& FlushScheduler::of(const asio::any_io_executor& executor) {
  auto& context = asio::query(executor, asio::execution::context);
  auto& scheduler = asio::use_service<FlushScheduler>(context);
  if (!scheduler.executor_) {
    scheduler.executor_ = executor;
    scheduler.rest_timer_ = std::make_unique<asio::steady_timer>(executor);
  }
  return scheduler;
}

void FlushScheduler::add(std::shared_ptr<Flushable> connection) {
  pending_.push_back(std::move(connection));
  schedule();
}

void FlushScheduler::schedule() {
  if (scheduled_) return;
  scheduled_ = true;
  auto start_at = round_end_ + rest_;
  if (Clock::now() >= start_at) return post_slice();
  resting_ = true;
  rest_timer_->expires_at(start_at);
  rest_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the io_context is shutting down
    resting_ = false;
    run_slice();
  });
}

void FlushScheduler::post_slice() {
  asio::post(executor_, [this] { run_slice(); });
}

// scheduled_ stays set while a slice runs: what is added meanwhile waits for this round.
void FlushScheduler::run_slice() {
  auto started = Clock::now();
  if (prelude_) prelude_();  // may add connections: they join this round
  std::size_t end = std::min(pending_.size(), next_ + kSliceSize);
  for (; next_ < end; ++next_) {
    // Moved out first: flush_now may add this or another connection, growing pending_.
    std::shared_ptr<Flushable> connection = std::move(pending_[next_]);
    connection->flush_now();
  }
  auto now = Clock::now();
  round_busy_ += now - started;
  if (next_ < pending_.size()) return post_slice();
  end_round(now);
}

void FlushScheduler::end_round(Clock::time_point now) {
  scheduled_ = false;
  round_end_ = now;
  rest_ = std::min(round_busy_ * kRestFactor, max_rest_);
  round_busy_ = {};
  next_ = 0;
  if (pending_.capacity() > kKeptCapacity) {
    std::vector<std::shared_ptr<Flushable>>().swap(pending_);
  } else {
    pending_.clear();
  }
}

void FlushScheduler::shutdown() {
  rest_timer_.reset();
  pending_.clear();
  next_ = 0;
  prelude_ = nullptr;
}

}  // namespace neo::transport
