// MemoryEngine: offsets and epochs, bounded history, since/reverse/limit queries, ttl and
// meta-ttl expiry on a fake clock, presence, and the handler's view of publications
// (shared/protocol/behaviour-notes.md §6, client-protocol.md §6).
#include <gtest/gtest.h>

#include <functional>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "engine/memory/memory_engine.h"

namespace neo::engine {
namespace {

using namespace std::chrono_literals;

struct Recorded {
  std::string channel;
  std::string data;
  std::uint64_t pub_offset;
  StreamPosition position;
};

class RecordingHandler final : public EventHandler {
 public:
  void on_publication(std::string_view channel, const Publication& pub,
                      const StreamPosition& position) override {
    publications.push_back({std::string(channel), pub.data, pub.offset, position});
  }
  void on_join(std::string_view channel, const ClientInfo& info) override {
    joins.push_back(std::string(channel) + "/" + info.client);
  }
  void on_leave(std::string_view channel, const ClientInfo& info) override {
    leaves.push_back(std::string(channel) + "/" + info.client);
  }
  std::vector<Recorded> publications;
  std::vector<std::string> joins;
  std::vector<std::string> leaves;
};

class MemoryEngineTest : public ::testing::Test {
 protected:
  MemoryEngineTest() { engine.start(handler); }

  static StreamPosition publish_to(MemoryEngine& engine, std::string_view channel, std::string data,
                                   const HistoryOptions& opts, const Idempotency& idempotency) {
    Publication pub;
    pub.data = std::move(data);
    StreamPosition out{999, "unset"};
    int calls = 0;
    engine.publish(channel, std::move(pub), opts, idempotency, [&](Result<StreamPosition> r) {
      ++calls;
      EXPECT_TRUE(r.ok());
      if (r.ok()) out = r.value();
    });
    EXPECT_EQ(calls, 1);
    return out;
  }
  StreamPosition publish(std::string_view channel, std::string data, const HistoryOptions& opts) {
    return publish_to(engine, channel, std::move(data), opts, Idempotency{});
  }
  StreamPosition publish(std::string_view channel, std::string data) {
    return publish(channel, std::move(data), history);
  }
  StreamPosition publish_keyed(std::string_view channel, std::string data, std::string_view key,
                               const HistoryOptions& opts) {
    return publish_to(engine, channel, std::move(data), opts, Idempotency{key, key_ttl});
  }
  StreamPosition publish_keyed(std::string_view channel, std::string data, std::string_view key) {
    return publish_keyed(channel, std::move(data), key, history);
  }
  std::vector<std::string> handed_data() const {
    std::vector<std::string> out;
    for (const auto& rec : handler.publications) out.push_back(rec.data);
    return out;
  }

  Result<HistoryResult> read(std::string_view channel, HistoryQuery query) {
    return read(channel, query, history);
  }
  Result<HistoryResult> read(std::string_view channel, HistoryQuery query,
                             const HistoryOptions& opts) {
    std::optional<Result<HistoryResult>> out;
    engine.history(channel, query, opts, [&](Result<HistoryResult> r) { out.emplace(r); });
    EXPECT_TRUE(out.has_value());
    return out ? *out : Result<HistoryResult>(Error{0, "no callback"});
  }
  static std::vector<std::uint64_t> offsets(const Result<HistoryResult>& r) {
    std::vector<std::uint64_t> out;
    if (r.ok())
      for (const auto& pub : r->publications) out.push_back(pub.offset);
    return out;
  }
  static HistoryQuery all() { return HistoryQuery{-1, std::nullopt, false}; }

  PresenceStats stats(std::string_view channel) {
    PresenceStats out{999, 999};
    engine.presence_stats(channel, [&](Result<PresenceStats> r) { out = r.value(); });
    return out;
  }

