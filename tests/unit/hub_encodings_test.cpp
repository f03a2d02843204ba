#include "hub/encodings.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/fossil_delta.h"

namespace neo::hub {
namespace {

Publication publication(std::string data, std::uint64_t offset = 7) {
  Publication pub;
  pub.data = std::move(data);
  pub.offset = offset;
  return pub;
}

TEST(Encodings, EachSlotIsMadeOnceAndShared) {
  Encodings e("ch", publication(R"({"a":1})"));
  int made = 0;
  auto make = [&] {
    ++made;
    return FrameRef("protobuf bytes");
  };
  FrameRef first = e.get(Encodings::protobuf, make);
  FrameRef second = e.get(Encodings::protobuf, make);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(first.data(), second.data()) << "the same bytes, not a copy";
  FrameRef other = e.get(Encodings::json_delta_full, [] { return FrameRef("full"); });
  EXPECT_EQ(other.view(), "full");
  EXPECT_NE(other.data(), first.data());
}

TEST(Encodings, ThreadsRacingForASlotAllGetTheOneKept) {
  Encodings e("ch", publication(R"({"a":1})"));
  std::atomic<int> made{0};
  std::vector<const char*> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] {
      FrameRef frame = e.get(Encodings::protobuf, [&] {
        ++made;
        return FrameRef("x" + std::to_string(i));
      });
      seen[i] = frame.data();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(made.load(), 1);
  for (const char* data : seen) EXPECT_EQ(data, seen[0]);
}

TEST(Encodings, NoPatchWithoutABase) {
  Encodings e("ch", publication(std::string(500, 'x')));
  EXPECT_FALSE(e.has_delta_base());
  EXPECT_EQ(e.patch(), nullptr);
}

TEST(Encodings, PatchTurnsThePreviousDataIntoThisOne) {
  std::string before = R"({"rows":[)" + std::string(400, '1') + R"(],"rev":1})";
  std::string after = R"({"rows":[)" + std::string(400, '1') + R"(],"rev":2})";
  Encodings e("ch", publication(after), std::make_shared<const std::string>(before));
  ASSERT_TRUE(e.has_delta_base());
  const std::string* patch = e.patch();
  ASSERT_NE(patch, nullptr);
  EXPECT_LT(patch->size(), after.size() / 4);
  EXPECT_EQ(fossil::apply(before, *patch), after);
  EXPECT_EQ(e.patch(), patch) << "made once";
}

TEST(Encodings, APatchNoSmallerThanTheDataIsNotOffered) {
  Encodings e("ch", publication(R"({"b":2})"), std::make_shared<const std::string>(R"({"a":1})"));
  EXPECT_TRUE(e.has_delta_base());
  EXPECT_EQ(e.patch(), nullptr);
}

}  // namespace
}  // namespace neo::hub
