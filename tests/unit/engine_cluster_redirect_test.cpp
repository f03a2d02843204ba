// MOVED / ASK error replies: well-formed ones, other errors, and every malformed shape with its
// exact problem text.
#include <gtest/gtest.h>

#include "engine/redis/cluster/redirect.h"

namespace neo::engine::redis::cluster {
namespace {

TEST(ClusterRedirect, Moved) {
  auto parsed = parse_redirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(parsed.redirect) << parsed.problem;
  EXPECT_EQ(parsed.redirect->kind, Redirect::Kind::moved);
  EXPECT_EQ(parsed.redirect->slot, 3999);
  EXPECT_EQ(parsed.redirect->to.host, "127.0.0.1");
  EXPECT_EQ(parsed.redirect->to.port, 6381);
  EXPECT_EQ(parsed.redirect->to.text, "redis://127.0.0.1:6381");
}

TEST(ClusterRedirect, Ask) {
  auto parsed = parse_redirect("ASK 0 redis-b.local:7002");
  ASSERT_TRUE(parsed.redirect) << parsed.problem;
  EXPECT_EQ(parsed.redirect->kind, Redirect::Kind::ask);
  EXPECT_EQ(parsed.redirect->slot, 0);
  EXPECT_EQ(parsed.redirect->to.host, "redis-b.local");
  EXPECT_EQ(parsed.redirect->to.port, 7002);
}

TEST(ClusterRedirect, Ipv6AndUnknownHost) {
  auto v6 = parse_redirect("MOVED 16383 ::1:7000");
  ASSERT_TRUE(v6.redirect);
  EXPECT_EQ(v6.redirect->to.host, "::1");
  EXPECT_EQ(v6.redirect->to.port, 7000);
  auto same_host = parse_redirect("MOVED 12 :7001");
  ASSERT_TRUE(same_host.redirect);
  EXPECT_EQ(same_host.redirect->to.host, "");
  EXPECT_EQ(same_host.redirect->to.port, 7001);
}

TEST(ClusterRedirect, OtherErrorsAreNoRedirect) {
  for (auto error :
       {"ERR unknown command", "NOSCRIPT No matching script", "CLUSTERDOWN Hash slot not served",
        "TRYAGAIN Multiple keys request during rehashing of slot", "MOVEDX 1 a:1", ""}) {
    auto parsed = parse_redirect(error);
    EXPECT_FALSE(parsed.redirect) << error;
    EXPECT_EQ(parsed.problem, "") << error;
  }
}

TEST(ClusterRedirect, MalformedRepliesSayWhatIsWrong) {
  struct Case {
    const char* error;
    const char* problem;
  };
  for (auto [error, problem] : {
           Case{"MOVED 3999", "expected <slot> <host>:<port> in \"MOVED 3999\""},
           Case{"MOVED ", "expected <slot> <host>:<port> in \"MOVED \""},
           Case{"ASK 1 a:1 extra", "expected <slot> <host>:<port> in \"ASK 1 a:1 extra\""},
           Case{"MOVED x 127.0.0.1:6381", "bad slot in \"MOVED x 127.0.0.1:6381\""},
           Case{"MOVED -1 127.0.0.1:6381", "bad slot in \"MOVED -1 127.0.0.1:6381\""},
           Case{"MOVED 16384 127.0.0.1:6381", "bad slot in \"MOVED 16384 127.0.0.1:6381\""},
           Case{"MOVED 1 127.0.0.1", "bad endpoint in \"MOVED 1 127.0.0.1\""},
           Case{"ASK 1 127.0.0.1:0", "bad endpoint in \"ASK 1 127.0.0.1:0\""},
           Case{"ASK 1 127.0.0.1:65536", "bad endpoint in \"ASK 1 127.0.0.1:65536\""},
           Case{"ASK 1 127.0.0.1:63a", "bad endpoint in \"ASK 1 127.0.0.1:63a\""},
       }) {
    auto parsed = parse_redirect(error);
    EXPECT_FALSE(parsed.redirect) << error;
    EXPECT_EQ(parsed.problem, problem);
  }
}

}  // namespace
}  // namespace neo::engine::redis::cluster
