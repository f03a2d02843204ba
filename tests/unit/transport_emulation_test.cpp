#include "transport/emulation.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

namespace neo::transport {
namespace {

struct Recorder final : EmulatedConnection {
  std::vector<std::string> received;
  void take_commands(std::string_view commands) override { received.emplace_back(commands); }
};

TEST(EmulationRequest, ParsesSessionNodeAndData) {
  auto r = parse_emulation_request(R"({"session":"s","node":"n","data":"{\"id\":1}\n{}"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->session, "s");
  EXPECT_EQ(r->node, "n");
  EXPECT_EQ(r->data, "{\"id\":1}\n{}");
}

TEST(EmulationRequest, RefusesWhatIsNotOne) {
  for (const char* bad :
       {"", "[]", "{", R"({"session":1,"node":"n","data":"x"})", R"({"node":"n","data":"x"})",
        R"({"session":"s","node":"n"})", R"({"session":"s","node":"n","data":""})"})
    EXPECT_FALSE(parse_emulation_request(bad)) << bad;
}

TEST(EmulationRegistry, RoutesToTheSessionOnItsExecutor) {
  boost::asio::io_context io;
  EmulationRegistry registry("node-a");
  auto target = std::make_shared<Recorder>();
  std::string session = registry.add(io.get_executor(), target);
  EXPECT_EQ(session.size(), 36u);
  EXPECT_EQ(registry.route({session, "node-a", "cmd"}), EmulationRegistry::Route::delivered);
  EXPECT_TRUE(target->received.empty()) << "delivered on the session's thread, not inline";
  io.run();
  EXPECT_EQ(target->received, std::vector<std::string>{"cmd"});
}

TEST(EmulationRegistry, OtherNodesAndEndedSessionsAreNotDelivered) {
  boost::asio::io_context io;
  EmulationRegistry registry("node-a");
  auto target = std::make_shared<Recorder>();
  std::string session = registry.add(io.get_executor(), target);
  EXPECT_EQ(registry.route({session, "node-b", "cmd"}), EmulationRegistry::Route::other_node);
  EXPECT_EQ(registry.route({"unknown", "node-a", "cmd"}), EmulationRegistry::Route::gone);
  registry.remove(session);
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(registry.route({session, "node-a", "cmd"}), EmulationRegistry::Route::gone);
  io.run();
  EXPECT_TRUE(target->received.empty());
}

TEST(EmulationRegistry, AConnectionGoneBeforeItsTurnReceivesNothing) {
  boost::asio::io_context io;
  EmulationRegistry registry("node-a");
  auto target = std::make_shared<Recorder>();
  std::string session = registry.add(io.get_executor(), target);
  EXPECT_EQ(registry.route({session, "node-a", "cmd"}), EmulationRegistry::Route::delivered);
  std::weak_ptr<Recorder> watch = target;
  target.reset();  // destroyed while the hand-over waits in the queue
  io.run();
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace neo::transport
