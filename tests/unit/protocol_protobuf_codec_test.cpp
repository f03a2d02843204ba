// Client protocol v2, protobuf flavour (proto/client.proto): commands built with the generated
// classes decode as the JSON decoder decodes their JSON twins, malformed input is bad_request,
// and every reply and push is one length-delimited Reply whose fields read back as written.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/client.pb.h"
#include "protocol/codec.h"
#include "protocol/command.h"
#include "protocol/emulation_request.h"

namespace neo::protocol {
namespace {

namespace pb = centrifugal::centrifuge::protocol;
using namespace std::string_literals;
using namespace std::string_view_literals;

const Codec& codec() { return protobuf_codec(); }

// ---- helpers: the wire as centrifuge-js writes and reads it ----------------------------------

// Commands as ProtobufCodec.encodeCommands writes them: each with its varint length.
std::string frame(const std::vector<pb::Command>& commands) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  for (const auto& command : commands)
    EXPECT_TRUE(google::protobuf::util::SerializeDelimitedToZeroCopyStream(command, &stream));
  return out;
}

std::string frame(const pb::Command& command) { return frame(std::vector{command}); }

// Replies as decodeReplies reads them: delimited messages until the bytes run out.
std::vector<pb::Reply> read_replies(std::string_view bytes) {
  google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream in(&stream);
  std::vector<pb::Reply> replies;
  while (true) {
    bool clean_eof = false;
    pb::Reply reply;
    if (!google::protobuf::util::ParseDelimitedFromCodedStream(&reply, &in, &clean_eof)) {
      EXPECT_TRUE(clean_eof) << "not a stream of delimited Replies";
      return replies;
    }
    replies.push_back(std::move(reply));
  }
}

// Exactly one delimited Reply, its prefix spanning the rest.
pb::Reply read_reply(std::string_view bytes) {
  auto replies = read_replies(bytes);
  EXPECT_EQ(replies.size(), 1u);
  return replies.empty() ? pb::Reply{} : replies.front();
}

// A push: a Reply with id 0 and nothing but `push`.
pb::Push read_push(std::string_view bytes) {
  pb::Reply reply = read_reply(bytes);
  EXPECT_EQ(reply.id(), 0u);
  EXPECT_TRUE(reply.has_push());
  pb::Reply rest = reply;
  rest.clear_push();
  EXPECT_EQ(rest.ByteSizeLong(), 0u) << "a push carries nothing else";
  return reply.push();
}

std::vector<Command> decode_ok(std::string_view message) {
  std::vector<Command> out;
  EXPECT_EQ(codec().decode_commands(message, out), DecodeStatus::ok);
  return out;
}

Command decode_one(const pb::Command& command) {
  auto cmds = decode_ok(frame(command));
  EXPECT_EQ(cmds.size(), 1u);
  return cmds.empty() ? Command{} : cmds.front();
}

bool is_bad(std::string_view message) {
  std::vector<Command> out;
  return codec().decode_commands(message, out) == DecodeStatus::bad_request;
}

// The JSON decoder's answer for the same command, to compare with.
Command decode_json(std::string_view line) {
  std::vector<Command> out;
  EXPECT_EQ(decode_commands(line, out), DecodeStatus::ok) << line;
  return out.empty() ? Command{} : out.front();
}

void expect_same_subscribe(const SubscribeRequest& a, const SubscribeRequest& b) {
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.token, b.token);
  EXPECT_EQ(a.data, b.data);
  EXPECT_EQ(a.recover, b.recover);
  EXPECT_EQ(a.positioned, b.positioned);
  EXPECT_EQ(a.recoverable, b.recoverable);
  EXPECT_EQ(a.join_leave, b.join_leave);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.delta, b.delta);
}

void expect_same(const Command& a, const Command& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.token, b.token);
  EXPECT_EQ(a.data, b.data);
  EXPECT_EQ(a.rpc_method, b.rpc_method);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.version, b.version);
  ASSERT_EQ(a.subs.size(), b.subs.size());
  for (std::size_t i = 0; i < a.subs.size(); ++i) {
    EXPECT_EQ(a.subs[i].first, b.subs[i].first);
    expect_same_subscribe(a.subs[i].second, b.subs[i].second);
  }
  expect_same_subscribe(a.subscribe, b.subscribe);
  EXPECT_EQ(a.limit, b.limit);
  EXPECT_EQ(a.has_since, b.has_since);
  EXPECT_EQ(a.since, b.since);
  EXPECT_EQ(a.reverse, b.reverse);
}

