// Client protocol v2 (JSON): decoding what centrifuge-js sends, and the exact bytes of
// replies and pushes (shared/protocol/client-protocol.md §1-§4, §8).
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "protocol/codes.h"
#include "protocol/command.h"
#include "protocol/encoder.h"

namespace neo::protocol {
namespace {

std::vector<Command> decode_ok(std::string_view frame) {
  std::vector<Command> out;
  EXPECT_EQ(decode_commands(frame, out), DecodeStatus::ok) << frame;
  return out;
}

bool is_bad(std::string_view frame) {
  std::vector<Command> out;
  return decode_commands(frame, out) == DecodeStatus::bad_request;
}

Command decode_one(std::string_view frame) {
  auto cmds = decode_ok(frame);
  EXPECT_EQ(cmds.size(), 1u) << frame;
  return cmds.empty() ? Command{} : cmds.front();
}

// ---- decoding ------------------------------------------------------------------------------

TEST(DecodeCommands, ConnectAndSubscribeInOneFrame) {
  auto cmds = decode_ok(
      R"({"connect":{"token":"t","name":"js"},"id":1})"
      "\n"
      R"({"subscribe":{"channel":"c","recoverable":true,"join_leave":true,"flag":1,"recover":true,"offset":6,"epoch":"E"},"id":2})");
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0].method, Method::connect);
  EXPECT_EQ(cmds[0].id, 1u);
  EXPECT_EQ(cmds[0].token, "t");
  EXPECT_EQ(cmds[0].name, "js");
  EXPECT_TRUE(cmds[0].subs.empty());
  const Command& sub = cmds[1];
  EXPECT_EQ(sub.method, Method::subscribe);
  EXPECT_EQ(sub.id, 2u);
  EXPECT_EQ(sub.channel, "c");
  EXPECT_EQ(sub.subscribe.channel, "c");
  EXPECT_TRUE(sub.subscribe.recoverable);
  EXPECT_TRUE(sub.subscribe.join_leave);
  EXPECT_TRUE(sub.subscribe.recover);
  EXPECT_FALSE(sub.subscribe.positioned);
  EXPECT_EQ(sub.subscribe.offset, 6u);
  EXPECT_EQ(sub.subscribe.epoch, "E");
}

