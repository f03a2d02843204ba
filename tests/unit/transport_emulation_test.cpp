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

// EmulationRequest {node = 1, session = 2, data = 3} as centrifuge-js's protobuf build encodes it.
std::string protobuf_request(std::string_view node, std::string_view session,
                             std::string_view data) {
  std::string out;
  for (auto [field, value] : {std::pair{1, node}, {2, session}, {3, data}}) {
    if (value.empty()) continue;
    out.push_back(static_cast<char>(field << 3 | 2));
    out.push_back(static_cast<char>(value.size()));
    out.append(value);
  }
  return out;
}

TEST(EmulationRequest, ParsesTheProtobufMessage) {
  std::string data("\x02\x08\x05", 3);  // one delimited Command, as bytes
  auto r = parse_emulation_request(protobuf_request("n", "s", data), WireFormat::protobuf);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->node, "n");
  EXPECT_EQ(r->session, "s");
  EXPECT_EQ(r->data, data);
  // Unknown fields (varint and length-delimited) are skipped.
  std::string with_unknown = std::string("\x20\x07\x2a\x01x", 5) +     // varint, bytes
                             std::string("\x25\x01\x02\x03\x04", 5) +  // fixed32
                             std::string("\x29\x01\x02\x03\x04\x05\x06\x07\x08", 9) +  // fixed64
                             protobuf_request("n", "s", "d");
  ASSERT_TRUE(parse_emulation_request(with_unknown, WireFormat::protobuf));
}

TEST(EmulationRequest, RefusesABrokenProtobufMessage) {
  std::string good = protobuf_request("n", "s", "d");
  for (std::string bad : {
           protobuf_request("n", "", "d"),   // no session
           protobuf_request("n", "s", ""),   // no data
           good.substr(0, good.size() - 1),  // a field cut short
           std::string("\x12\x80", 2),       // a truncated length
           std::string("\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01s",
                       13),                        // a length of 11 bytes
           std::string("\x13", 1) + good,          // wire type 3 (a group)
           good + std::string("\x25\x01\x02", 3),  // a fixed32 cut short
           good + std::string("\x29\x01", 2),      // a fixed64 cut short
           std::string("\x16", 1) + good,          // wire type 6 does not exist
       }) {
    EXPECT_FALSE(parse_emulation_request(bad, WireFormat::protobuf)) << testing::PrintToString(bad);
  }
  EXPECT_FALSE(
      parse_emulation_request(R"({"session":"s","node":"n","data":"x"})", WireFormat::protobuf));
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