  SteadyClock::time_point now = SteadyClock::time_point{} + 1000h;
  MemoryEngine engine{[this] { return now; }};
  RecordingHandler handler;
  HistoryOptions history{5, 60s, 3600s};
  Duration key_ttl = 300s;
};

bool is_epoch(const std::string& epoch) {
  if (epoch.size() != 8) return false;
  for (char c : epoch)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}

TEST_F(MemoryEngineTest, PublishAssignsConsecutiveOffsetsInOneEpoch) {
  auto p1 = publish("c", "1");
  auto p2 = publish("c", "2");
  auto p3 = publish("c", "3");
  EXPECT_EQ(p1.offset, 1u);
  EXPECT_EQ(p2.offset, 2u);
  EXPECT_EQ(p3.offset, 3u);
  EXPECT_TRUE(is_epoch(p1.epoch)) << p1.epoch;
  EXPECT_EQ(p2.epoch, p1.epoch);
  EXPECT_EQ(p3.epoch, p1.epoch);
}

TEST_F(MemoryEngineTest, ChannelsHaveIndependentStreams) {
  auto a = publish("a", "1");
  publish("a", "2");
  auto b = publish("b", "1");
  EXPECT_EQ(b.offset, 1u);
  EXPECT_NE(a.epoch, b.epoch);
  EXPECT_EQ(engine.stream_count(), 2u);
}

TEST_F(MemoryEngineTest, HistoryIsTrimmedToSize) {
  for (int i = 1; i <= 7; ++i) publish("c", std::to_string(i));
  auto r = read("c", all());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(offsets(r), (std::vector<std::uint64_t>{3, 4, 5, 6, 7}));
  EXPECT_EQ(r->publications.front().data, "3");
  EXPECT_EQ(r->position.offset, 7u);
}

TEST_F(MemoryEngineTest, ForwardSinceReturnsLaterOffsetsAscending) {
  auto top = publish("c", "1");
  for (int i = 2; i <= 5; ++i) top = publish("c", std::to_string(i));
  auto r = read("c", HistoryQuery{-1, StreamPosition{2, top.epoch}, false});
  EXPECT_EQ(offsets(r), (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(r->position, top);
}

TEST_F(MemoryEngineTest, ForwardSinceTopIsEmpty) {
  StreamPosition top;
  for (int i = 1; i <= 3; ++i) top = publish("c", "x");
  auto r = read("c", HistoryQuery{-1, top, false});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->publications.empty());
  EXPECT_EQ(r->position, top);
}

TEST_F(MemoryEngineTest, ForwardSinceWithLimitTakesTheOldestFirst) {
  for (int i = 1; i <= 5; ++i) publish("c", "x");
  auto r = read("c", HistoryQuery{2, StreamPosition{1, ""}, false});
  EXPECT_EQ(offsets(r), (std::vector<std::uint64_t>{2, 3}));
}

TEST_F(MemoryEngineTest, ReverseSinceReturnsEarlierOffsetsDescending) {
  for (int i = 1; i <= 5; ++i) publish("c", "x");
  auto r = read("c", HistoryQuery{-1, StreamPosition{4, ""}, true});
  EXPECT_EQ(offsets(r), (std::vector<std::uint64_t>{3, 2, 1}));
}

TEST_F(MemoryEngineTest, ReverseWithoutSinceIsNewestFirst) {
  for (int i = 1; i <= 5; ++i) publish("c", "x");
  auto r = read("c", HistoryQuery{2, std::nullopt, true});
  EXPECT_EQ(offsets(r), (std::vector<std::uint64_t>{5, 4}));
}

TEST_F(MemoryEngineTest, LimitZeroGivesPositionOnly) {
  StreamPosition top;
  for (int i = 1; i <= 3; ++i) top = publish("c", "x");
  auto r = read("c", HistoryQuery{0, std::nullopt, false});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->publications.empty());
  EXPECT_EQ(r->position, top);
}

TEST_F(MemoryEngineTest, NegativeLimitGivesEverything) {
  for (int i = 1; i <= 4; ++i) publish("c", "x");
  EXPECT_EQ(offsets(read("c", all())), (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST_F(MemoryEngineTest, PositiveLimitCapsTheCount) {
  for (int i = 1; i <= 4; ++i) publish("c", "x");
  EXPECT_EQ(offsets(read("c", HistoryQuery{3, std::nullopt, false})),
            (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST_F(MemoryEngineTest, SinceWithStaleEpochIsError112) {
  publish("c", "x");
  auto r = read("c", HistoryQuery{-1, StreamPosition{0, "stale123"}, false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 112u);
  EXPECT_EQ(r.error().message, "unrecoverable position");
}

TEST_F(MemoryEngineTest, SinceWithEmptyEpochMatchesAnyEpoch) {
  publish("c", "x");
  publish("c", "y");
  EXPECT_EQ(offsets(read("c", HistoryQuery{-1, StreamPosition{1, ""}, false})),
            (std::vector<std::uint64_t>{2}));
}

TEST_F(MemoryEngineTest, HistoryTtlClearsPublicationsButKeepsPosition) {
  publish("c", "1");
  auto top = publish("c", "2");
  now += 61s;
  auto r = read("c", all());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->publications.empty());
  EXPECT_EQ(r->position, top);
  EXPECT_EQ(publish("c", "3"), (StreamPosition{3, top.epoch}));
}

TEST_F(MemoryEngineTest, HistoryTtlIsRenewedByEveryPublish) {
  publish("c", "1");
  now += 40s;
  publish("c", "2");
  now += 40s;  // 80s after the first, 40s after the last
  EXPECT_EQ(offsets(read("c", all())), (std::vector<std::uint64_t>{1, 2}));
}

TEST_F(MemoryEngineTest, MetaTtlExpiryStartsANewEpochAtOffsetZero) {
  auto old = publish("c", "1");
  publish("c", "2");
  now += 3601s;
  auto r = read("c", all());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->publications.empty());
  EXPECT_EQ(r->position.offset, 0u);
  EXPECT_TRUE(is_epoch(r->position.epoch));
  EXPECT_NE(r->position.epoch, old.epoch);
  EXPECT_EQ(publish("c", "3"), (StreamPosition{1, r->position.epoch}));
}

TEST_F(MemoryEngineTest, MetaTtlExpiryOnPublishRestartsOffsets) {
  auto old = publish("c", "1");
  now += 3601s;
  auto fresh = publish("c", "2");
  EXPECT_EQ(fresh.offset, 1u);
  EXPECT_NE(fresh.epoch, old.epoch);
}

TEST_F(MemoryEngineTest, ReadingHistoryRenewsMeta) {
  auto top = publish("c", "1");
  now += 3000s;
  read("c", HistoryQuery{});
  now += 3000s;
  EXPECT_EQ(read("c", HistoryQuery{})->position, top);
}

TEST_F(MemoryEngineTest, ReadingUnknownChannelCreatesEpochAtOffsetZero) {
  auto first = read("fresh", all());
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->publications.empty());
  EXPECT_EQ(first->position.offset, 0u);
  EXPECT_TRUE(is_epoch(first->position.epoch)) << first->position.epoch;
  EXPECT_EQ(engine.stream_count(), 1u);
  EXPECT_EQ(read("fresh", all())->position, first->position);
  EXPECT_EQ(publish("fresh", "x"), (StreamPosition{1, first->position.epoch}));
}

TEST_F(MemoryEngineTest, RemoveHistoryKeepsOffsetAndEpoch) {
  publish("c", "1");
  auto top = publish("c", "2");
  int calls = 0;
  engine.remove_history("c", [&](Result<Unit> r) {
    ++calls;
    EXPECT_TRUE(r.ok());
  });
  EXPECT_EQ(calls, 1);
  auto r = read("c", all());
  EXPECT_TRUE(r->publications.empty());
  EXPECT_EQ(r->position, top);
  EXPECT_EQ(publish("c", "3").offset, 3u);
}

TEST_F(MemoryEngineTest, RemoveHistoryOfUnknownChannelStillAnswers) {
  int calls = 0;
  engine.remove_history("nope", [&](Result<Unit> r) { calls += r.ok(); });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(engine.stream_count(), 0u);
}

TEST_F(MemoryEngineTest, PublishWithoutHistoryHasEmptyPositionAndStillReachesHandler) {
  auto position = publish("nohist", "{\"a\":1}", HistoryOptions{});
  EXPECT_EQ(position, StreamPosition{});
  ASSERT_EQ(handler.publications.size(), 1u);
  EXPECT_EQ(handler.publications[0].channel, "nohist");
  EXPECT_EQ(handler.publications[0].data, "{\"a\":1}");
  EXPECT_EQ(handler.publications[0].pub_offset, 0u);
  EXPECT_EQ(handler.publications[0].position, StreamPosition{});
  EXPECT_EQ(engine.stream_count(), 0u);
}

TEST_F(MemoryEngineTest, HistoryNeedsBothSizeAndTtl) {
  EXPECT_EQ(publish("c", "x", HistoryOptions{5, 0s, 3600s}), StreamPosition{});
  EXPECT_EQ(publish("c", "x", HistoryOptions{0, 60s, 3600s}), StreamPosition{});
}

TEST_F(MemoryEngineTest, HandlerSeesPublicationsInOffsetOrderWithPosition) {
  auto p1 = publish("c", "a");
  publish("c", "b");
  publish("c", "c");
  ASSERT_EQ(handler.publications.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& rec = handler.publications[i];
    EXPECT_EQ(rec.channel, "c");
    EXPECT_EQ(rec.data, std::string(1, static_cast<char>('a' + i)));
    EXPECT_EQ(rec.pub_offset, i + 1);
    EXPECT_EQ(rec.position, (StreamPosition{i + 1, p1.epoch}));
  }
}

TEST_F(MemoryEngineTest, JoinAndLeaveReachHandler) {
  engine.publish_join("c", ClientInfo{"u", "c1", "", ""});
  engine.publish_leave("c", ClientInfo{"u", "c2", "", ""});
  EXPECT_EQ(handler.joins, std::vector<std::string>{"c/c1"});
  EXPECT_EQ(handler.leaves, std::vector<std::string>{"c/c2"});
}

TEST_F(MemoryEngineTest, PresenceStatsCountDistinctUsers) {
  engine.add_presence("c", ClientInfo{"u1", "c1", "", ""});
  engine.add_presence("c", ClientInfo{"u1", "c2", "", ""});
  engine.add_presence("c", ClientInfo{"u2", "c3", "", ""});
  auto s = stats("c");
  EXPECT_EQ(s.num_clients, 3u);
  EXPECT_EQ(s.num_users, 2u);
}

TEST_F(MemoryEngineTest, PresenceRemoveAndReAdd) {
  engine.add_presence("c", ClientInfo{"u1", "c1", "", ""});
  engine.add_presence("c", ClientInfo{"u2", "c2", "", ""});
  engine.add_presence("c", ClientInfo{"u2", "c2", "", ""});  // same client again
  EXPECT_EQ(stats("c").num_clients, 2u);
  engine.remove_presence("c", "c1");
  engine.remove_presence("c", "unknown");
  engine.remove_presence("other", "c2");
  auto s = stats("c");
  EXPECT_EQ(s.num_clients, 1u);
  EXPECT_EQ(s.num_users, 1u);
  engine.remove_presence("c", "c2");
  s = stats("c");
  EXPECT_EQ(s.num_clients, 0u);
  EXPECT_EQ(s.num_users, 0u);
}

TEST_F(MemoryEngineTest, PresenceListsClientInfos) {
  engine.add_presence("c", ClientInfo{"u1", "c1", "{\"n\":1}", ""});
  std::vector<ClientInfo> got;
  engine.presence("c", [&](Result<std::vector<ClientInfo>> r) { got = r.value(); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].user, "u1");
  EXPECT_EQ(got[0].client, "c1");
  EXPECT_EQ(got[0].conn_info, "{\"n\":1}");
  std::vector<ClientInfo> none{ClientInfo{}};
  engine.presence("empty", [&](Result<std::vector<ClientInfo>> r) { none = r.value(); });
  EXPECT_TRUE(none.empty());
}

TEST_F(MemoryEngineTest, PresenceIsPerChannel) {
  engine.add_presence("a", ClientInfo{"u1", "c1", "", ""});
  EXPECT_EQ(stats("b").num_clients, 0u);
}

TEST_F(MemoryEngineTest, MaintainDropsStreamsPastMetaTtl) {
  publish("old", "x");
  now += 1800s;
  publish("young", "x");
  EXPECT_EQ(engine.stream_count(), 2u);
  now += 1801s;  // old: 3601s idle; young: 1801s
  engine.maintain();
  EXPECT_EQ(engine.stream_count(), 1u);
  now += 1800s;
  engine.maintain();
  EXPECT_EQ(engine.stream_count(), 0u);
}

TEST_F(MemoryEngineTest, MaintainClearsExpiredPublicationsButKeepsStream) {
  auto top = publish("c", "x");
  now += 61s;
  engine.maintain();
  EXPECT_EQ(engine.stream_count(), 1u);
  auto r = read("c", all());
  EXPECT_TRUE(r->publications.empty());
  EXPECT_EQ(r->position, top);
}

// ---- idempotent publish (server API idempotency_key) -------------------------------------

TEST_F(MemoryEngineTest, SameKeyTwicePublishesOnceAndAnswersTheFirstPosition) {
  auto first = publish_keyed("c", "1", "k");
  auto again = publish_keyed("c", "2", "k");
  EXPECT_EQ(first, (StreamPosition{1, first.epoch}));
  EXPECT_EQ(again, first);
  EXPECT_EQ(handed_data(), std::vector<std::string>{"1"});
  EXPECT_EQ(offsets(read("c", all())), std::vector<std::uint64_t>{1});
}

TEST_F(MemoryEngineTest, RepeatAnswersTheFirstPositionAfterOtherPublications) {
  auto first = publish_keyed("c", "1", "k");
  publish("c", "2");
  EXPECT_EQ(publish_keyed("c", "3", "k"), first);
  EXPECT_EQ(handed_data(), (std::vector<std::string>{"1", "2"}));
}

TEST_F(MemoryEngineTest, DifferentKeysPublishTwice) {
  auto a = publish_keyed("c", "1", "k1");
  auto b = publish_keyed("c", "2", "k2");
  EXPECT_EQ(a.offset, 1u);
  EXPECT_EQ(b.offset, 2u);
  EXPECT_EQ(handed_data(), (std::vector<std::string>{"1", "2"}));
}

TEST_F(MemoryEngineTest, SameKeyOnAnotherChannelIsAnotherPublication) {
  publish_keyed("a", "1", "k");
  publish_keyed("b", "2", "k");
  // The key is not read as part of the channel name: "a" + "b:k" is not "a:b" + "k".
  publish_keyed("x:y", "3", "k");
  publish_keyed("x", "4", "y:k");
  EXPECT_EQ(handed_data(), (std::vector<std::string>{"1", "2", "3", "4"}));
}

TEST_F(MemoryEngineTest, SameKeyWithoutHistoryAnswersEmptyPositionAndPublishesOnce) {
  EXPECT_EQ(publish_keyed("nohist", "1", "k", HistoryOptions{}), StreamPosition{});
  EXPECT_EQ(publish_keyed("nohist", "2", "k", HistoryOptions{}), StreamPosition{});
  EXPECT_EQ(handed_data(), std::vector<std::string>{"1"});
  EXPECT_EQ(engine.stream_count(), 0u);
}

TEST_F(MemoryEngineTest, KeyIsForgottenWhenItsTtlPasses) {
  auto first = publish_keyed("c", "1", "k");
  now += key_ttl - 1ms;
  EXPECT_EQ(publish_keyed("c", "2", "k"), first);
  now += 1ms;
  EXPECT_EQ(publish_keyed("c", "3", "k").offset, 2u);
  EXPECT_EQ(handed_data(), (std::vector<std::string>{"1", "3"}));
}

TEST_F(MemoryEngineTest, MaintainSweepsExpiredKeys) {
  publish_keyed("c", "1", "old");
  now += key_ttl / 2;
  publish_keyed("c", "2", "young");
  EXPECT_EQ(engine.idempotency_key_count(), 2u);
  now += key_ttl / 2;
  engine.maintain();
  EXPECT_EQ(engine.idempotency_key_count(), 1u);
  now += key_ttl / 2;
  engine.maintain();
  EXPECT_EQ(engine.idempotency_key_count(), 0u);
}

TEST_F(MemoryEngineTest, OldestKeyIsEvictedAtTheCap) {
  MemoryEngine small{[this] { return now; }, 2};
  small.start(handler);
  auto keyed = [&](std::string data, std::string_view key) {
    return publish_to(small, "c", std::move(data), history, Idempotency{key, key_ttl});
  };
  keyed("1", "a");
  keyed("2", "b");
  auto c = keyed("3", "c");  // evicts "a"
  EXPECT_EQ(small.idempotency_key_count(), 2u);
  EXPECT_EQ(keyed("4", "c"), c);
  EXPECT_EQ(keyed("5", "a").offset, 4u);  // forgotten early: published again; evicts "b"
  EXPECT_EQ(keyed("6", "b").offset, 5u);
  EXPECT_EQ(small.idempotency_key_count(), 2u);
  EXPECT_EQ(handed_data(), (std::vector<std::string>{"1", "2", "3", "5", "6"}));
}

TEST_F(MemoryEngineTest, ConcurrentPublishesWithOneKeyPublishOnce) {
  constexpr int kRounds = 200;
  std::vector<StreamPosition> seen[2];
  auto run = [&](int who, std::latch& start) {
    start.arrive_and_wait();
    for (int i = 0; i < kRounds; ++i)
      seen[who].push_back(publish_keyed("c", std::to_string(who), "k" + std::to_string(i)));
  };
  std::latch start(2);
  std::thread a(run, 0, std::ref(start));
  std::thread b(run, 1, std::ref(start));
  a.join();
  b.join();
  EXPECT_EQ(handler.publications.size(), static_cast<std::size_t>(kRounds));
  EXPECT_EQ(seen[0], seen[1]);
}

}  // namespace
}  // namespace neo::engine