TEST(DecodeCommands, ConnectWithDataVersionAndRecoveringSubs) {
  auto cmd = decode_one(
      R"({"connect":{"token":"jwt","data":{"x": [1, 2]},"name":"js","version":"1.2","headers":{"h":"v"},)"
      R"("subs":{"#42":{"recover":true,"offset":6,"epoch":"EPOCHxyz"}}},"id":1})");
  EXPECT_EQ(cmd.method, Method::connect);
  EXPECT_EQ(cmd.data, R"({"x":[1,2]})");
  EXPECT_EQ(cmd.version, "1.2");
  ASSERT_EQ(cmd.subs.size(), 1u);
  EXPECT_EQ(cmd.subs[0].first, "#42");
  EXPECT_EQ(cmd.subs[0].second.channel, "#42");
  EXPECT_TRUE(cmd.subs[0].second.recover);
  EXPECT_EQ(cmd.subs[0].second.offset, 6u);
  EXPECT_EQ(cmd.subs[0].second.epoch, "EPOCHxyz");
}

TEST(DecodeCommands, SubscribeWithTokenDataAndPositioned) {
  auto cmd = decode_one(
      R"({"subscribe":{"channel":"$p:1","token":"st","data":{"a":1},"positioned":true,"flag":1},"id":7})");
  EXPECT_EQ(cmd.method, Method::subscribe);
  EXPECT_EQ(cmd.subscribe.token, "st");
  EXPECT_EQ(cmd.subscribe.data, R"({"a":1})");
  EXPECT_TRUE(cmd.subscribe.positioned);
  EXPECT_FALSE(cmd.subscribe.recover);
  EXPECT_EQ(cmd.subscribe.offset, 0u);
  EXPECT_EQ(cmd.subscribe.epoch, "");
}

TEST(DecodeCommands, Unsubscribe) {
  auto cmd = decode_one(R"({"unsubscribe":{"channel":"c"},"id":3})");
  EXPECT_EQ(cmd.method, Method::unsubscribe);
  EXPECT_EQ(cmd.id, 3u);
  EXPECT_EQ(cmd.channel, "c");
}

TEST(DecodeCommands, PublishKeepsDataAsMinifiedJson) {
  auto cmd = decode_one(
      R"({"publish":{"channel":"c","data":{ "text" : "a\nb", "n" : [ 1 , 2 ] }},"id":4})");
  EXPECT_EQ(cmd.method, Method::publish);
  EXPECT_EQ(cmd.channel, "c");
  EXPECT_EQ(cmd.data, R"({"text":"a\nb","n":[1,2]})");
}

TEST(DecodeCommands, PublishScalarData) {
  EXPECT_EQ(decode_one(R"({"publish":{"channel":"c","data":"hi"},"id":4})").data, "\"hi\"");
  EXPECT_EQ(decode_one(R"({"publish":{"channel":"c","data":42},"id":4})").data, "42");
}

TEST(DecodeCommands, PresenceAndPresenceStats) {
  auto p = decode_one(R"({"presence":{"channel":"c"},"id":5})");
  EXPECT_EQ(p.method, Method::presence);
  EXPECT_EQ(p.channel, "c");
  auto s = decode_one(R"({"presence_stats":{"channel":"d"},"id":6})");
  EXPECT_EQ(s.method, Method::presence_stats);
  EXPECT_EQ(s.channel, "d");
}

TEST(DecodeCommands, HistoryWithSinceLimitReverse) {
  auto cmd = decode_one(
      R"({"history":{"channel":"c","limit":10,"since":{"offset":2,"epoch":"xyz"},"reverse":true},"id":8})");
  EXPECT_EQ(cmd.method, Method::history);
  EXPECT_EQ(cmd.channel, "c");
  EXPECT_EQ(cmd.limit, 10);
  EXPECT_TRUE(cmd.has_since);
  EXPECT_EQ(cmd.since.offset, 2u);
  EXPECT_EQ(cmd.since.epoch, "xyz");
  EXPECT_TRUE(cmd.reverse);
}

TEST(DecodeCommands, HistoryWithoutSinceOrLimit) {
  auto cmd = decode_one(R"({"history":{"channel":"c"},"id":8})");
  EXPECT_FALSE(cmd.has_since);
  EXPECT_EQ(cmd.limit, 0);
  EXPECT_FALSE(cmd.reverse);
}

TEST(DecodeCommands, HistoryNegativeLimitIsKept) {
  EXPECT_EQ(decode_one(R"({"history":{"channel":"c","limit":-1},"id":8})").limit, -1);
}

TEST(DecodeCommands, RpcSendRefreshSubRefresh) {
  auto rpc = decode_one(R"({"rpc":{"method":"m","data":{"q":1}},"id":9})");
  EXPECT_EQ(rpc.method, Method::rpc);
  EXPECT_EQ(rpc.data, R"({"q":1})");
  auto send = decode_one(R"({"send":{"data":{"s":true}}})");
  EXPECT_EQ(send.method, Method::send);
  EXPECT_EQ(send.id, 0u);
  EXPECT_EQ(send.data, R"({"s":true})");
  auto refresh = decode_one(R"({"refresh":{"token":"new"},"id":10})");
  EXPECT_EQ(refresh.method, Method::refresh);
  EXPECT_EQ(refresh.token, "new");
  auto sub_refresh = decode_one(R"({"sub_refresh":{"channel":"c","token":"st"},"id":11})");
  EXPECT_EQ(sub_refresh.method, Method::sub_refresh);
  EXPECT_EQ(sub_refresh.channel, "c");
  EXPECT_EQ(sub_refresh.token, "st");
}

TEST(DecodeCommands, EmptyObjectIsPongWithIdZero) {
  auto cmd = decode_one("{}");
  EXPECT_EQ(cmd.method, Method::pong);
  EXPECT_EQ(cmd.id, 0u);
}

TEST(DecodeCommands, IdWithUnknownMethodIsUnknown) {
  auto cmd = decode_one(R"({"id":2,"foo":{}})");
  EXPECT_EQ(cmd.method, Method::unknown);
  EXPECT_EQ(cmd.id, 2u);
}

TEST(DecodeCommands, PingCommandIsUnknown) {
  EXPECT_EQ(decode_one(R"({"id":3,"ping":{}})").method, Method::unknown);
}

TEST(DecodeCommands, FirstMethodInCentrifugoOrderWins) {
  EXPECT_EQ(decode_one(R"({"subscribe":{"channel":"s"},"connect":{},"id":1})").method,
            Method::connect);
  auto cmd = decode_one(R"({"history":{"channel":"h"},"publish":{"channel":"p","data":1},"id":1})");
  EXPECT_EQ(cmd.method, Method::publish);
  EXPECT_EQ(cmd.channel, "p");
  EXPECT_EQ(decode_one(R"({"sub_refresh":{"channel":"c"},"refresh":{},"id":1})").method,
            Method::refresh);
  EXPECT_EQ(
      decode_one(R"({"presence_stats":{"channel":"c"},"presence":{"channel":"c"},"id":1})").method,
      Method::presence);
}

TEST(DecodeCommands, NullMethodFieldCountsAsAbsent) {
  EXPECT_EQ(decode_one(R"({"connect":null,"subscribe":{"channel":"c"},"id":1})").method,
            Method::subscribe);
}

TEST(DecodeCommands, OneTrailingNewlineIsAccepted) {
  auto cmds = decode_ok("{\"unsubscribe\":{\"channel\":\"c\"},\"id\":1}\n");
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].method, Method::unsubscribe);
}