// A field appended by hand: tag (number, wire type) and payload, for shapes the generated
// classes cannot write.
std::string varint(std::uint64_t value) {
  std::string out;
  do {
    out += static_cast<char>((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
    value >>= 7;
  } while (value);
  return out;
}
std::string tag(int number, int wire_type) {
  return varint(static_cast<std::uint64_t>(number) << 3 | static_cast<std::uint64_t>(wire_type));
}
std::string len_field(int number, std::string_view payload) {
  return tag(number, 2) + varint(payload.size()) + std::string(payload);
}
std::string delimit(std::string_view message) {
  return varint(message.size()) + std::string(message);
}

// ---- decoding: each method -------------------------------------------------------------------

TEST(ProtobufDecode, ConnectWithSubsMapMatchesJson) {
  pb::Command c;
  c.set_id(1);
  auto& connect = *c.mutable_connect();
  connect.set_token("tok");
  connect.set_data(R"({"a":1})");
  connect.set_name("js");
  connect.set_version("5.8.0");
  (*connect.mutable_headers())["x"] = "y";  // read by nobody, skipped
  auto& b = (*connect.mutable_subs())["b"];
  b.set_recover(true);
  b.set_offset(7);
  b.set_epoch("E");
  (*connect.mutable_subs())["a"].set_recover(false);

  Command cmd = decode_one(c);
  expect_same(
      cmd, decode_json(R"({"connect":{"token":"tok","data":{"a":1},"name":"js","version":"5.8.0",)"
                       R"("subs":{"a":{},"b":{"recover":true,"offset":7,"epoch":"E"}}},"id":1})"));
  ASSERT_EQ(cmd.subs.size(), 2u);  // sorted by channel: a protobuf map keeps no order
  EXPECT_EQ(cmd.subs[0].second.channel, "a");
  EXPECT_EQ(cmd.subs[1].second.channel, "b");
}

TEST(ProtobufDecode, SubsComeSortedByChannel) {
  pb::Command c;
  c.set_id(1);
  const std::vector<std::string> channels{"j", "i", "h", "g", "f", "e", "d", "c", "b", "a"};
  for (const auto& channel : channels) (*c.mutable_connect()->mutable_subs())[channel];
  Command cmd = decode_one(c);
  ASSERT_EQ(cmd.subs.size(), channels.size());
  for (std::size_t i = 0; i < channels.size(); ++i) {
    EXPECT_EQ(cmd.subs[i].first, channels[channels.size() - 1 - i]);
    EXPECT_EQ(cmd.subs[i].second.channel, cmd.subs[i].first);
  }
}

TEST(ProtobufDecode, DataIsCopiedThroughAsBytes) {
  pb::Command c;
  c.set_id(3);
  c.mutable_publish()->set_channel("ch");
  c.mutable_publish()->set_data(std::string("\0\xff not json", 12));
  Command cmd = decode_one(c);
  EXPECT_EQ(cmd.method, Method::publish);
  EXPECT_EQ(cmd.channel, "ch");
  EXPECT_EQ(cmd.data, std::string("\0\xff not json", 12));
}

TEST(ProtobufDecode, SubscribeWithEveryField) {
  pb::Command c;
  c.set_id(2);
  auto& s = *c.mutable_subscribe();
  s.set_channel("news");
  s.set_token("st");
  s.set_data(R"({"d":true})");
  s.set_recover(true);
  s.set_offset(18446744073709551615u);
  s.set_epoch("xyz");
  s.set_delta("fossil");
  s.set_positioned(true);
  s.set_recoverable(true);
  s.set_join_leave(true);
  s.set_flag(1);  // declared, unused

  Command cmd = decode_one(c);
  expect_same(
      cmd,
      decode_json(R"({"subscribe":{"channel":"news","token":"st","data":{"d":true},)"
                  R"("recover":true,"offset":18446744073709551615,"epoch":"xyz",)"
                  R"("delta":"fossil","positioned":true,"recoverable":true,"join_leave":true},)"
                  R"("id":2})"));
  EXPECT_EQ(cmd.channel, "news");
  EXPECT_EQ(cmd.subscribe.offset, 18446744073709551615u);
}

TEST(ProtobufDecode, HistoryWithSinceLimitReverse) {
  pb::Command c;
  c.set_id(9);
  auto& h = *c.mutable_history();
  h.set_channel("h");
  h.set_limit(-1);
  h.set_reverse(true);
  h.mutable_since()->set_offset(4);
  h.mutable_since()->set_epoch("E");
  expect_same(decode_one(c), decode_json(R"({"history":{"channel":"h","limit":-1,"reverse":true,)"
                                         R"("since":{"offset":4,"epoch":"E"}},"id":9})"));

  h.clear_since();
  Command without = decode_one(c);
  EXPECT_FALSE(without.has_since);
  h.mutable_since();  // present but empty: since the start of the epoch ""
  Command empty_since = decode_one(c);
  EXPECT_TRUE(empty_since.has_since);
  EXPECT_EQ(empty_since.since, StreamPosition{});
}

TEST(ProtobufDecode, EveryOtherMethodMatchesJson) {
  struct Case {
    std::function<void(pb::Command&)> build;
    std::string_view json;
  };
  const Case cases[] = {
      {[](pb::Command& c) { c.mutable_unsubscribe()->set_channel("u"); },
       R"({"unsubscribe":{"channel":"u"},"id":4})"},
      {[](pb::Command& c) {
         c.mutable_publish()->set_channel("p");
         c.mutable_publish()->set_data("[1]");
       },
       R"({"publish":{"channel":"p","data":[1]},"id":4})"},
      {[](pb::Command& c) { c.mutable_presence()->set_channel("pr"); },
       R"({"presence":{"channel":"pr"},"id":4})"},
      {[](pb::Command& c) { c.mutable_presence_stats()->set_channel("ps"); },
       R"({"presence_stats":{"channel":"ps"},"id":4})"},
      {[](pb::Command& c) {
         c.mutable_rpc()->set_method("time");
         c.mutable_rpc()->set_data("{}");
       },
       R"({"rpc":{"method":"time","data":{}},"id":4})"},
      {[](pb::Command& c) { c.mutable_refresh()->set_token("rt"); },
       R"({"refresh":{"token":"rt"},"id":4})"},
      {[](pb::Command& c) {
         c.mutable_sub_refresh()->set_channel("sr");
         c.mutable_sub_refresh()->set_token("st");
       },
       R"({"sub_refresh":{"channel":"sr","token":"st"},"id":4})"},
      // An empty channel decodes: the session answers it with 3501, for both encodings.
      {[](pb::Command& c) { c.mutable_unsubscribe(); }, R"({"unsubscribe":{},"id":4})"},
  };
  for (const auto& test : cases) {
    SCOPED_TRACE(test.json);
    pb::Command c;
    c.set_id(4);
    test.build(c);
    expect_same(decode_one(c), decode_json(test.json));
  }
}

TEST(ProtobufDecode, SendHasNoId) {
  pb::Command c;
  c.mutable_send()->set_data(R"({"m":1})");
  Command cmd = decode_one(c);
  EXPECT_EQ(cmd.method, Method::send);
  EXPECT_EQ(cmd.id, 0u);
  EXPECT_EQ(cmd.data, R"({"m":1})");
}

// ---- decoding: precedence, pong, unknown -----------------------------------------------------

TEST(ProtobufDecode, FirstRequestInCentrifugoOrderWins) {
  using Set = std::function<void(pb::Command&)>;
  const std::pair<Method, Set> order[] = {
      {Method::connect, [](pb::Command& c) { c.mutable_connect()->set_token("t"); }},
      {Method::subscribe, [](pb::Command& c) { c.mutable_subscribe()->set_channel("s"); }},
      {Method::unsubscribe, [](pb::Command& c) { c.mutable_unsubscribe()->set_channel("u"); }},
      {Method::publish, [](pb::Command& c) { c.mutable_publish()->set_channel("p"); }},
      {Method::presence, [](pb::Command& c) { c.mutable_presence()->set_channel("pr"); }},
      {Method::presence_stats,
       [](pb::Command& c) { c.mutable_presence_stats()->set_channel("ps"); }},
      {Method::history, [](pb::Command& c) { c.mutable_history()->set_channel("h"); }},
      {Method::rpc, [](pb::Command& c) { c.mutable_rpc()->set_method("m"); }},
      {Method::send, [](pb::Command& c) { c.mutable_send()->set_data("d"); }},
      {Method::refresh, [](pb::Command& c) { c.mutable_refresh()->set_token("r"); }},
      {Method::sub_refresh, [](pb::Command& c) { c.mutable_sub_refresh()->set_channel("sr"); }},
  };
  // Requests i..end set at once: request i wins, whatever follows it.
  for (std::size_t i = 0; i < std::size(order); ++i) {
    pb::Command c;
    c.set_id(11);
    for (std::size_t j = i; j < std::size(order); ++j) order[j].second(c);
    EXPECT_EQ(decode_one(c).method, order[i].first) << "from request " << i;
  }
}

TEST(ProtobufDecode, EmptyRequestStillCountsAsSet) {
  pb::Command c;
  c.set_id(5);
  c.mutable_presence();
  EXPECT_EQ(decode_one(c).method, Method::presence);
}

TEST(ProtobufDecode, EmptyCommandIsPong) {
  // What centrifuge-js sends for a pong: encodeCommands([{}]), a zero-length Command.
  auto cmds = decode_ok("\x00"sv);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].method, Method::pong);
  EXPECT_EQ(cmds[0].id, 0u);
  EXPECT_EQ(decode_ok("\x00\x00"sv).size(), 2u);
}

