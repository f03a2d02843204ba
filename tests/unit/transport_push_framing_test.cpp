#include "transport/push_framing.h"

#include <gtest/gtest.h>

#include "transport/stream_connection.h"

namespace neo::transport {
namespace {

TEST(PushFraming, UnwrapsPushesAndLeavesEverythingElse) {
  EXPECT_EQ(bare_push(R"({"push":{"channel":"a","pub":{"data":1}}})"),
            R"({"channel":"a","pub":{"data":1}})");
  EXPECT_EQ(bare_push("{}"), "{}");                                              // a ping
  EXPECT_EQ(bare_push(R"({"id":1,"connect":{}})"), R"({"id":1,"connect":{}})");  // a reply
  EXPECT_EQ(bare_push(R"({"push":)"), R"({"push":)");                            // not a whole push
}

TEST(PushFraming, DisconnectPushEscapesTheReason) {
  FrameRef push = disconnect_push(3503, R"(bye "now")");
  EXPECT_EQ(push.view(), R"({"push":{"disconnect":{"code":3503,"reason":"bye \"now\""}}})");
  EXPECT_EQ(bare_push(push.view()), R"({"disconnect":{"code":3503,"reason":"bye \"now\""}})");
}

TEST(StreamRefusal, StatusesThatBrowsersDoNotRetryInALoop) {
  EXPECT_EQ(http_status_for_disconnect(3500), 401u);  // invalid token
  EXPECT_EQ(http_status_for_disconnect(3005), 401u);  // expired
  EXPECT_EQ(http_status_for_disconnect(3504), 429u);  // tenant connection quota
  EXPECT_EQ(http_status_for_disconnect(3013), 429u);  // too many requests
  EXPECT_EQ(http_status_for_disconnect(3507), 403u);  // permission denied
  EXPECT_EQ(http_status_for_disconnect(3501), 400u);
  EXPECT_EQ(http_status_for_disconnect(3505), 400u);
  EXPECT_EQ(http_status_for_disconnect(3001), 503u);
  EXPECT_EQ(http_status_for_disconnect(3004), 500u);
}

}  // namespace
}  // namespace neo::transport