TEST(DecodeCommands, LargestIdIsAccepted) {
  EXPECT_EQ(decode_one(R"({"unsubscribe":{"channel":"c"},"id":4294967295})").id,
            std::numeric_limits<std::uint32_t>::max());
}

TEST(DecodeCommands, MaxOffsetIsAccepted) {
  EXPECT_EQ(decode_one(R"({"subscribe":{"channel":"c","offset":18446744073709551615},"id":1})")
                .subscribe.offset,
            std::numeric_limits<std::uint64_t>::max());
}

TEST(DecodeCommands, ClearsOutputFirst) {
  std::vector<Command> out(3);
  ASSERT_EQ(decode_commands("{}", out), DecodeStatus::ok);
  EXPECT_EQ(out.size(), 1u);
}

TEST(DecodeCommands, EmptyFrameIsBadRequest) { EXPECT_TRUE(is_bad("")); }

TEST(DecodeCommands, LoneNewlineIsBadRequest) { EXPECT_TRUE(is_bad("\n")); }

TEST(DecodeCommands, BlankLineBetweenCommandsIsBadRequest) { EXPECT_TRUE(is_bad("{}\n\n{}")); }

TEST(DecodeCommands, TwoTrailingNewlinesIsBadRequest) { EXPECT_TRUE(is_bad("{}\n\n")); }

TEST(DecodeCommands, LeadingNewlineIsBadRequest) { EXPECT_TRUE(is_bad("\n{}")); }

TEST(DecodeCommands, InvalidJsonIsBadRequest) {
  EXPECT_TRUE(is_bad("{\"id\":1,"));
  EXPECT_TRUE(is_bad("not json"));
  EXPECT_TRUE(is_bad("{}\n{oops}"));
}

TEST(DecodeCommands, NonObjectLineIsBadRequest) {
  EXPECT_TRUE(is_bad("[1,2]"));
  EXPECT_TRUE(is_bad("42"));
  EXPECT_TRUE(is_bad("\"s\""));
  EXPECT_TRUE(is_bad("null"));
}

TEST(DecodeCommands, NegativeIdIsBadRequest) {
  EXPECT_TRUE(is_bad(R"({"unsubscribe":{"channel":"c"},"id":-1})"));
}

TEST(DecodeCommands, IdAboveUint32IsBadRequest) {
  EXPECT_TRUE(is_bad(R"({"unsubscribe":{"channel":"c"},"id":4294967296})"));
}

TEST(DecodeCommands, StringIdIsBadRequest) {
  EXPECT_TRUE(is_bad(R"({"unsubscribe":{"channel":"c"},"id":"1"})"));
}

TEST(DecodeCommands, FractionalIdIsBadRequest) {
  EXPECT_TRUE(is_bad(R"({"unsubscribe":{"channel":"c"},"id":1.5})"));
}

TEST(DecodeCommands, ChannelOfWrongTypeIsBadRequest) {
  EXPECT_TRUE(is_bad(R"({"subscribe":{"channel":5},"id":1})"));
  EXPECT_TRUE(is_bad(R"({"publish":{"channel":["c"],"data":1},"id":1})"));
  EXPECT_TRUE(is_bad(R"({"history":{"channel":{}},"id":1})"));
}

TEST(DecodeCommands, OtherFieldsOfWrongTypeAreBadRequest) {
  EXPECT_TRUE(is_bad(R"({"subscribe":{"channel":"c","recover":"yes"},"id":1})"));
  EXPECT_TRUE(is_bad(R"({"subscribe":{"channel":"c","offset":-1},"id":1})"));
  EXPECT_TRUE(is_bad(R"({"connect":{"token":1},"id":1})"));
  EXPECT_TRUE(is_bad(R"({"history":{"channel":"c","since":5},"id":1})"));
  EXPECT_TRUE(is_bad(R"({"history":{"channel":"c","limit":"3"},"id":1})"));
}

