#include "core/timer_wheel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace neo {
namespace {

using namespace std::chrono_literals;
using Clock = TimerWheel::Clock;

struct Item : TimerWheel::Hook {
  int id = 0;
};

class TimerWheelTest : public ::testing::Test {
 protected:
  Clock::time_point t0 = Clock::time_point(1000s);
  TimerWheel wheel{250ms, 8, t0};  // 2 s horizon
  std::vector<int> fired;

  void advance(Clock::duration by) {
    wheel.advance(t0 + by, [&](TimerWheel::Hook& h) { fired.push_back(static_cast<Item&>(h).id); });
  }
};

TEST_F(TimerWheelTest, FiresOnlyWhatIsDueInSlotOrder) {
  Item a, b, c;
  a.id = 1, b.id = 2, c.id = 3;
  wheel.schedule(b, t0 + 600ms);
  wheel.schedule(a, t0 + 300ms);
  wheel.schedule(c, t0 + 1500ms);
  advance(200ms);
  EXPECT_TRUE(fired.empty());
  advance(500ms);
  EXPECT_EQ(fired, (std::vector<int>{1}));
  advance(750ms);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  EXPECT_FALSE(a.scheduled());
  EXPECT_TRUE(c.scheduled());
  advance(1500ms);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
}

TEST_F(TimerWheelTest, RescheduleMovesAndCancelRemoves) {
  Item a, b;
  a.id = 1, b.id = 2;
  wheel.schedule(a, t0 + 300ms);
  wheel.schedule(a, t0 + 1200ms);  // moved later
  wheel.schedule(b, t0 + 300ms);
  b.unlink();
  advance(1s);
  EXPECT_TRUE(fired.empty());
  advance(1250ms);
  EXPECT_EQ(fired, (std::vector<int>{1}));
}

TEST_F(TimerWheelTest, PastDueFiresAtTheNextAdvance) {
  Item a;
  a.id = 7;
  advance(1s);
  wheel.schedule(a, t0);  // already past
  advance(1250ms);
  EXPECT_EQ(fired, (std::vector<int>{7}));
}

TEST_F(TimerWheelTest, BeyondTheHorizonFiresEarlyInsteadOfWrapping) {
  Item a;
  a.id = 1;
  wheel.schedule(a, t0 + 60s);
  advance(1500ms);
  EXPECT_TRUE(fired.empty());
  advance(2s);  // the farthest slot: early, never after the deadline of a wrapped slot
  EXPECT_EQ(fired, (std::vector<int>{1}));
}

// A due time at the clock's very end (a saturated far-future expiry) goes to the farthest slot
// like any other beyond the horizon; rounding it up to a slot must not overflow.
TEST_F(TimerWheelTest, TheEndOfTimeFiresAtTheHorizon) {
  Item a;
  a.id = 1;
  wheel.schedule(a, Clock::time_point::max());
  advance(1500ms);
  EXPECT_TRUE(fired.empty());
  advance(2s);
  EXPECT_EQ(fired, (std::vector<int>{1}));
}

// A due time before the clock's epoch (a saturated far-past expiry) is simply due: it fires at
// the next advance, not at the horizon.
TEST_F(TimerWheelTest, BeforeTheEpochFiresAtTheNextAdvance) {
  Item a, b;
  a.id = 1, b.id = 2;
  wheel.schedule(a, Clock::time_point(-5s));
  wheel.schedule(b, Clock::time_point::min());
  advance(250ms);
  EXPECT_THAT(fired, ::testing::UnorderedElementsAre(1, 2));
}

TEST_F(TimerWheelTest, FireMayRescheduleOrDestroyTheOwner) {
  auto doomed = std::make_unique<Item>();
  doomed->id = 1;
  Item again;
  again.id = 2;
  wheel.schedule(*doomed, t0 + 250ms);
  wheel.schedule(again, t0 + 250ms);
  int again_count = 0;
  wheel.advance(t0 + 300ms, [&](TimerWheel::Hook& h) {
    auto& item = static_cast<Item&>(h);
    if (item.id == 1) return doomed.reset();
    ++again_count;
    wheel.schedule(item, t0 + 1s);
  });
  EXPECT_EQ(doomed, nullptr);
  EXPECT_EQ(again_count, 1);
  EXPECT_TRUE(again.scheduled());
  advance(1s);
  EXPECT_EQ(fired, (std::vector<int>{2}));
}

TEST_F(TimerWheelTest, LongPauseFiresEverythingOnce) {
  std::vector<Item> items(20);
  for (int i = 0; i < 20; ++i) {
    items[i].id = i;
    wheel.schedule(items[i], t0 + i * 100ms);
  }
  advance(100s);
  EXPECT_EQ(fired.size(), 20u);
  for (const auto& item : items) EXPECT_FALSE(item.scheduled());
}

TEST(TimerWheelLifetime, HooksMayOutliveTheWheel) {
  Item a;
  {
    TimerWheel wheel(250ms, 4, Clock::now());
    wheel.schedule(a, Clock::now() + 500ms);
    EXPECT_TRUE(a.scheduled());
  }
  EXPECT_FALSE(a.scheduled());  // and its destructor touches nothing freed (ASan)
}

}  // namespace
}  // namespace neo
