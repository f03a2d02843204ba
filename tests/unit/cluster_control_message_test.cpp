// neo::cluster::encode / decode (src/cluster/control_message.h): every kind survives the round
// trip, and decode turns anything malformed into nullopt (the control channel is shared; its
// contents are never trusted) without crashing.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/control_message.h"

namespace neo::cluster {
namespace {

using Kind = ControlMessage::Kind;
using Tenants = std::vector<std::pair<std::string, std::uint32_t>>;

NodeInfo sample_node(std::string uid) {
  NodeInfo n;
  n.uid = std::move(uid);
  n.name = "node-a";
  n.version = "1.2.3";
  n.num_clients = 11;
  n.num_users = 7;
  n.num_channels = 5;
  n.num_subs = 13;
  n.uptime = 3600;
  n.tenants = {{"acme", 3}, {"globex", 1}, {"initech", 4294967295u}};
  return n;
}

ControlMessage message(Kind kind, std::string from) {
  ControlMessage m;
  m.kind = kind;
  m.from = std::move(from);
  return m;
}

ControlMessage round_trip(const ControlMessage& m) {
  std::string text = encode(m);
  auto decoded = decode(text);
  EXPECT_TRUE(decoded.has_value()) << text;
  return decoded.value_or(ControlMessage{});
}

void expect_same_node(const NodeInfo& got, const NodeInfo& want) {
  EXPECT_EQ(got.uid, want.uid);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.num_clients, want.num_clients);
  EXPECT_EQ(got.num_users, want.num_users);
  EXPECT_EQ(got.num_channels, want.num_channels);
  EXPECT_EQ(got.num_subs, want.num_subs);
  EXPECT_EQ(got.uptime, want.uptime);
  EXPECT_EQ(got.tenants, want.tenants);
}

// A valid "node" message whose node object is `node_json` (raw).
std::string node_message(std::string_view from, std::string_view node_json) {
  return std::string(R"({"kind":"node","from":")") + std::string(from) + R"(","node":)" +
         std::string(node_json) + "}";
}

// ---- round trips ---------------------------------------------------------------------------

TEST(ControlMessageTest, NodeWithTenantsRoundTrips) {
  ControlMessage m = message(Kind::node, "uid-1");
  m.node = sample_node("uid-1");
  ControlMessage got = round_trip(m);
  EXPECT_EQ(got.kind, Kind::node);
  EXPECT_EQ(got.from, "uid-1");
  expect_same_node(got.node, m.node);
}

TEST(ControlMessageTest, NodeWithoutTenantsRoundTrips) {
  ControlMessage m = message(Kind::node, "uid-1");
  m.node = sample_node("uid-1");
  m.node.tenants.clear();
  ControlMessage got = round_trip(m);
  EXPECT_EQ(got.kind, Kind::node);
  expect_same_node(got.node, m.node);
}

TEST(ControlMessageTest, NodeWithLargestCountsRoundTrips) {
  ControlMessage m = message(Kind::node, "u");
  m.node = sample_node("u");
  m.node.num_clients = UINT64_MAX;
  m.node.uptime = UINT64_MAX - 1;
  ControlMessage got = round_trip(m);
  EXPECT_EQ(got.node.num_clients, UINT64_MAX);
  EXPECT_EQ(got.node.uptime, UINT64_MAX - 1);
}

TEST(ControlMessageTest, ByeRoundTrips) {
  ControlMessage got = round_trip(message(Kind::bye, "uid-2"));
  EXPECT_EQ(got.kind, Kind::bye);
  EXPECT_EQ(got.from, "uid-2");
}

TEST(ControlMessageTest, CommandRoundTrips) {
  ControlMessage m = message(Kind::command, "uid-3");
  m.method = "disconnect";
  m.body = R"({"user":"42","code":3000,"nested":{"a":[1,2,"x"]}})";
  ControlMessage got = round_trip(m);
  EXPECT_EQ(got.kind, Kind::command);
  EXPECT_EQ(got.from, "uid-3");
  EXPECT_EQ(got.method, "disconnect");
  EXPECT_EQ(got.body, m.body);
}

TEST(ControlMessageTest, SurveyRoundTrips) {
  ControlMessage m = message(Kind::survey, "uid-4");
  m.method = "channels";
  m.body = R"({"pattern":"chat:*"})";
  m.survey_id = 987654321012345ull;
  ControlMessage got = round_trip(m);
  EXPECT_EQ(got.kind, Kind::survey);
  EXPECT_EQ(got.from, "uid-4");
  EXPECT_EQ(got.method, "channels");
  EXPECT_EQ(got.body, m.body);
  EXPECT_EQ(got.survey_id, 987654321012345ull);
}

TEST(ControlMessageTest, ReplyRoundTrips) {
  ControlMessage m = message(Kind::reply, "uid-5");
  m.body = R"({"channels":{"a":{"num_clients":2}}})";
  m.survey_id = 17;
  ControlMessage got = round_trip(m);
  EXPECT_EQ(got.kind, Kind::reply);
  EXPECT_EQ(got.from, "uid-5");
  EXPECT_EQ(got.body, m.body);
  EXPECT_EQ(got.survey_id, 17u);
}

TEST(ControlMessageTest, ReplyDataMayBeAnyJsonValue) {
  for (std::string body : {"[]", "[1,2,3]", "\"text\"", "42", "true", "{}"}) {
    ControlMessage m = message(Kind::reply, "n");
    m.body = body;
    m.survey_id = 1;
    EXPECT_EQ(round_trip(m).body, body);
  }
}

TEST(ControlMessageTest, RawBodiesComeBackMinified) {
  auto got = decode(R"({"kind":"command","from":"n","method":"m","params": { "a" : [ 1 , 2 ] } })");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, R"({"a":[1,2]})");
}

TEST(ControlMessageTest, TenantNamesWithQuotesAndUnicodeSurvive) {
  ControlMessage m = message(Kind::node, "uid-\"q\"");
  m.node = sample_node("uid-\"q\"");
  m.node.name = "név \"kettő\"";
  m.node.tenants = {{"quo\"te", 1},
                    {"back\\slash", 2},
                    {"ünïcödé-日本語-🙂", 3},
                    {"ctl\x01\n\t", 4},
                    {"", 5},
                    {"{\"not\":\"json\"}", 6}};
  ControlMessage got = round_trip(m);
  EXPECT_EQ(got.from, "uid-\"q\"");
  EXPECT_EQ(got.node.name, "név \"kettő\"");
  expect_same_node(got.node, m.node);
}

TEST(ControlMessageTest, EncodingIsOneLineOfJson) {
  ControlMessage m = message(Kind::node, "a\nb");
  m.node = sample_node("a\nb");
  m.node.tenants = {{"x\ny", 1}};
  std::string text = encode(m);
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_EQ(text.front(), '{');
  EXPECT_EQ(text.back(), '}');
}

TEST(ControlMessageTest, NodeWithAbsentCountsAndTenantsDecodesWithZeros) {
  auto got = decode(node_message("n1", R"({"uid":"n1"})"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->node.uid, "n1");
  EXPECT_EQ(got->node.num_clients, 0u);
  EXPECT_TRUE(got->node.tenants.empty());
}

TEST(ControlMessageTest, TenantCountAtUint32MaxIsAccepted) {
  auto got = decode(node_message("n1", R"({"uid":"n1","tenants":{"t":4294967295}})"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->node.tenants, (Tenants{{"t", 4294967295u}}));
}

// ---- malformed input -----------------------------------------------------------------------

TEST(ControlMessageTest, RejectsNonJson) {
  EXPECT_FALSE(decode(""));
  EXPECT_FALSE(decode("   "));
  EXPECT_FALSE(decode("hello"));
  EXPECT_FALSE(decode("{kind:node}"));
  EXPECT_FALSE(decode(R"({"kind":"bye","from":"a",})"));
  EXPECT_FALSE(decode(R"({"kind":"bye","from":"a"} trailing)"));
  EXPECT_FALSE(decode(std::string_view("\0\0\0\0", 4)));
  EXPECT_FALSE(decode("{\"kind\":\"bye\",\"from\":\"\xff\xfe\"}"));  // not UTF-8
}

TEST(ControlMessageTest, RejectsNonObjects) {
  EXPECT_FALSE(decode("[]"));
  EXPECT_FALSE(decode(R"([{"kind":"bye","from":"a"}])"));
  EXPECT_FALSE(decode("null"));
  EXPECT_FALSE(decode("42"));
  EXPECT_FALSE(decode(R"("{\"kind\":\"bye\",\"from\":\"a\"}")"));
  EXPECT_FALSE(decode("true"));
}

TEST(ControlMessageTest, RejectsUnknownOrMissingKind) {
  EXPECT_FALSE(decode(R"({"kind":"hello","from":"a"})"));
  EXPECT_FALSE(decode(R"({"kind":"","from":"a"})"));
  EXPECT_FALSE(decode(R"({"kind":"Bye","from":"a"})"));
  EXPECT_FALSE(decode(R"({"kind":"bye ","from":"a"})"));
  EXPECT_FALSE(decode(R"({"from":"a"})"));
  EXPECT_FALSE(decode(R"({"kind":null,"from":"a"})"));
  EXPECT_FALSE(decode(R"({"kind":1,"from":"a"})"));
  EXPECT_FALSE(decode(R"({"kind":["bye"],"from":"a"})"));
  EXPECT_TRUE(decode(R"({"kind":"bye","from":"a"})"));  // the control
}

TEST(ControlMessageTest, RejectsMissingOrEmptyFrom) {
  EXPECT_FALSE(decode(R"({"kind":"bye"})"));
  EXPECT_FALSE(decode(R"({"kind":"bye","from":""})"));
  EXPECT_FALSE(decode(R"({"kind":"bye","from":null})"));
  EXPECT_FALSE(decode(R"({"kind":"bye","from":7})"));
  EXPECT_FALSE(decode(R"({"kind":"bye","from":{"uid":"a"}})"));
  EXPECT_FALSE(decode(R"({"kind":"command","method":"m","params":{}})"));
  EXPECT_FALSE(decode(node_message("", R"({"uid":""})")));
}

TEST(ControlMessageTest, RejectsNodeWhoseUidDiffersFromSender) {
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"b"})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"A"})")));
  EXPECT_FALSE(decode(node_message("a", R"({"name":"no uid"})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":""})")));
  EXPECT_TRUE(decode(node_message("a", R"({"uid":"a"})")));  // the control
}

TEST(ControlMessageTest, RejectsNodeWithoutNodeObject) {
  EXPECT_FALSE(decode(R"({"kind":"node","from":"a"})"));
  EXPECT_FALSE(decode(R"({"kind":"node","from":"a","node":null})"));
  EXPECT_FALSE(decode(R"({"kind":"node","from":"a","node":"a"})"));
  EXPECT_FALSE(decode(R"({"kind":"node","from":"a","node":[{"uid":"a"}]})"));
}

TEST(ControlMessageTest, RejectsNodeFieldsOfTheWrongType) {
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","num_clients":"5"})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","num_clients":-1})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","num_clients":1.5})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","num_users":true})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","num_channels":[]})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","num_subs":{}})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","uptime":"1h"})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":1})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","name":5})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","version":["1"]})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","num_clients":18446744073709551616})")));
}

