// OutboundQueue (byte-bounded ring of shared frames) and the browser Origin check.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transport/origin.h"
#include "transport/outbound_queue.h"

namespace neo::transport {
namespace {

std::vector<std::string> contents(const OutboundQueue& q) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < q.size(); ++i) out.emplace_back(q.at(i).view());
  return out;
}

TEST(OutboundQueue, StartsEmpty) {
  OutboundQueue q(100);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(OutboundQueue, AcceptsUpToTheByteLimitExactly) {
  OutboundQueue q(10);
  EXPECT_TRUE(q.push(FrameRef("12345")));
  EXPECT_TRUE(q.push(FrameRef("67890")));
  EXPECT_EQ(q.bytes(), 10u);
  EXPECT_EQ(q.size(), 2u);
}

TEST(OutboundQueue, RefusesAPushThatWouldExceedTheLimit) {
  OutboundQueue q(10);
  ASSERT_TRUE(q.push(FrameRef("123456")));
  EXPECT_FALSE(q.push(FrameRef("12345")));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.bytes(), 6u);
  EXPECT_TRUE(q.push(FrameRef("1234")));
  EXPECT_EQ(q.bytes(), 10u);
}

TEST(OutboundQueue, RefusesASingleFrameLargerThanTheLimit) {
  OutboundQueue q(4);
  EXPECT_FALSE(q.push(FrameRef("12345")));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(OutboundQueue, PopFreesBytesForLaterPushes) {
  OutboundQueue q(10);
  q.push(FrameRef("aaaaaaaa"));
  EXPECT_FALSE(q.push(FrameRef("bbb")));
  q.pop(1);
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_TRUE(q.push(FrameRef("bbb")));
  EXPECT_EQ(contents(q), std::vector<std::string>{"bbb"});
}

TEST(OutboundQueue, FifoOrder) {
  OutboundQueue q(1000);
  for (std::string s : {"a", "bb", "ccc"}) q.push(FrameRef(s));
  EXPECT_EQ(contents(q), (std::vector<std::string>{"a", "bb", "ccc"}));
  q.pop(1);
  EXPECT_EQ(contents(q), (std::vector<std::string>{"bb", "ccc"}));
  EXPECT_EQ(q.bytes(), 5u);
}

TEST(OutboundQueue, OrderSurvivesWrapAroundAndGrowth) {
  OutboundQueue q(1000);
  for (int i = 0; i < 4; ++i) q.push(FrameRef(std::to_string(i)));  // fills the first ring
  q.pop(3);                                                         // head moves to 3
  for (int i = 4; i < 7; ++i) q.push(FrameRef(std::to_string(i)));  // wraps to 0..2
  EXPECT_EQ(contents(q), (std::vector<std::string>{"3", "4", "5", "6"}));
  for (int i = 7; i < 20; ++i) q.push(FrameRef(std::to_string(i)));  // grows from a wrapped ring
  std::vector<std::string> expected;
  for (int i = 3; i < 20; ++i) expected.push_back(std::to_string(i));
  EXPECT_EQ(contents(q), expected);
  EXPECT_EQ(q.bytes(), 7u + 10u * 2u);
}

TEST(OutboundQueue, LongRunOfPushPopKeepsOrderAndBytes) {
  OutboundQueue q(1 << 20);
  std::vector<std::string> model;
  std::size_t model_bytes = 0;
  int next = 0;
  for (int round = 0; round < 50; ++round) {
    for (int k = 0; k < (round % 7) + 1; ++k) {
      std::string s = "m" + std::to_string(next++);
      model.push_back(s);
      model_bytes += s.size();
      ASSERT_TRUE(q.push(FrameRef(s)));
    }
    std::size_t n = std::min<std::size_t>(model.size(), (round % 5) + 1);
    for (std::size_t i = 0; i < n; ++i) model_bytes -= model[i].size();
    model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(n));
    q.pop(n);
    ASSERT_EQ(contents(q), model) << "round " << round;
    ASSERT_EQ(q.bytes(), model_bytes);
  }
}

TEST(OutboundQueue, DrainingAfterABigBurstThenReuse) {
  OutboundQueue q(1 << 20);
  for (int i = 0; i < 100; ++i) q.push(FrameRef("x"));
  q.pop(100);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_TRUE(q.push(FrameRef("after")));
  EXPECT_EQ(contents(q), std::vector<std::string>{"after"});
}