TEST(ProtobufDecode, IdWithoutKnownRequestIsUnknown) {
  pb::Command c;
  c.set_id(8);
  EXPECT_EQ(decode_one(c).method, Method::unknown);
  // A v1 ping request (field 11), as in JSON: not a method of v2.
  std::string with_ping = tag(1, 0) + varint(8) + len_field(11, "");
  EXPECT_EQ(decode_ok(delimit(with_ping)).at(0).method, Method::unknown);
  EXPECT_EQ(decode_json(R"({"id":8,"ping":{}})").method, Method::unknown);
}

TEST(ProtobufDecode, UndeclaredFieldsAreSkipped) {
  pb::Command c;
  c.set_id(2);
  c.mutable_subscribe()->set_channel("c");
  std::string bytes = c.SerializeAsString();
  bytes += tag(99, 0) + varint(1) + len_field(98, "x") + tag(97, 5) + "abcd" + tag(96, 1) +
           "abcdefgh" + tag(95, 3) + tag(1, 0) + varint(1) + tag(95, 4);
  // ...and in a request: the subscribe's tag filter (13) is not declared here.
  std::string sub = c.subscribe().SerializeAsString() + len_field(13, len_field(1, "and"));
  std::string with_tf = tag(1, 0) + varint(2) + len_field(5, sub);
  auto cmds = decode_ok(delimit(bytes) + delimit(with_tf));
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].channel, "c");
  EXPECT_EQ(cmds[1].channel, "c");
}