TEST(DecodeCommands, MethodBodyThatIsNotAnObjectIsBadRequest) {
  EXPECT_TRUE(is_bad(R"({"subscribe":"c","id":1})"));
}

TEST(DecodeCommands, OneBadLineFailsTheWholeFrame) {
  EXPECT_TRUE(is_bad("{\"connect\":{},\"id\":1}\n{\"subscribe\":{\"channel\":1},\"id\":2}"));
}

// ---- encoding ------------------------------------------------------------------------------

template <typename Write>
std::string written(Write&& write) {
  std::string out;
  JsonWriter w(out);
  write(w);
  return out;
}

TEST(EncodeSubscribeResult, EmptyIsEmptyObject) {
  EXPECT_EQ(written([](JsonWriter& w) { write_subscribe_result(w, SubscribeResult{}); }), "{}");
}

TEST(EncodeSubscribeResult, PositionedRecoverable) {
  SubscribeResult r;
  r.recoverable = true;
  r.positioned = true;
  r.epoch = "xyzAbcDe";
  r.offset = 2;
  EXPECT_EQ(written([&](JsonWriter& w) { write_subscribe_result(w, r); }),
            R"({"recoverable":true,"epoch":"xyzAbcDe","offset":2,"positioned":true})");
}

TEST(EncodeSubscribeResult, ZeroOffsetIsOmitted) {
  SubscribeResult r;
  r.positioned = true;
  r.epoch = "E";
  EXPECT_EQ(written([&](JsonWriter& w) { write_subscribe_result(w, r); }),
            R"({"epoch":"E","positioned":true})");
}

TEST(EncodeSubscribeResult, Recovered) {
  SubscribeResult r;
  r.recoverable = true;
  r.positioned = true;
  r.epoch = "xyzAbcDe";
  r.offset = 3;
  r.recovered = true;
  r.was_recovering = true;
  Publication pub;
  pub.data = R"({"text":"missed"})";
  pub.offset = 4;
  r.publications.push_back(pub);
  EXPECT_EQ(
      written([&](JsonWriter& w) { write_subscribe_result(w, r); }),
      R"({"recoverable":true,"epoch":"xyzAbcDe","publications":[{"data":{"text":"missed"},"offset":4}],)"
      R"("recovered":true,"offset":3,"positioned":true,"was_recovering":true})");
}

TEST(EncodeSubscribeResult, ExpiresAndData) {
  SubscribeResult r;
  r.expires = true;
  r.ttl = 60;
  r.data = R"({"d":1})";
  EXPECT_EQ(written([&](JsonWriter& w) { write_subscribe_result(w, r); }),
            R"({"expires":true,"ttl":60,"data":{"d":1}})");
}

TEST(EncodeHistory, EmptyStillHasPublicationsEpochOffset) {
  EXPECT_EQ(written([](JsonWriter& w) { write_history(w, HistoryResult{}); }),
            R"({"publications":[],"epoch":"","offset":0})");
}

TEST(EncodeHistory, WithPublications) {
  HistoryResult h;
  h.position = {3, "xyzAbcDe"};
  Publication pub;
  pub.data = R"({"text":"hi"})";
  pub.info = ClientInfo{"43", "c-x", "", ""};
  pub.offset = 3;
  h.publications.push_back(pub);
  EXPECT_EQ(
      written([&](JsonWriter& w) { write_history(w, h); }),
      R"({"publications":[{"data":{"text":"hi"},"info":{"user":"43","client":"c-x"},"offset":3}],)"
      R"("epoch":"xyzAbcDe","offset":3})");
}

TEST(EncodePresenceStats, ZeroCountsAreWritten) {
  EXPECT_EQ(written([](JsonWriter& w) { write_presence_stats(w, PresenceStats{}); }),
            R"({"num_clients":0,"num_users":0})");
  EXPECT_EQ(written([](JsonWriter& w) {
              write_presence_stats(w, PresenceStats{3, 2});
            }),
            R"({"num_clients":3,"num_users":2})");
}

TEST(EncodePresence, EmptyPresenceIsStillWritten) {
  EXPECT_EQ(written([](JsonWriter& w) { write_presence(w, {}); }), R"({"presence":{}})");
}

