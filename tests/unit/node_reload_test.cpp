// What a reload applies live and what it leaves for a restart (node/reload.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/reload.h"

namespace neo::node {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(KeepRestartOnly, LiveChangesPassAndRestartOnlyOnesAreNamedAndUndone) {
  config::Config running;
  running.http.tls.cert_file = "a.pem";
  running.http.tls.key_file = "a.key";
  config::Config next = running;
  next.client.token.hmac_secret = "new";  // live
  next.roles.push_back({"r", {"x:*"}, {}});
  next.tenants.max_connections = 7;
  next.http.tls.cert_file = "b.pem";  // new files, TLS still on: live
  next.http.listen = "127.0.0.1:1";   // restart only
  next.engine.type = "redis";
  next.node.threads = 3;
  EXPECT_THAT(keep_restart_only(running, next), ElementsAre("http.listen", "engine", "node"));
  EXPECT_EQ(next.http.listen, running.http.listen);
  EXPECT_EQ(next.engine, running.engine);
  EXPECT_EQ(next.node, running.node);
  EXPECT_EQ(next.client.token.hmac_secret, "new");
  EXPECT_EQ(next.tenants.max_connections, 7u);
  EXPECT_EQ(next.http.tls.cert_file, "b.pem");
}

TEST(KeepRestartOnly, TurningTlsOnOrOffNeedsARestart) {
  config::Config running;
  config::Config next = running;
  next.http.tls.cert_file = "b.pem";
  next.http.tls.key_file = "b.key";
  EXPECT_THAT(keep_restart_only(running, next), ElementsAre("http.tls (on or off)"));
  EXPECT_TRUE(next.http.tls.cert_file.empty());
  EXPECT_THAT(keep_restart_only(running, next), IsEmpty());
}

}  // namespace
}  // namespace neo::node
