// FlushScheduler: what arrives while a flush round is under way joins the writes of the
// connections the round has not reached yet; a lone message leaves at the next handler; slices
// let other handlers run in between; a round right after a costly one rests first.
#include "transport/flush_scheduler.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace neo::transport {
namespace {

namespace asio = boost::asio;

// Stands for a connection: counts queued messages and the writes that carried them.
class FakeConnection final : public Flushable, public std::enable_shared_from_this<FakeConnection> {
 public:
  explicit FakeConnection(FlushScheduler& scheduler) : scheduler_(scheduler) {}
  void send() {
    ++queued_;
    if (scheduled_) return;
    scheduled_ = true;
    scheduler_.add(shared_from_this());
  }
  void flush_now() override {
    scheduled_ = false;
    if (cost.count()) std::this_thread::sleep_for(cost);
    if (queued_ == 0) return;
    writes.push_back(queued_);
    queued_ = 0;
  }
  std::vector<int> writes;            // messages per write
  std::chrono::milliseconds cost{0};  // how long a write takes

 private:
  FlushScheduler& scheduler_;
  int queued_ = 0;
  bool scheduled_ = false;
};

class FlushSchedulerTest : public ::testing::Test {
 protected:
  FlushSchedulerTest() : scheduler(FlushScheduler::of(io.get_executor())) {}
  std::vector<std::shared_ptr<FakeConnection>> connections(std::size_t n) {
    std::vector<std::shared_ptr<FakeConnection>> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(std::make_shared<FakeConnection>(scheduler));
    return out;
  }
  // A publication handed to the thread: delivered to everyone when the prelude drains.
  void deliver_to(const std::vector<std::shared_ptr<FakeConnection>>& all) {
    for (const auto& c : all) c->send();
  }
  asio::io_context io{1};
  FlushScheduler& scheduler;
};

TEST_F(FlushSchedulerTest, OneSchedulerPerIoContext) {
  EXPECT_EQ(&scheduler, &FlushScheduler::of(io.get_executor()));
  asio::io_context other{1};
  EXPECT_NE(&scheduler, &FlushScheduler::of(other.get_executor()));
}

TEST_F(FlushSchedulerTest, LoneMessageLeavesAtTheNextHandler) {
  auto all = connections(1);
  all[0]->send();
  EXPECT_TRUE(all[0]->writes.empty());  // deferred, never written inside send
  EXPECT_EQ(io.run_one(), 1u);
  EXPECT_EQ(all[0]->writes, std::vector<int>{1});
  EXPECT_EQ(io.poll(), 0u);  // nothing left scheduled
}

TEST_F(FlushSchedulerTest, MessagesQueuedTogetherShareOneWrite) {
  auto all = connections(3);
  for (int i = 0; i < 5; ++i) deliver_to(all);
  io.poll();
  for (const auto& c : all) EXPECT_EQ(c->writes, std::vector<int>{5});
}

TEST_F(FlushSchedulerTest, WritesInSlicesLettingOtherHandlersRunBetween) {
  auto all = connections(FlushScheduler::kSliceSize + 10);
  deliver_to(all);
  bool other_ran = false;
  asio::post(io, [&] { other_ran = true; });  // e.g. the next HTTP request
  EXPECT_EQ(io.run_one(), 1u);                // first slice
  EXPECT_EQ(all[FlushScheduler::kSliceSize - 1]->writes.size(), 1u);
  EXPECT_TRUE(all[FlushScheduler::kSliceSize]->writes.empty());
  EXPECT_EQ(scheduler.waiting(), 10u);
  EXPECT_EQ(io.run_one(), 1u);  // the other handler, before the rest of the round
  EXPECT_TRUE(other_ran);
  io.poll();
  for (const auto& c : all) EXPECT_EQ(c->writes, std::vector<int>{1});
  EXPECT_EQ(scheduler.waiting(), 0u);
}

// The point of the scheduler: a publication that reaches the thread while a round is under
// way (drained by the prelude) is written together with the earlier one by every connection
// the round has not reached, instead of costing each connection a write of its own.
TEST_F(FlushSchedulerTest, ArrivalsDuringARoundJoinItsPendingWrites) {
  const std::size_t n = 2 * FlushScheduler::kSliceSize;
  auto all = connections(n);
  int inbox = 0;  // publications handed over, not yet delivered
  scheduler.set_prelude([&] {
    for (; inbox > 0; --inbox) deliver_to(all);
  });
  deliver_to(all);
  EXPECT_EQ(io.run_one(), 1u);  // first slice: the first half writes publication 1
  inbox = 3;                    // three more arrive meanwhile
  io.poll();
  std::size_t writes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    writes += all[i]->writes.size();
    if (i < FlushScheduler::kSliceSize) {
      EXPECT_EQ(all[i]->writes, (std::vector<int>{1, 3})) << i;
    } else {
      EXPECT_EQ(all[i]->writes, std::vector<int>{4}) << i;  // one write for all four
    }
  }
  EXPECT_EQ(writes, n + FlushScheduler::kSliceSize);  // not 4 * n
}