TEST(OutboundQueue, ClearEmptiesAndResetsBytes) {
  OutboundQueue q(100);
  q.push(FrameRef("abc"));
  q.push(FrameRef("de"));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(OutboundQueue, TruncateKeepsTheFirstMessages) {
  OutboundQueue q(100);
  for (std::string s : {"a", "bb", "ccc", "dddd"}) q.push(FrameRef(s));
  q.truncate(2);
  EXPECT_EQ(contents(q), (std::vector<std::string>{"a", "bb"}));
  EXPECT_EQ(q.bytes(), 3u);
  q.truncate(5);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_TRUE(q.push(FrameRef("e")));
  EXPECT_EQ(contents(q), (std::vector<std::string>{"a", "bb", "e"}));
}

TEST(OutboundQueue, TruncateAcrossWrapAround) {
  OutboundQueue q(100);
  for (int i = 0; i < 4; ++i) q.push(FrameRef(std::to_string(i)));
  q.pop(2);
  for (int i = 4; i < 6; ++i) q.push(FrameRef(std::to_string(i)));  // ring: 4 5 2 3
  q.truncate(3);
  EXPECT_EQ(contents(q), (std::vector<std::string>{"2", "3", "4"}));
  EXPECT_EQ(q.bytes(), 3u);
  q.truncate(0);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(OutboundQueue, HoldsSharedFrames) {
  OutboundQueue a(100), b(100);
  FrameRef frame("shared");
  a.push(frame);
  b.push(frame);
  EXPECT_EQ(a.at(0).data(), b.at(0).data());
  a.clear();
  EXPECT_EQ(b.at(0).view(), "shared");
}

// ---- origin_allowed ------------------------------------------------------------------------

TEST(OriginAllowed, NoOriginAlwaysPasses) {
  EXPECT_TRUE(origin_allowed("", {}));
  EXPECT_TRUE(origin_allowed("", {"https://a.com"}));
}

TEST(OriginAllowed, EmptyListRefusesAPresentOrigin) {
  EXPECT_FALSE(origin_allowed("https://app.neo-stack.com", {}));
}

TEST(OriginAllowed, StarAllowsAll) {
  EXPECT_TRUE(origin_allowed("https://evil.com", {"*"}));
  EXPECT_TRUE(origin_allowed("null", {"https://x.com", "*"}));
}

TEST(OriginAllowed, ExactEntryMatchesOnlyItself) {
  std::vector<std::string> list{"https://app.neo-stack.com"};
  EXPECT_TRUE(origin_allowed("https://app.neo-stack.com", list));
  EXPECT_FALSE(origin_allowed("http://app.neo-stack.com", list));
  EXPECT_FALSE(origin_allowed("https://app.neo-stack.com.evil.com", list));
  EXPECT_FALSE(origin_allowed("https://app.neo-stack.co", list));
}

TEST(OriginAllowed, MatchIsCaseInsensitive) {
  EXPECT_TRUE(origin_allowed("HTTPS://App.Neo-Stack.COM", {"https://app.neo-stack.com"}));
}

TEST(OriginAllowed, WildcardSubdomainMatches) {
  std::vector<std::string> list{"https://*.neo-stack.com"};
  EXPECT_TRUE(origin_allowed("https://app.neo-stack.com", list));
  EXPECT_TRUE(origin_allowed("https://a.b.neo-stack.com", list));
}

TEST(OriginAllowed, WildcardSubdomainRefusesOtherHosts) {
  std::vector<std::string> list{"https://*.neo-stack.com"};
  EXPECT_FALSE(origin_allowed("https://evil.com", list));
  EXPECT_FALSE(origin_allowed("https://neo-stack.com", list));
  EXPECT_FALSE(origin_allowed("https://neo-stack.com.evil.com", list));
  EXPECT_FALSE(origin_allowed("https://evilneo-stack.com", list));
  EXPECT_FALSE(origin_allowed("http://app.neo-stack.com", list));
  EXPECT_FALSE(origin_allowed("https://app.neo-stack.com:8443", list));
}

TEST(OriginAllowed, AnyEntryOfTheListMayMatch) {
  std::vector<std::string> list{"https://a.com", "https://*.b.com"};
  EXPECT_TRUE(origin_allowed("https://a.com", list));
  EXPECT_TRUE(origin_allowed("https://x.b.com", list));
  EXPECT_FALSE(origin_allowed("https://c.com", list));
}

TEST(OriginAllowed, TrailingStarMatchesAnyPort) {
  std::vector<std::string> list{"http://localhost:*"};
  EXPECT_TRUE(origin_allowed("http://localhost:3000", list));
  EXPECT_FALSE(origin_allowed("http://localhost.evil.com", list));
}

// The '*' of "https://*.neo-stack.com" stands for a subdomain label run; the glob must not let it
// span '/', so an origin whose host is x.evil.com must not pass.
// Regression: before 0f58f8c origin_allowed let "https://x.evil.com/.neo-stack.com" through.
TEST(OriginAllowed, WildcardDoesNotSpanPathSeparator) {
  EXPECT_FALSE(origin_allowed("https://x.evil.com/.neo-stack.com", {"https://*.neo-stack.com"}));
}

}  // namespace
}  // namespace neo::transport