TEST(ControlMessageTest, RejectsBadTenantCounts) {
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":{"t":-1}})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":{"t":4294967296}})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":{"t":18446744073709551615}})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":{"t":"3"}})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":{"t":2.5}})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":{"t":null}})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":{"ok":1,"bad":{}}})")));
}

TEST(ControlMessageTest, RejectsTenantsThatAreNotAnObject) {
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":[]})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":[["t",1]]})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":"t"})")));
  EXPECT_FALSE(decode(node_message("a", R"({"uid":"a","tenants":3})")));
}

TEST(ControlMessageTest, RejectsCommandWithoutMethodOrParams) {
  EXPECT_FALSE(decode(R"({"kind":"command","from":"a","params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"command","from":"a","method":"","params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"command","from":"a","method":3,"params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"command","from":"a","method":"disconnect"})"));
  EXPECT_FALSE(decode(R"({"kind":"command","from":"a","method":"disconnect","params":null})"));
  EXPECT_FALSE(decode(R"({"kind":"command","from":"a"})"));
  EXPECT_TRUE(decode(R"({"kind":"command","from":"a","method":"disconnect","params":{}})"));
}

// Regression: an absent id was read as 0 (json::read_u64 accepts an absent field).
TEST(ControlMessageTest, RejectsSurveyWithoutId) {
  EXPECT_FALSE(decode(R"({"kind":"survey","from":"a","method":"channels","params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"survey","from":"a","id":null,"method":"c","params":{}})"));
}

