// LocalHub (one thread's channel -> subscribers map) and InterestMap (channel -> threads),
// including subscribers that change the hub while a delivery runs (run under ASan).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "hub/interest_map.h"
#include "hub/local_hub.h"

namespace neo::hub {
namespace {

class Recorder final : public Subscriber {
 public:
  void deliver(const Delivery& delivery) override {
    received.emplace_back(delivery.frame.view());
    if (!on_deliver) return;
    auto run = on_deliver;  // a copy: the callback may reset on_deliver
    run();
  }
  std::vector<std::string> received;
  std::function<void()> on_deliver;
};

Delivery message(std::string_view text) {
  return Delivery{DeliveryKind::publication, FrameRef(text), 0, {}};
}

TEST(LocalHub, AddReportsFirstSubscriberOnly) {
  LocalHub hub;
  Recorder a, b;
  EXPECT_TRUE(hub.add("c", &a));
  EXPECT_FALSE(hub.add("c", &b));
  EXPECT_TRUE(hub.add("d", &a));
}

TEST(LocalHub, RemoveReportsLastSubscriberOnly) {
  LocalHub hub;
  Recorder a, b;
  hub.add("c", &a);
  hub.add("c", &b);
  EXPECT_FALSE(hub.remove("c", &a));
  EXPECT_TRUE(hub.remove("c", &b));
  EXPECT_EQ(hub.channel_count(), 0u);
}

TEST(LocalHub, RemovingUnknownIsFalse) {
  LocalHub hub;
  Recorder a, b;
  EXPECT_FALSE(hub.remove("c", &a));
  hub.add("c", &a);
  EXPECT_FALSE(hub.remove("c", &b));
  EXPECT_EQ(hub.subscriber_count("c"), 1u);
}

TEST(LocalHub, ReAddAfterLastRemoveIsFirstAgain) {
  LocalHub hub;
  Recorder a;
  hub.add("c", &a);
  hub.remove("c", &a);
  EXPECT_TRUE(hub.add("c", &a));
}

TEST(LocalHub, CountsChannelsAndSubscribers) {
  LocalHub hub;
  Recorder a, b, c;
  hub.add("x", &a);
  hub.add("x", &b);
  hub.add("y", &c);
  EXPECT_EQ(hub.channel_count(), 2u);
  EXPECT_EQ(hub.subscriber_count("x"), 2u);
  EXPECT_EQ(hub.subscriber_count("y"), 1u);
  EXPECT_EQ(hub.subscriber_count("z"), 0u);
  hub.remove("x", &a);
  EXPECT_EQ(hub.subscriber_count("x"), 1u);
  hub.remove("y", &c);
  EXPECT_EQ(hub.channel_count(), 1u);
}

TEST(LocalHub, ForEachChannelVisitsLiveCounts) {
  LocalHub hub;
  Recorder a, b;
  hub.add("x", &a);
  hub.add("x", &b);
  std::vector<std::pair<std::string, std::uint32_t>> seen;
  hub.for_each_channel(
      [&](const std::string& name, std::uint32_t live) { seen.emplace_back(name, live); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "x");
  EXPECT_EQ(seen[0].second, 2u);
}

TEST(LocalHub, DeliverReachesEverySubscriberOnce) {
  LocalHub hub;
  Recorder a, b, c, other;
  hub.add("ch", &a);
  hub.add("ch", &b);
  hub.add("ch", &c);
  hub.add("elsewhere", &other);
  hub.deliver("ch", message("m1"));
  for (Recorder* r : {&a, &b, &c}) EXPECT_EQ(r->received, std::vector<std::string>{"m1"});
  EXPECT_TRUE(other.received.empty());
}

TEST(LocalHub, DeliverToUnknownChannelDoesNothing) {
  LocalHub hub;
  hub.deliver("none", message("m"));
  EXPECT_EQ(hub.channel_count(), 0u);
}

TEST(LocalHub, DeliveredFrameIsShared) {
  LocalHub hub;
  const char* seen[2] = {nullptr, nullptr};
  struct Peek final : Subscriber {
    explicit Peek(const char*& slot) : slot(slot) {}
    void deliver(const Delivery& d) override { slot = d.frame.data(); }
    const char*& slot;
  } p0(seen[0]), p1(seen[1]);
  hub.add("c", &p0);
  hub.add("c", &p1);
  Delivery d = message("shared");
  hub.deliver("c", d);
  EXPECT_EQ(seen[0], d.frame.data());
  EXPECT_EQ(seen[1], d.frame.data());
}

TEST(LocalHub, SubscriberRemovingItselfDuringDeliver) {
  LocalHub hub;
  Recorder a, b, c;
  hub.add("ch", &a);
  hub.add("ch", &b);
  hub.add("ch", &c);
  b.on_deliver = [&] { EXPECT_FALSE(hub.remove("ch", &b)); };
  hub.deliver("ch", message("m1"));
  EXPECT_EQ(a.received.size(), 1u);
  EXPECT_EQ(b.received.size(), 1u);
  EXPECT_EQ(c.received.size(), 1u);
  EXPECT_EQ(hub.subscriber_count("ch"), 2u);
  hub.deliver("ch", message("m2"));
  EXPECT_EQ(a.received, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(b.received, (std::vector<std::string>{"m1"}));
  EXPECT_EQ(c.received, (std::vector<std::string>{"m1", "m2"}));
}

TEST(LocalHub, SubscriberRemovingALaterOneDuringDeliverSkipsIt) {
  LocalHub hub;
  Recorder a, b, c;
  hub.add("ch", &a);
  hub.add("ch", &b);
  hub.add("ch", &c);
  a.on_deliver = [&] {
    hub.remove("ch", &c);
    a.on_deliver = nullptr;
  };
  hub.deliver("ch", message("m1"));
  EXPECT_EQ(b.received.size(), 1u);
  EXPECT_TRUE(c.received.empty());
  hub.deliver("ch", message("m2"));
  EXPECT_EQ(a.received.size(), 2u);
  EXPECT_EQ(b.received.size(), 2u);
  EXPECT_TRUE(c.received.empty());
  EXPECT_EQ(hub.subscriber_count("ch"), 2u);
}

TEST(LocalHub, SubscriberRemovingAnEarlierOneDuringDeliver) {
  LocalHub hub;
  Recorder a, b, c;
  hub.add("ch", &a);
  hub.add("ch", &b);
  hub.add("ch", &c);
  c.on_deliver = [&] {
    hub.remove("ch", &a);
    c.on_deliver = nullptr;
  };
  hub.deliver("ch", message("m1"));
  hub.deliver("ch", message("m2"));
  EXPECT_EQ(a.received, std::vector<std::string>{"m1"});
  EXPECT_EQ(b.received.size(), 2u);
  EXPECT_EQ(c.received.size(), 2u);
}

TEST(LocalHub, LastSubscriberLeavingDuringDeliverReportsLastAndDropsChannel) {
  LocalHub hub;
  Recorder a, b;
  hub.add("ch", &a);
  hub.add("ch", &b);
  bool last = false;
  a.on_deliver = [&] {
    hub.remove("ch", &a);
    last = hub.remove("ch", &b);
  };
  hub.deliver("ch", message("m1"));
  EXPECT_TRUE(last);
  EXPECT_TRUE(b.received.empty());
  EXPECT_EQ(hub.channel_count(), 0u);
  EXPECT_EQ(hub.subscriber_count("ch"), 0u);
}

TEST(LocalHub, RemoveAndReAddDuringDeliverGetsNextMessagesOnce) {
  LocalHub hub;
  Recorder a, b;
  hub.add("ch", &a);
  hub.add("ch", &b);
  a.on_deliver = [&] {
    a.on_deliver = nullptr;
    hub.remove("ch", &a);
    hub.add("ch", &a);
  };
  hub.deliver("ch", message("m1"));
  hub.deliver("ch", message("m2"));
  EXPECT_EQ(a.received, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(hub.subscriber_count("ch"), 2u);
}

TEST(LocalHub, SubscriberAddedDuringDeliverMissesThatMessage) {
  LocalHub hub;
  Recorder a, late;
  hub.add("ch", &a);
  a.on_deliver = [&] {
    a.on_deliver = nullptr;
    EXPECT_FALSE(hub.add("ch", &late));
  };
  hub.deliver("ch", message("m1"));
  EXPECT_TRUE(late.received.empty());
  hub.deliver("ch", message("m2"));
  EXPECT_EQ(late.received, std::vector<std::string>{"m2"});
  EXPECT_EQ(hub.subscriber_count("ch"), 2u);
}

TEST(LocalHub, ManySubscribersAddedDuringDeliverSurviveVectorGrowth) {
  LocalHub hub;
  Recorder a;
  std::vector<Recorder> added(64);
  hub.add("ch", &a);
  a.on_deliver = [&] {
    a.on_deliver = nullptr;
    for (auto& r : added) hub.add("ch", &r);
  };
  hub.deliver("ch", message("m1"));
  hub.deliver("ch", message("m2"));
  for (auto& r : added) EXPECT_EQ(r.received, std::vector<std::string>{"m2"});
  EXPECT_EQ(hub.subscriber_count("ch"), 65u);
}

TEST(LocalHub, SubscriberChangingOtherChannelsDuringDeliver) {
  LocalHub hub;
  Recorder a, b;
  std::vector<Recorder> extra(100);
  hub.add("ch", &a);
  hub.add("ch", &b);
  a.on_deliver = [&] {
    a.on_deliver = nullptr;
    for (std::size_t i = 0; i < extra.size(); ++i) hub.add("x" + std::to_string(i), &extra[i]);
  };
  hub.deliver("ch", message("m1"));
  EXPECT_EQ(b.received.size(), 1u);
  EXPECT_EQ(hub.channel_count(), 101u);
}

TEST(LocalHub, NestedDeliverOnSameChannel) {
  LocalHub hub;
  Recorder a, b;
  hub.add("ch", &a);
  hub.add("ch", &b);
  a.on_deliver = [&] {
    a.on_deliver = nullptr;
    hub.remove("ch", &b);
    hub.deliver("ch", message("inner"));
  };
  hub.deliver("ch", message("outer"));
  EXPECT_EQ(a.received, (std::vector<std::string>{"outer", "inner"}));
  EXPECT_TRUE(b.received.empty());
  EXPECT_EQ(hub.subscriber_count("ch"), 1u);
}

// ---- InterestMap ---------------------------------------------------------------------------

TEST(InterestMap, OnChangeRunsOnlyForTheFirstThread) {
  InterestMap map;
  std::vector<std::string> changes;
  auto record = [&](std::string_view ch) { changes.emplace_back(ch); };
  EXPECT_TRUE(map.add("c", 0, record));
  EXPECT_FALSE(map.add("c", 3, record));
  EXPECT_FALSE(map.add("c", 0, record));
  EXPECT_EQ(changes, std::vector<std::string>{"c"});
}

TEST(InterestMap, OnChangeRunsOnlyWhenTheLastThreadLeaves) {
  InterestMap map;
  map.add("c", 1);
  map.add("c", 2);
  int calls = 0;
  auto count = [&](std::string_view ch) {
    EXPECT_EQ(ch, "c");
    ++calls;
  };
  EXPECT_FALSE(map.remove("c", 1, count));
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(map.remove("c", 2, count));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(map.remove("c", 2, count));
  EXPECT_EQ(calls, 1);
}

TEST(InterestMap, RemovingAThreadThatNeverAddedKeepsInterest) {
  InterestMap map;
  map.add("c", 1);
  int calls = 0;
  EXPECT_FALSE(map.remove("c", 5, [&](std::string_view) { ++calls; }));
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(map.threads("c").test(1));
}

TEST(InterestMap, ThreadsBitset) {
  InterestMap map;
  map.add("c", 0);
  map.add("c", 7);
  map.add("c", kMaxThreads - 1);
  map.add("d", 2);
  ThreadSet set = map.threads("c");
  EXPECT_EQ(set.count(), 3u);
  EXPECT_TRUE(set.test(0));
  EXPECT_TRUE(set.test(7));
  EXPECT_TRUE(set.test(kMaxThreads - 1));
  EXPECT_FALSE(set.test(2));
  EXPECT_TRUE(map.threads("unknown").none());
  map.remove("c", 7);
  EXPECT_FALSE(map.threads("c").test(7));
  EXPECT_EQ(map.threads("c").count(), 2u);
}

TEST(InterestMap, ChannelIsForgottenAfterLastRemove) {
  InterestMap map;
  map.add("c", 4);
  map.remove("c", 4);
  EXPECT_TRUE(map.threads("c").none());
  int calls = 0;
  EXPECT_TRUE(map.add("c", 4, [&](std::string_view) { ++calls; }));
  EXPECT_EQ(calls, 1);
}

TEST(InterestMap, WorksWithoutOnChange) {
  InterestMap map;
  EXPECT_TRUE(map.add("c", 0));
  EXPECT_TRUE(map.remove("c", 0));
}

}  // namespace
}  // namespace neo::hub