TEST(ProtobufDecode, SeveralCommandsInOneMessage) {
  pb::Command connect;
  connect.set_id(1);
  connect.mutable_connect()->set_token("t");
  pb::Command subscribe;
  subscribe.set_id(2);
  subscribe.mutable_subscribe()->set_channel("c");
  pb::Command publish;
  publish.set_id(3);
  publish.mutable_publish()->set_channel("c");
  publish.mutable_publish()->set_data(std::string(300, 'x'));  // a two-byte length prefix
  auto cmds = decode_ok(frame({connect, subscribe, publish}) + std::string("\x00", 1));
  ASSERT_EQ(cmds.size(), 4u);
  EXPECT_EQ(cmds[0].method, Method::connect);
  EXPECT_EQ(cmds[0].token, "t");
  EXPECT_EQ(cmds[1].method, Method::subscribe);
  EXPECT_EQ(cmds[1].id, 2u);
  EXPECT_EQ(cmds[2].method, Method::publish);
  EXPECT_EQ(cmds[2].data.size(), 300u);
  EXPECT_EQ(cmds[3].method, Method::pong);
}

TEST(ProtobufDecode, LongVarintPrefixIsAccepted) {
  // A length written in more bytes than needed is still that length (protobufjs reads it).
  pb::Command c;
  c.set_id(1);
  c.mutable_refresh()->set_token("t");
  std::string body = c.SerializeAsString();
  ASSERT_LT(body.size(), 128u);
  std::string padded = std::string(1, static_cast<char>(body.size() | 0x80)) + "\x80\x00"s + body;
  EXPECT_EQ(decode_ok(padded).at(0).token, "t");
}

// ---- decoding: malformed input ---------------------------------------------------------------

std::string valid_command() {
  pb::Command c;
  c.set_id(1);
  c.mutable_subscribe()->set_channel("chan");
  return frame(c);
}

TEST(ProtobufDecodeRejects, EmptyMessage) {
  EXPECT_FALSE(is_bad(valid_command()));
  EXPECT_TRUE(is_bad(""));
}

TEST(ProtobufDecodeRejects, TruncatedVarintPrefix) {
  EXPECT_TRUE(is_bad("\x80"sv));
  EXPECT_TRUE(is_bad("\xff\xff"sv));
  EXPECT_TRUE(is_bad(valid_command() + "\x85"));
}

TEST(ProtobufDecodeRejects, PrefixLongerThanAnyVarint) {
  EXPECT_FALSE(is_bad("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"sv));  // 10 bytes: zero
  EXPECT_TRUE(is_bad("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"sv));
}

TEST(ProtobufDecodeRejects, LengthPastTheEnd) {
  std::string command = valid_command();
  EXPECT_TRUE(is_bad(command.substr(0, command.size() - 1)));
  EXPECT_TRUE(is_bad("\xff\xff\xff\xff\x0f\x08\x01"sv));  // 4 GiB announced, 2 bytes there
  EXPECT_TRUE(is_bad("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x08\x01"sv));  // 2^64 - 1
}

TEST(ProtobufDecodeRejects, ZeroLengthMessageFollowedByGarbage) {
  EXPECT_TRUE(is_bad("\x00\xff"sv));
  EXPECT_TRUE(is_bad("\x00\x05\x08"sv));
}

TEST(ProtobufDecodeRejects, SecondCommandOverTheFrame) {
  std::string two = valid_command() + valid_command();
  EXPECT_FALSE(is_bad(two));
  EXPECT_TRUE(is_bad(two.substr(0, two.size() - 1)));
}

TEST(ProtobufDecodeRejects, MalformedCommandBody) {
  EXPECT_TRUE(is_bad(delimit(tag(1, 0))));            // a tag without its value
  EXPECT_TRUE(is_bad(delimit(tag(1, 0) + "\x80")));   // a truncated varint value
  EXPECT_TRUE(is_bad(delimit(tag(30, 6) + "\x00")));  // wire type 6 does not exist
  EXPECT_TRUE(is_bad(delimit(tag(30, 4))));           // end of a group never opened
  EXPECT_TRUE(is_bad(delimit(tag(30, 3))));           // a group never closed
  EXPECT_TRUE(is_bad(delimit("\x00"s)));              // field number 0
}