TEST_F(FlushSchedulerTest, PreludeRunsEvenWhenItBringsTheOnlyWork) {
  auto all = connections(2);
  int inbox = 1;
  scheduler.set_prelude([&] {
    for (; inbox > 0; --inbox) deliver_to(all);
  });
  all[0]->send();  // starts a round; the prelude adds a delivery to both
  io.poll();
  EXPECT_EQ(all[0]->writes, std::vector<int>{2});
  EXPECT_EQ(all[1]->writes, std::vector<int>{1});
}

TEST_F(FlushSchedulerTest, ConnectionsDroppedByTheirOwnersStayAliveUntilWritten) {
  std::weak_ptr<FakeConnection> watch;
  {
    auto all = connections(1);
    all[0]->send();
    watch = all[0];
  }
  EXPECT_FALSE(watch.expired());  // the round holds it
  io.poll();
  EXPECT_TRUE(watch.expired());  // released once written
}

// A busy thread: the round after a costly one waits kRestFactor times that cost, and what
// arrives meanwhile is written together.
TEST_F(FlushSchedulerTest, RoundRightAfterACostlyOneRestsAndCoalesces) {
  using namespace std::chrono_literals;
  scheduler.set_max_rest(10s);  // the cost below decides the rest, not the cap
  auto all = connections(1);
  all[0]->cost = 50ms;
  all[0]->send();
  io.poll();  // a round of >= 50 ms
  ASSERT_EQ(all[0]->writes, std::vector<int>{1});
  auto ended = FlushScheduler::Clock::now();
  all[0]->send();
  all[0]->send();
  EXPECT_TRUE(scheduler.resting());
  io.poll();
  EXPECT_EQ(all[0]->writes.size(), 1u);  // still resting
  all[0]->send();
  io.restart();
  io.run_one();  // the rest timer
  EXPECT_FALSE(scheduler.resting());
  EXPECT_GE(FlushScheduler::Clock::now() - ended, 90ms);  // 2 x 50 ms after the first round
  EXPECT_EQ(all[0]->writes, (std::vector<int>{1, 3}));
}

TEST_F(FlushSchedulerTest, RestIsCappedByMaxRest) {
  using namespace std::chrono_literals;
  scheduler.set_max_rest(5ms);
  auto all = connections(1);
  all[0]->cost = 50ms;  // would mean a 100 ms rest uncapped
  all[0]->send();
  io.poll();
  all[0]->cost = 0ms;
  auto ended = FlushScheduler::Clock::now();
  all[0]->send();
  io.restart();
  io.run_one();
  EXPECT_LT(FlushScheduler::Clock::now() - ended, 90ms);
  EXPECT_EQ(all[0]->writes, (std::vector<int>{1, 1}));
}

// An idle thread adds no delay: once the rest has passed, a new message goes at the next
// handler.
TEST_F(FlushSchedulerTest, AfterTheRestANewRoundStartsAtOnce) {
  using namespace std::chrono_literals;
  scheduler.set_max_rest(10s);
  auto all = connections(1);
  all[0]->cost = 10ms;
  all[0]->send();
  io.poll();
  all[0]->cost = 0ms;
  std::this_thread::sleep_for(40ms);  // longer than 2 x the round
  all[0]->send();
  EXPECT_FALSE(scheduler.resting());
  io.restart();
  EXPECT_EQ(io.poll_one(), 1u);
  EXPECT_EQ(all[0]->writes, (std::vector<int>{1, 1}));
}

}  // namespace
}  // namespace neo::transport
