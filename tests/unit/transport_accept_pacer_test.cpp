// Accept failures (injected error codes): which errors pause accepting, the backoff's waits,
// and AcceptPacer's retries: at once for one connection's error, paced while descriptors are
// exhausted (instead of spinning), one episode however many failures, over at the first
// success. The Listener under a real EMFILE is tests/integration/descriptors.test.mjs.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <functional>
#include <vector>

#include "transport/accept_pacer.h"

namespace neo::transport {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

boost::system::error_code system_error(int value) {
  return {value, boost::system::system_category()};
}

TEST(AcceptErrors, ResourceShortagesPauseTransientOnesDoNot) {
  EXPECT_EQ(classify_accept_error(system_error(EMFILE)), AcceptFailure::emfile);
  EXPECT_EQ(classify_accept_error(system_error(ENFILE)), AcceptFailure::enfile);
  EXPECT_EQ(classify_accept_error(system_error(ENOBUFS)), AcceptFailure::enobufs);
  EXPECT_EQ(classify_accept_error(system_error(ENOMEM)), AcceptFailure::enomem);
  for (auto failure : {AcceptFailure::emfile, AcceptFailure::enfile, AcceptFailure::enobufs,
                       AcceptFailure::enomem}) {
    EXPECT_TRUE(is_resource_shortage(failure));
  }
  for (int transient : {ECONNABORTED, EPERM, EINTR, EPROTO}) {
    EXPECT_EQ(classify_accept_error(system_error(transient)), AcceptFailure::transient);
  }
  EXPECT_EQ(classify_accept_error(system_error(EBADF)), AcceptFailure::other);
  EXPECT_EQ(classify_accept_error(asio::error::make_error_code(asio::error::eof)),
            AcceptFailure::other);
  EXPECT_FALSE(is_resource_shortage(AcceptFailure::transient));
  EXPECT_FALSE(is_resource_shortage(AcceptFailure::other));
  EXPECT_EQ(accept_failure_label(AcceptFailure::emfile), "emfile");
  EXPECT_EQ(accept_failure_label(AcceptFailure::other), "other");
}

TEST(AcceptBackoff, DoublesFromTenMillisecondsToOneSecondAndResetsOnSuccess) {
  AcceptBackoff backoff;
  EXPECT_FALSE(backoff.in_episode());
  EXPECT_EQ(backoff.on_success(), 0u);
  std::vector<long> waits;
  for (int i = 0; i < 9; ++i) waits.push_back(backoff.on_failure().count());
  EXPECT_EQ(waits, (std::vector<long>{10, 20, 40, 80, 160, 320, 640, 1000, 1000}));
  EXPECT_TRUE(backoff.in_episode());
  EXPECT_EQ(backoff.on_success(), 9u);
  EXPECT_FALSE(backoff.in_episode());
  EXPECT_EQ(backoff.on_failure(), milliseconds(10));
}

// Plays the listener: each attempt fails with `error` until `succeed` is set.
struct FakeAccepts {
  explicit FakeAccepts(asio::io_context& io) : pacer(io) {}
  void attempt() {
    ++attempts;
    if (succeed) return pacer.on_success();
    pacer.on_error(error, [this] { attempt(); });
  }
  AcceptPacer pacer;
  boost::system::error_code error = system_error(EMFILE);
  bool succeed = false;
  int attempts = 0;
};

TEST(AcceptPacer, WaitsBetweenAttemptsWhileOutOfDescriptorsAndResumesAtTheFirstSuccess) {
  asio::io_context io(1);
  FakeAccepts accepts(io);
  const auto& stats = accepts.pacer.stats();
  accepts.attempt();
  // Attempts at 0, 10, 30, 70, 150 (310) ms: at most six in 300 ms however slow the machine
  // (timers never fire early); retrying at once would make millions.
  io.run_for(milliseconds(300));
  EXPECT_GE(accepts.attempts, 2);
  EXPECT_LE(accepts.attempts, 6);
  EXPECT_EQ(stats.errors_of(AcceptFailure::emfile), static_cast<std::uint64_t>(accepts.attempts));
  EXPECT_EQ(stats.pauses.load(), 1u);
  EXPECT_TRUE(stats.paused.load());

  accepts.succeed = true;  // descriptors free up: the next attempt (within a second) succeeds
  while (stats.paused.load()) io.run_one();
  EXPECT_EQ(stats.pauses.load(), 1u);
  EXPECT_EQ(stats.errors_of(AcceptFailure::other), 0u);
}

TEST(AcceptPacer, RetriesAtOnceAfterOneConnectionsError) {
  asio::io_context io(1);
  FakeAccepts accepts(io);
  accepts.error = system_error(ECONNABORTED);
  int retries = 0;
  accepts.pacer.on_error(accepts.error, [&] { ++retries; });
  EXPECT_EQ(retries, 1);  // before the io_context ran anything
  EXPECT_EQ(accepts.pacer.stats().errors_of(AcceptFailure::transient), 1u);
  EXPECT_EQ(accepts.pacer.stats().pauses.load(), 0u);
  EXPECT_FALSE(accepts.pacer.stats().paused.load());
}

TEST(AcceptPacer, AnUnexpectedErrorIsPacedToo) {
  asio::io_context io(1);
  FakeAccepts accepts(io);
  accepts.error = system_error(EBADF);
  accepts.attempt();
  io.run_for(milliseconds(100));
  EXPECT_LE(accepts.attempts, 5);
  EXPECT_EQ(accepts.pacer.stats().errors_of(AcceptFailure::other),
            static_cast<std::uint64_t>(accepts.attempts));
  EXPECT_EQ(accepts.pacer.stats().pauses.load(), 1u);
}

TEST(AcceptPacer, StopDropsThePendingRetry) {
  asio::io_context io(1);
  FakeAccepts accepts(io);
  accepts.attempt();
  accepts.pacer.stop();
  io.run_for(milliseconds(50));
  EXPECT_EQ(accepts.attempts, 1);
}

}  // namespace
}  // namespace neo::transport