TEST(ProtobufDecodeRejects, NestedParseFailure) {
  // subscribe (5) holding a channel string whose length runs past the subscribe's end.
  std::string good = len_field(1, "ab");
  std::string bad = tag(1, 2) + varint(5) + "ab";
  EXPECT_FALSE(is_bad(delimit(tag(1, 0) + varint(1) + len_field(5, good))));
  EXPECT_TRUE(is_bad(delimit(tag(1, 0) + varint(1) + len_field(5, bad))));
  // ...and inside a connect's subs map value.
  auto connect = [](std::string_view sub) {
    std::string entry = len_field(1, "ch") + len_field(2, sub);
    return delimit(tag(1, 0) + varint(1) + len_field(4, len_field(3, entry)));
  };
  EXPECT_EQ(decode_ok(connect(good)).at(0).subs.at(0).second.channel, "ch");
  EXPECT_TRUE(is_bad(connect(bad)));
}

TEST(ProtobufDecodeRejects, DeclaredFieldOfTheWrongWireType) {
  auto with_id = [](std::string_view rest) {
    return delimit(tag(1, 0) + varint(1) + std::string(rest));
  };
  EXPECT_FALSE(is_bad(with_id("")));
  EXPECT_TRUE(is_bad(delimit(len_field(1, "1"))));                     // id as bytes
  EXPECT_TRUE(is_bad(with_id(tag(5, 0) + varint(1))));                 // subscribe as a number
  EXPECT_TRUE(is_bad(with_id(len_field(5, len_field(3, "x")))));       // recover as bytes
  EXPECT_TRUE(is_bad(with_id(len_field(5, tag(1, 0) + varint(1)))));   // channel as a number
  EXPECT_TRUE(is_bad(with_id(len_field(10, tag(8, 0) + varint(1)))));  // since as a number
  EXPECT_TRUE(is_bad(with_id(len_field(10, len_field(8, len_field(1, "x"))))));  // since.offset
  EXPECT_TRUE(is_bad(with_id(len_field(4, tag(2, 0) + varint(1)))));             // connect.data
  EXPECT_TRUE(is_bad(with_id(len_field(4, len_field(3, len_field(2, len_field(3, "x")))))));
  EXPECT_TRUE(is_bad(with_id(len_field(13, tag(2, 0) + varint(1)))));  // rpc.method
  EXPECT_TRUE(is_bad(with_id(len_field(12, tag(1, 0) + varint(1)))));  // send.data
}

TEST(ProtobufDecodeRejects, InvalidUtf8InAStringWithoutLogging) {
  pb::Command c;
  c.set_id(1);
  c.mutable_subscribe()->set_data("\xff");  // bytes: anything goes
  EXPECT_FALSE(is_bad(frame(c)));
  std::string bad = delimit(tag(1, 0) + varint(1) + len_field(5, len_field(1, "\xff\xfe")));
  testing::internal::CaptureStderr();
  EXPECT_TRUE(is_bad(bad));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(ProtobufDecodeRejects, GroupsNestedPastTheRecursionLimit) {
  auto nested = [](int depth) {
    std::string inner;
    for (int i = 0; i < depth; ++i) inner = tag(30, 3) + inner + tag(30, 4);
    return delimit(tag(1, 0) + varint(1) + inner);
  };
  EXPECT_FALSE(is_bad(nested(10)));
  EXPECT_TRUE(is_bad(nested(5000)));
}

// ---- the emulation request -------------------------------------------------------------------

TEST(ProtobufEmulationRequest, DecodesTheUndelimitedMessage) {
  pb::Command c;
  c.set_id(2);
  c.mutable_subscribe()->set_channel("c");
  pb::EmulationRequest req;
  req.set_node("n1");
  req.set_session("s1");
  req.set_data(frame(c));
  auto decoded = decode_emulation_request(req.SerializeAsString());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->node, "n1");
  EXPECT_EQ(decoded->session, "s1");
  EXPECT_EQ(decoded->data, frame(c));
  EXPECT_EQ(decode_ok(decoded->data).at(0).channel, "c");
}

TEST(ProtobufEmulationRequest, RejectsMalformedOrIncompleteBodies) {
  pb::EmulationRequest req;
  req.set_node("n");
  req.set_session("s");
  req.set_data("\x00"s);
  std::string good = req.SerializeAsString();
  EXPECT_TRUE(decode_emulation_request(good));
  EXPECT_FALSE(decode_emulation_request(""));
  EXPECT_FALSE(decode_emulation_request(good.substr(0, good.size() - 1)));  // truncated
  EXPECT_FALSE(decode_emulation_request(good + tag(1, 0) + varint(1)));     // node as a number
  EXPECT_FALSE(decode_emulation_request(len_field(2, "\xff") + len_field(3, "x")));    // not UTF-8
  EXPECT_FALSE(decode_emulation_request(len_field(1, "n") + len_field(3, "x")));       // no session
  EXPECT_FALSE(decode_emulation_request(len_field(1, "n") + len_field(2, "s")));       // no data
  EXPECT_FALSE(decode_emulation_request(R"({"session":"s","node":"n","data":"x"})"));  // JSON
}