TEST(ControlMessageTest, RejectsSurveyWithBadIdMethodOrParams) {
  EXPECT_FALSE(decode(R"({"kind":"survey","from":"a","id":"1","method":"c","params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"survey","from":"a","id":-1,"method":"c","params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"survey","from":"a","id":1.5,"method":"c","params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"survey","from":"a","id":1,"params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"survey","from":"a","id":1,"method":"","params":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"survey","from":"a","id":1,"method":"c"})"));
  EXPECT_TRUE(decode(R"({"kind":"survey","from":"a","id":1,"method":"c","params":{}})"));
}

// Regression: same as RejectsSurveyWithoutId, for replies.
TEST(ControlMessageTest, RejectsReplyWithoutId) {
  EXPECT_FALSE(decode(R"({"kind":"reply","from":"a","data":{}})"));
}

TEST(ControlMessageTest, RejectsReplyWithBadIdOrData) {
  EXPECT_FALSE(decode(R"({"kind":"reply","from":"a","id":"1","data":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"reply","from":"a","id":-3,"data":{}})"));
  EXPECT_FALSE(decode(R"({"kind":"reply","from":"a","id":1})"));
  EXPECT_TRUE(decode(R"({"kind":"reply","from":"a","id":1,"data":{}})"));
}

TEST(ControlMessageTest, EveryTruncationOfAValidMessageIsRejected) {
  std::vector<ControlMessage> messages;
  ControlMessage node = message(Kind::node, "n1");
  node.node = sample_node("n1");
  messages.push_back(node);
  messages.push_back(message(Kind::bye, "n1"));
  ControlMessage command = message(Kind::command, "n1");
  command.method = "unsubscribe";
  command.body = R"({"user":"u","channel":"c"})";
  messages.push_back(command);
  ControlMessage survey = message(Kind::survey, "n1");
  survey.method = "channels";
  survey.body = R"({"pattern":""})";
  survey.survey_id = 12345;
  messages.push_back(survey);
  ControlMessage reply = message(Kind::reply, "n1");
  reply.body = R"({"channels":{}})";
  reply.survey_id = 12345;
  messages.push_back(reply);

  for (const auto& m : messages) {
    std::string text = encode(m);
    ASSERT_TRUE(decode(text)) << text;
    for (std::size_t n = 0; n < text.size(); ++n) {
      // A copy of exactly n bytes, so that nothing past the end is readable (ASan).
      std::string prefix = text.substr(0, n);
      EXPECT_FALSE(decode(prefix)) << prefix;
    }
  }
}

