// Frame/FrameRef: one allocation shared by every copy; the bytes live until the last handle
// goes away (run under ASan, which reports a use-after-free or a leak if counting is wrong).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/frame.h"

namespace neo {
namespace {

TEST(FrameRef, DefaultIsEmptyAndFalse) {
  FrameRef ref;
  EXPECT_FALSE(ref);
  EXPECT_EQ(ref.size(), 0u);
  EXPECT_EQ(ref.data(), nullptr);
  EXPECT_EQ(ref.view(), "");
}

TEST(FrameRef, HoldsACopyOfTheBytes) {
  std::string text = "{\"push\":{}}";
  FrameRef ref(text);
  text[0] = 'X';
  EXPECT_TRUE(ref);
  EXPECT_EQ(ref.size(), 11u);
  EXPECT_EQ(ref.view(), "{\"push\":{}}");
}

TEST(FrameRef, EmptyBytesStillMakeAFrame) {
  FrameRef ref(std::string_view{});
  EXPECT_TRUE(ref);
  EXPECT_EQ(ref.size(), 0u);
  EXPECT_EQ(ref.view(), "");
}

TEST(FrameRef, CopiesShareTheSameBytes) {
  FrameRef a("shared");
  FrameRef b = a;
  FrameRef c;
  c = b;
  EXPECT_EQ(a.data(), b.data());
  EXPECT_EQ(b.data(), c.data());
  EXPECT_EQ(c.view(), "shared");
}

TEST(FrameRef, ViewOutlivesTheOriginalHandle) {
  std::vector<FrameRef> copies;
  {
    FrameRef original("payload");
    for (int i = 0; i < 5; ++i) copies.push_back(original);
  }
  for (const auto& copy : copies) EXPECT_EQ(copy.view(), "payload");
  copies.erase(copies.begin(), copies.begin() + 4);
  EXPECT_EQ(copies.front().view(), "payload");
}

TEST(FrameRef, MoveLeavesTheSourceEmpty) {
  FrameRef a("bytes");
  const char* data = a.data();
  FrameRef b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.view(), "bytes");
}

TEST(FrameRef, MoveAssignReleasesThePreviousFrame) {
  FrameRef a("first");
  FrameRef b("second");
  a = std::move(b);
  EXPECT_EQ(a.view(), "second");
}

TEST(FrameRef, SelfAssignKeepsTheFrame) {
  FrameRef a("self");
  FrameRef& alias = a;
  a = alias;
  EXPECT_EQ(a.view(), "self");
}

TEST(FrameRef, AssigningEmptyReleases) {
  FrameRef a("gone");
  a = FrameRef{};
  EXPECT_FALSE(a);
  EXPECT_EQ(a.view(), "");
}

TEST(Frame, RetainReleaseKeepsBytesUntilLastRelease) {
  Frame* frame = Frame::create("abc");
  frame->retain();
  frame->release();
  EXPECT_EQ(frame->view(), "abc");
  EXPECT_EQ(frame->size(), 3u);
  frame->release();  // frees; ASan would flag a leak otherwise
}

}  // namespace
}  // namespace neo

namespace neo {
namespace {

TEST(FrameCompanion, MadeOnceSharedAndFreedWithTheFrame) {
  FrameRef frame("hello");
  int made = 0;
  auto make = [&] {
    ++made;
    return Frame::create("HELLO");
  };
  const Frame* first = frame.companion(make);
  const Frame* again = FrameRef(frame).companion(make);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, again);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(first->view(), "HELLO");
  EXPECT_EQ(frame.companion([] { return static_cast<Frame*>(nullptr); }), first);
}  // ASan: the companion is released with its frame

TEST(FrameCompanion, NoneWhenTheMakerGivesNone) {
  FrameRef frame("x");
  EXPECT_EQ(frame.companion([] { return static_cast<Frame*>(nullptr); }), nullptr);
}

}  // namespace
}  // namespace neo