// ---- replies ---------------------------------------------------------------------------------

Publication sample_publication() {
  Publication pub;
  pub.data = std::string("\x01\x02 binary", 9);
  pub.info = ClientInfo{"u1", "c1", R"({"ci":1})", R"({"ch":2})"};
  pub.offset = 42;
  pub.tags = {{"k1", "v1"}, {"k2", "v2"}};
  return pub;
}

void expect_publication(const pb::Publication& got, const Publication& want) {
  EXPECT_EQ(got.data(), want.data);
  EXPECT_EQ(got.has_info(), want.info.has_value());
  if (want.info) {
    EXPECT_EQ(got.info().user(), want.info->user);
    EXPECT_EQ(got.info().client(), want.info->client);
    EXPECT_EQ(got.info().conn_info(), want.info->conn_info);
    EXPECT_EQ(got.info().chan_info(), want.info->chan_info);
  }
  EXPECT_EQ(got.offset(), want.offset);
  ASSERT_EQ(static_cast<std::size_t>(got.tags().size()), want.tags.size());
  for (const auto& [k, v] : want.tags) EXPECT_EQ(got.tags().at(k), v);
}

SubscribeResult sample_subscribe_result() {
  SubscribeResult r;
  r.expires = true;
  r.ttl = 60;
  r.recoverable = true;
  r.positioned = true;
  r.epoch = "ep";
  r.offset = 43;
  r.publications = {sample_publication(), Publication{"[2]", {}, {}, 43}};
  r.recovered = true;
  r.was_recovering = true;
  r.data = R"({"s":1})";
  r.delta = true;
  return r;
}

void expect_subscribe_result(const pb::SubscribeResult& got, const SubscribeResult& want) {
  EXPECT_EQ(got.expires(), want.expires);
  EXPECT_EQ(got.ttl(), want.ttl);
  EXPECT_EQ(got.recoverable(), want.recoverable);
  EXPECT_EQ(got.positioned(), want.positioned);
  EXPECT_EQ(got.epoch(), want.epoch);
  EXPECT_EQ(got.offset(), want.offset);
  ASSERT_EQ(static_cast<std::size_t>(got.publications_size()), want.publications.size());
  for (std::size_t i = 0; i < want.publications.size(); ++i)
    expect_publication(got.publications(static_cast<int>(i)), want.publications[i]);
  EXPECT_EQ(got.recovered(), want.recovered);
  EXPECT_EQ(got.was_recovering(), want.was_recovering);
  EXPECT_EQ(got.data(), want.data);
  EXPECT_EQ(got.delta(), want.delta);
}

TEST(ProtobufReply, PingIsTheEmptyReply) {
  EXPECT_EQ(codec().ping(), "\x00"sv);
  EXPECT_EQ(codec().ping().size(), 1u);
  EXPECT_EQ(read_reply(codec().ping()).ByteSizeLong(), 0u);
}

TEST(ProtobufReply, ConnectWithEveryField) {
  ConnectResult r;
  r.client = "client-id";
  r.version = "0.1.0";
  r.expires = true;
  r.ttl = 300;
  r.data = R"({"hello":1})";
  r.subs = {{"a", sample_subscribe_result()}, {"b", SubscribeResult{}}};
  r.ping = 25;
  r.pong = true;
  r.session = "sess";
  r.node = "node";
  pb::Reply reply = read_reply(codec().connect_reply(1, r));
  EXPECT_EQ(reply.id(), 1u);
  ASSERT_TRUE(reply.has_connect());
  const auto& c = reply.connect();
  EXPECT_EQ(c.client(), "client-id");
  EXPECT_EQ(c.version(), "0.1.0");
  EXPECT_TRUE(c.expires());
  EXPECT_EQ(c.ttl(), 300u);
  EXPECT_EQ(c.data(), r.data);
  ASSERT_EQ(c.subs().size(), 2u);
  expect_subscribe_result(c.subs().at("a"), r.subs[0].second);
  EXPECT_EQ(c.subs().at("b").ByteSizeLong(), 0u);
  EXPECT_EQ(c.ping(), 25u);
  EXPECT_TRUE(c.pong());
  EXPECT_EQ(c.session(), "sess");
  EXPECT_EQ(c.node(), "node");
}

TEST(ProtobufReply, ZeroFieldsAreLeftOut) {
  ConnectResult r;
  r.client = "c";
  r.ttl = 30;  // without expires, as in JSON: no ttl
  // id 7 (08 07), connect (2a) of 3 bytes: client (0a 01 'c').
  EXPECT_EQ(codec().connect_reply(7, r), "\x07\x08\x07\x2a\x03\x0a\x01\x63"sv);
  // publish's empty result is still there: it says what the reply answers.
  EXPECT_EQ(codec().empty_reply(5, Method::publish), "\x04\x08\x05\x42\x00"sv);
  EXPECT_EQ(codec().subscribe_reply(3, SubscribeResult{}), "\x04\x08\x03\x32\x00"sv);
}