TEST(EncodePresence, KeyedByClientId) {
  std::vector<ClientInfo> clients{{"42", "c1", "", ""}};
  EXPECT_EQ(written([&](JsonWriter& w) { write_presence(w, clients); }),
            R"({"presence":{"c1":{"user":"42","client":"c1"}}})");
}

TEST(EncodeClientInfo, EmptyUserAndClientAreAlwaysWritten) {
  EXPECT_EQ(written([](JsonWriter& w) { write_client_info(w, ClientInfo{}); }),
            R"({"user":"","client":""})");
}

TEST(EncodeClientInfo, ConnAndChanInfoAreRawJson) {
  ClientInfo info{"u", "c", R"({"n":1})", R"(["x"])"};
  EXPECT_EQ(written([&](JsonWriter& w) { write_client_info(w, info); }),
            R"({"user":"u","client":"c","conn_info":{"n":1},"chan_info":["x"]})");
}

TEST(EncodePublication, WithoutInfoOrOffset) {
  Publication pub;
  pub.data = R"({"a":1})";
  EXPECT_EQ(written([&](JsonWriter& w) { write_publication(w, pub); }), R"({"data":{"a":1}})");
}

TEST(EncodePublication, WithInfoOffsetAndTags) {
  Publication pub;
  pub.data = "1";
  pub.info = ClientInfo{"u", "c", "", ""};
  pub.offset = 9;
  pub.tags = {{"k", "v"}};
  EXPECT_EQ(written([&](JsonWriter& w) { write_publication(w, pub); }),
            R"({"data":1,"info":{"user":"u","client":"c"},"offset":9,"tags":{"k":"v"}})");
}

TEST(EncodePush, PubPushBytes) {
  Publication pub;
  pub.data = R"({"a":1})";
  pub.offset = 3;
  EXPECT_EQ(encode_pub_push("c", pub).view(),
            R"({"push":{"channel":"c","pub":{"data":{"a":1},"offset":3}}})");
}

TEST(EncodePush, JoinAndLeave) {
  ClientInfo info{"42", "9b6b", "", ""};
  EXPECT_EQ(encode_join_push("chat:index", info).view(),
            R"({"push":{"channel":"chat:index","join":{"info":{"user":"42","client":"9b6b"}}}})");
  EXPECT_EQ(encode_leave_push("chat:index", info).view(),
            R"({"push":{"channel":"chat:index","leave":{"info":{"user":"42","client":"9b6b"}}}})");
}

TEST(EncodePush, UnsubscribeInsufficientState) {
  EXPECT_EQ(
      encode_unsubscribe_push("c", unsubscribe::insufficient_state),
      R"({"push":{"channel":"c","unsubscribe":{"code":2500,"reason":"insufficient state"}}})");
}

TEST(EncodePush, UnsubscribeServer) {
  EXPECT_EQ(
      encode_unsubscribe_push("c", unsubscribe::server),
      R"({"push":{"channel":"c","unsubscribe":{"code":2000,"reason":"server unsubscribe"}}})");
}

TEST(EncodePush, SubscribePush) {
  SubscribeResult r;
  r.recoverable = true;
  r.positioned = true;
  r.epoch = "E";
  r.offset = 1;
  EXPECT_EQ(
      encode_subscribe_push("c", r),
      R"({"push":{"channel":"c","subscribe":{"recoverable":true,"epoch":"E","offset":1,"positioned":true}}})");
}

TEST(EncodePush, RefreshPushHasNoChannel) {
  EXPECT_EQ(encode_refresh_push(true, 30), R"({"push":{"refresh":{"expires":true,"ttl":30}}})");
  EXPECT_EQ(encode_refresh_push(false, 0), R"({"push":{"refresh":{}}})");
}

TEST(EncodeReply, ResultBody) {
  EXPECT_EQ(encode_reply(5, "unsubscribe", "{}"), R"({"id":5,"unsubscribe":{}})");
}

TEST(EncodeErrorReply, InternalIsTemporary) {
  EXPECT_EQ(encode_error_reply(2, make_error(100)),
            R"({"id":2,"error":{"code":100,"message":"internal server error","temporary":true}})");
}

TEST(EncodeErrorReply, TooManyRequestsIsTemporary) {
  EXPECT_EQ(encode_error_reply(2, make_error(111)),
            R"({"id":2,"error":{"code":111,"message":"too many requests","temporary":true}})");
}