TEST(ControlMessageTest, HugeNestingIsRejectedWithoutCrashing) {
  for (std::size_t depth : {2000u, 100000u}) {
    std::string deep = std::string(depth, '[') + std::string(depth, ']');
    EXPECT_FALSE(decode(deep));
    std::string in_params = R"({"kind":"command","from":"a","method":"m","params":)" + deep + "}";
    EXPECT_FALSE(decode(in_params)) << depth;
    std::string objects;
    for (std::size_t i = 0; i < depth; ++i) objects += R"({"a":)";
    objects += "1";
    objects += std::string(depth, '}');
    EXPECT_FALSE(decode(R"({"kind":"reply","from":"a","id":1,"data":)" + objects + "}"));
    // Unbalanced: only openings.
    EXPECT_FALSE(decode(std::string(depth, '{')));
  }
}

TEST(ControlMessageTest, ModerateNestingInParamsSurvives) {
  std::string deep = std::string(100, '[') + "1" + std::string(100, ']');
  auto got = decode(R"({"kind":"command","from":"a","method":"m","params":)" + deep + "}");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, deep);
}

TEST(ControlMessageTest, GarbageBytesNeverCrash) {
  // Deterministic pseudo-random inputs, some built from a valid message's alphabet.
  std::string valid = R"({"kind":"node","from":"a","node":{"uid":"a","tenants":{"t":1}}})";
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text = valid;
    int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = next() % text.size();
      switch (next() % 3) {
        case 0:
          text[at] = static_cast<char>(next() & 0xff);
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text.insert(at, 1, valid[next() % valid.size()]);
      }
      if (text.empty()) text = "x";
    }
    auto got = decode(text);
    if (got) {
      ++accepted;
      EXPECT_FALSE(got->from.empty()) << text;
    }
  }
  EXPECT_LT(accepted, 2000);
}

}  // namespace
}  // namespace neo::cluster