TEST(ProtobufReply, SubscribeWithPublicationsAndDelta) {
  SubscribeResult r = sample_subscribe_result();
  pb::Reply reply = read_reply(codec().subscribe_reply(2, r));
  EXPECT_EQ(reply.id(), 2u);
  ASSERT_TRUE(reply.has_subscribe());
  expect_subscribe_result(reply.subscribe(), r);
}

TEST(ProtobufReply, EmptyResults) {
  pb::Reply publish = read_reply(codec().empty_reply(5, Method::publish));
  EXPECT_EQ(publish.id(), 5u);
  EXPECT_TRUE(publish.has_publish());
  pb::Reply unsubscribe = read_reply(codec().empty_reply(6, Method::unsubscribe));
  EXPECT_EQ(unsubscribe.id(), 6u);
  EXPECT_TRUE(unsubscribe.has_unsubscribe());
  EXPECT_FALSE(unsubscribe.has_publish());
}

TEST(ProtobufReply, Expiry) {
  pb::Reply refresh = read_reply(codec().expiry_reply(3, Method::refresh, true, 90));
  ASSERT_TRUE(refresh.has_refresh());
  EXPECT_TRUE(refresh.refresh().expires());
  EXPECT_EQ(refresh.refresh().ttl(), 90u);
  pb::Reply sub_refresh = read_reply(codec().expiry_reply(4, Method::sub_refresh, true, 10));
  ASSERT_TRUE(sub_refresh.has_sub_refresh());
  EXPECT_FALSE(sub_refresh.has_refresh());
  EXPECT_TRUE(sub_refresh.sub_refresh().expires());
  EXPECT_EQ(sub_refresh.sub_refresh().ttl(), 10u);
  pb::Reply never = read_reply(codec().expiry_reply(5, Method::refresh, false, 10));
  ASSERT_TRUE(never.has_refresh());
  EXPECT_EQ(never.refresh().ByteSizeLong(), 0u);
}

TEST(ProtobufReply, PresenceAndStats) {
  std::vector<ClientInfo> clients{{"u1", "c1", R"({"a":1})", ""}, {"u2", "c2", "", R"({"b":2})"}};
  pb::Reply presence = read_reply(codec().presence_reply(8, clients));
  EXPECT_EQ(presence.id(), 8u);
  const auto& map = presence.presence().presence();
  ASSERT_EQ(map.size(), 2u);
  EXPECT_EQ(map.at("c1").user(), "u1");
  EXPECT_EQ(map.at("c1").client(), "c1");
  EXPECT_EQ(map.at("c1").conn_info(), R"({"a":1})");
  EXPECT_EQ(map.at("c2").chan_info(), R"({"b":2})");

  pb::Reply stats = read_reply(codec().presence_stats_reply(9, PresenceStats{3, 2}));
  EXPECT_EQ(stats.id(), 9u);
  EXPECT_EQ(stats.presence_stats().num_clients(), 3u);
  EXPECT_EQ(stats.presence_stats().num_users(), 2u);
}

TEST(ProtobufReply, History) {
  HistoryResult h;
  h.publications = {sample_publication()};
  h.position = StreamPosition{42, "ep"};
  pb::Reply reply = read_reply(codec().history_reply(10, h));
  EXPECT_EQ(reply.id(), 10u);
  ASSERT_EQ(reply.history().publications_size(), 1);
  expect_publication(reply.history().publications(0), h.publications[0]);
  EXPECT_EQ(reply.history().epoch(), "ep");
  EXPECT_EQ(reply.history().offset(), 42u);
}

TEST(ProtobufReply, RpcCarriesTheBytes) {
  pb::Reply reply = read_reply(codec().rpc_reply(11, R"({"time":1})"));
  EXPECT_EQ(reply.id(), 11u);
  EXPECT_EQ(reply.rpc().data(), R"({"time":1})");
}

TEST(ProtobufReply, Error) {
  pb::Reply reply = read_reply(codec().error_reply(12, Error{111, "too many requests", true}));
  EXPECT_EQ(reply.id(), 12u);
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().code(), 111u);
  EXPECT_EQ(reply.error().message(), "too many requests");
  EXPECT_TRUE(reply.error().temporary());
  pb::Reply plain = read_reply(codec().error_reply(13, make_error(error_code::permission_denied)));
  EXPECT_EQ(plain.error().code(), 103u);
  EXPECT_EQ(plain.error().message(), "permission denied");
  EXPECT_FALSE(plain.error().temporary());
}