TEST(EncodeErrorReply, OtherCodesAreNotTemporary) {
  EXPECT_EQ(encode_error_reply(2, make_error(103)),
            R"({"id":2,"error":{"code":103,"message":"permission denied"}})");
  EXPECT_EQ(encode_error_reply(1, make_error(109)),
            R"({"id":1,"error":{"code":109,"message":"token expired"}})");
  EXPECT_EQ(encode_error_reply(4, make_error(112)),
            R"({"id":4,"error":{"code":112,"message":"unrecoverable position"}})");
}

TEST(MakeError, CanonicalMessages) {
  EXPECT_EQ(make_error(102).message, "unknown channel");
  EXPECT_EQ(make_error(105).message, "already subscribed");
  EXPECT_EQ(make_error(107).message, "bad request");
  EXPECT_EQ(make_error(108).message, "not available");
  EXPECT_FALSE(make_error(105).temporary);
}

TEST(EncodeConnectResult, WithPingPong) {
  ConnectResult r;
  r.client = "9b6b";
  r.version = "6.9.1 OSS";
  r.expires = true;
  r.ttl = 3599;
  r.ping = 25;
  r.pong = true;
  EXPECT_EQ(
      written([&](JsonWriter& w) { write_connect_result(w, r); }),
      R"({"client":"9b6b","version":"6.9.1 OSS","expires":true,"ttl":3599,"ping":25,"pong":true})");
}

TEST(EncodeConnectResult, SubsAndNode) {
  ConnectResult r;
  r.client = "c";
  r.version = "1";
  SubscribeResult sub;
  sub.positioned = true;
  sub.epoch = "E";
  sub.offset = 1;
  r.subs.emplace_back("#42", sub);
  r.node = "n1";
  EXPECT_EQ(
      written([&](JsonWriter& w) { write_connect_result(w, r); }),
      R"({"client":"c","version":"1","subs":{"#42":{"epoch":"E","offset":1,"positioned":true}},"node":"n1"})");
}

// §1: empty fields are omitted; `version` is not among the always-written exceptions.
// Regression: before 0f58f8c write_connect_result wrote "version" even when empty.
TEST(EncodeConnectResult, EmptyVersionIsOmitted) {
  ConnectResult r;
  r.client = "c";
  EXPECT_EQ(written([&](JsonWriter& w) { write_connect_result(w, r); }), R"({"client":"c"})");
}

}  // namespace
}  // namespace neo::protocol

namespace neo::protocol {
namespace {

TEST(UniConnectDisconnect, MapsConnectErrorsAsCentrifugoDoes) {
  EXPECT_EQ(uni_connect_disconnect(error_code::token_expired).code, 3005);
  EXPECT_EQ(uni_connect_disconnect(error_code::expired).code, 3005);
  EXPECT_EQ(uni_connect_disconnect(error_code::too_many_requests).code, 3013);
  EXPECT_EQ(uni_connect_disconnect(error_code::permission_denied).code, 3507);
  EXPECT_EQ(uni_connect_disconnect(error_code::internal).code, 3004);
  EXPECT_EQ(uni_connect_disconnect(error_code::limit_exceeded).code, 3004);
}

TEST(ConnectPush, WrapsTheConnectResultAsAPush) {
  EXPECT_EQ(encode_connect_push(R"({"client":"c"})"), R"({"push":{"connect":{"client":"c"}}})");
}

}  // namespace
}  // namespace neo::protocol

namespace neo::protocol {
namespace {

TEST(ConnectRequest, DecodesTheBareObjectAsAConnectCommand) {
  Command cmd;
  ASSERT_EQ(decode_connect_request(
                R"({"token":"t","subs":{"a:b":{"recover":true,"offset":4,"epoch":"e"}}})", cmd),
            DecodeStatus::ok);
  EXPECT_EQ(cmd.method, Method::connect);
  EXPECT_EQ(cmd.id, 1u);
  EXPECT_EQ(cmd.token, "t");
  ASSERT_EQ(cmd.subs.size(), 1u);
  EXPECT_EQ(cmd.subs[0].first, "a:b");
  EXPECT_TRUE(cmd.subs[0].second.recover);
  EXPECT_EQ(cmd.subs[0].second.offset, 4u);
}

TEST(ConnectRequest, RefusesAnythingButOneObject) {
  Command cmd;
  for (const char* bad : {"", "[]", "1", R"({"token":1})", R"({"token":"t"}
{"token":"u"})",
                          R"({"token":"t"}},"publish":{"channel":"x","data":1)", "{"}) {
    EXPECT_EQ(decode_connect_request(bad, cmd), DecodeStatus::bad_request) << bad;
  }
}

}  // namespace
}  // namespace neo::protocol
