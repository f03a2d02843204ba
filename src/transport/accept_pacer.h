// What the listener does when accept() fails: which errors mean "out of descriptors or
// memory, wait" (a retry at once would fail again and spin), which are one connection's bad
// luck (retry at once), and which are unexpected; the counters /metrics shows; and the pacing of
// the retries while accepting is paused (AcceptPacer, which the Listener drives and a unit test
// can drive with injected errors).
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace neo::transport {

enum class AcceptFailure : std::uint8_t { emfile, enfile, enobufs, enomem, transient, other };
inline constexpr std::size_t kAcceptFailureKinds = 6;

AcceptFailure classify_accept_error(const boost::system::error_code& ec);
// The metric label: "emfile", "enfile", "enobufs", "enomem", "transient", "other".
std::string_view accept_failure_label(AcceptFailure failure);
// Out of a resource the process or system gets back by itself: pause accepting until it does.
bool is_resource_shortage(AcceptFailure failure);

// Written by the accepting thread, read by /metrics on any thread: relaxed atomics.
struct AcceptStats {
  std::array<std::atomic<std::uint64_t>, kAcceptFailureKinds> errors{};
  std::atomic<std::uint64_t> pauses{0};  // episodes of paused accepting
  std::atomic<bool> paused{false};

  void count(AcceptFailure failure) {
    errors[static_cast<std::size_t>(failure)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t errors_of(AcceptFailure failure) const {
    return errors[static_cast<std::size_t>(failure)].load(std::memory_order_relaxed);
  }
};

// The waits between accept attempts during one episode of failures: kFirst, doubling up to
// kMax; the first success ends the episode.
class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{10};
  static constexpr std::chrono::milliseconds kMax{1000};

  // Counts a failure; returns how long to wait before the next attempt.
  std::chrono::milliseconds on_failure();
  // Ends the episode, if any; returns the failures it counted (0: none was under way).
  std::uint64_t on_success();
  bool in_episode() const { return failures_ > 0; }

 private:
  std::uint64_t failures_ = 0;
  std::chrono::milliseconds next_ = kFirst;
};

// Runs on the accepting thread. After a failed accept: retries at once when the error was one
// connection's (ECONNABORTED...), else pauses: counts an episode, logs it once (warn; error when
// the cause is unexpected), and retries after the backoff's wait, until an accept succeeds
// (logged at info with the failures it took).
class AcceptPacer {
 public:
  explicit AcceptPacer(boost::asio::io_context& io) : timer_(io) {}
  void on_error(const boost::system::error_code& ec, std::function<void()> retry);
  void on_success();
  void stop() { timer_.cancel(); }  // a pending retry is dropped
  const AcceptStats& stats() const { return stats_; }

 private:
  void begin_pause(const boost::system::error_code& ec, AcceptFailure failure);

  boost::asio::steady_timer timer_;
  AcceptBackoff backoff_;
  std::chrono::steady_clock::time_point paused_since_;
  AcceptStats stats_;
};

}  // namespace neo::transport