TEST(ProtobufReply, LongMessageHasAMultiByteLengthPrefix) {
  std::string bytes = codec().rpc_reply(1, std::string(300, 'x'));
  ASSERT_GT(bytes.size(), 130u);
  // 0x80 set: more prefix bytes follow; the two bytes say the rest's length.
  ASSERT_TRUE(static_cast<std::uint8_t>(bytes[0]) & 0x80);
  ASSERT_FALSE(static_cast<std::uint8_t>(bytes[1]) & 0x80);
  std::size_t length = (static_cast<std::uint8_t>(bytes[0]) & 0x7f) |
                       static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[1])) << 7;
  EXPECT_EQ(length, bytes.size() - 2);
  EXPECT_EQ(read_reply(bytes).rpc().data().size(), 300u);
}

TEST(ProtobufReply, RepliesConcatenateIntoOneFrame) {
  std::string bytes = codec().empty_reply(1, Method::publish) + std::string(codec().ping()) +
                      codec().disconnect_push(disconnect::shutdown);
  auto replies = read_replies(bytes);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_TRUE(replies[0].has_publish());
  EXPECT_EQ(replies[1].ByteSizeLong(), 0u);
  EXPECT_EQ(replies[2].push().disconnect().code(), 3001u);
}

// ---- pushes ----------------------------------------------------------------------------------

TEST(ProtobufPush, Publication) {
  Publication pub = sample_publication();
  FrameRef bytes = codec().pub_push("news", pub);
  pb::Push push = read_push(bytes.view());
  EXPECT_EQ(push.channel(), "news");
  ASSERT_TRUE(push.has_pub());
  expect_publication(push.pub(), pub);
  EXPECT_FALSE(push.pub().delta());
}

TEST(ProtobufPush, DeltaPublication) {
  Publication pub = sample_publication();
  pb::Push patch =
      read_push(codec().delta_pub_push("news", pub, DeltaData{"patch-bytes", true}).view());
  EXPECT_EQ(patch.pub().data(), "patch-bytes");
  EXPECT_TRUE(patch.pub().delta());
  EXPECT_EQ(patch.pub().offset(), 42u);
  EXPECT_EQ(patch.pub().info().user(), "u1");
  pb::Push full = read_push(codec().delta_pub_push("news", pub, DeltaData{pub.data, false}).view());
  EXPECT_EQ(full.pub().data(), pub.data);
  EXPECT_FALSE(full.pub().delta());
}

TEST(ProtobufPush, JoinAndLeave) {
  ClientInfo info{"u", "c", R"({"i":1})", ""};
  pb::Push join = read_push(codec().join_push("room", info).view());
  EXPECT_EQ(join.channel(), "room");
  ASSERT_TRUE(join.has_join());
  EXPECT_EQ(join.join().info().user(), "u");
  EXPECT_EQ(join.join().info().client(), "c");
  EXPECT_EQ(join.join().info().conn_info(), R"({"i":1})");
  pb::Push leave = read_push(codec().leave_push("room", info).view());
  ASSERT_TRUE(leave.has_leave());
  EXPECT_FALSE(leave.has_join());
  EXPECT_EQ(leave.leave().info().client(), "c");
}

TEST(ProtobufPush, Unsubscribe) {
  pb::Push push = read_push(codec().unsubscribe_push("ch", unsubscribe::expired));
  EXPECT_EQ(push.channel(), "ch");
  EXPECT_EQ(push.unsubscribe().code(), 2501u);
  EXPECT_EQ(push.unsubscribe().reason(), "subscription expired");
}

TEST(ProtobufPush, Subscribe) {
  SubscribeResult r = sample_subscribe_result();
  pb::Push push = read_push(codec().subscribe_push("srv", r));
  EXPECT_EQ(push.channel(), "srv");
  ASSERT_TRUE(push.has_subscribe());
  EXPECT_TRUE(push.subscribe().recoverable());
  EXPECT_TRUE(push.subscribe().positioned());
  EXPECT_EQ(push.subscribe().epoch(), "ep");
  EXPECT_EQ(push.subscribe().offset(), 43u);
  EXPECT_EQ(push.subscribe().data(), R"({"s":1})");
}

TEST(ProtobufPush, RefreshAndDisconnectHaveNoChannel) {
  pb::Push refresh = read_push(codec().refresh_push(true, 120));
  EXPECT_EQ(refresh.channel(), "");
  EXPECT_TRUE(refresh.refresh().expires());
  EXPECT_EQ(refresh.refresh().ttl(), 120u);
  pb::Push disconnect = read_push(codec().disconnect_push(disconnect::force_reconnect));
  EXPECT_EQ(disconnect.channel(), "");
  EXPECT_EQ(disconnect.disconnect().code(), 3011u);
  EXPECT_EQ(disconnect.disconnect().reason(), "force reconnect");
  EXPECT_FALSE(disconnect.disconnect().reconnect());
}

TEST(ProtobufCodec, SaysItIsProtobuf) { EXPECT_EQ(codec().encoding(), Encoding::protobuf); }

}  // namespace
}  // namespace neo::protocol
