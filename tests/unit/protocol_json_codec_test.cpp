// The JSON codec's delta encodings, and the disconnect pushes the transport writes by hand
// checked against each codec's own.
#include <gtest/gtest.h>

#include "protocol/codec.h"
#include "transport/push_framing.h"

namespace neo::protocol {
namespace {

Publication publication() {
  Publication pub;
  pub.data = R"({"a":"é"})";
  pub.offset = 5;
  return pub;
}

TEST(JsonCodec, DeltaPublicationCarriesDataAsAJsonString) {
  FrameRef full = json_codec().delta_pub_push("ch", publication(), {publication().data, false});
  EXPECT_EQ(full.view(), R"({"push":{"channel":"ch","pub":{"data":"{\"a\":\"é\"}","offset":5}}})");
  FrameRef patch = json_codec().delta_pub_push("ch", publication(), {"3\n1:x", true});
  EXPECT_EQ(patch.view(),
            R"({"push":{"channel":"ch","pub":{"data":"3\n1:x","offset":5,"delta":true}}})");
}

TEST(JsonCodec, ADeltaSubscribeReplyHasDeltaAndPublicationsAsStrings) {
  SubscribeResult result;
  result.positioned = true;
  result.offset = 4;
  result.epoch = "e";
  result.publications = {publication()};
  result.delta = true;
  EXPECT_EQ(json_codec().subscribe_reply(2, result),
            R"({"id":2,"subscribe":{"epoch":"e","publications":[{"data":"{\"a\":\"é\"}",)"
            R"("offset":5}],"offset":4,"positioned":true,"delta":true}})");
  result.delta = false;
  EXPECT_EQ(json_codec().subscribe_reply(2, result),
            R"({"id":2,"subscribe":{"epoch":"e","publications":[{"data":{"a":"é"},"offset":5}],)"
            R"("offset":4,"positioned":true}})");
}

TEST(DisconnectPush, TheTransportsHandWrittenPushesMatchTheCodecs) {
  for (auto [code, reason] : {std::pair<std::uint16_t, std::string_view>{3001, "shutdown"},
                              {3503, "force disconnect"},
                              {3008, ""},
                              {4999, std::string_view("x\0y", 3)}}) {
    EXPECT_EQ(transport::disconnect_push(code, reason, transport::WireFormat::json).view(),
              json_codec().disconnect_push({code, reason}))
        << code;
    EXPECT_EQ(transport::disconnect_push(code, reason, transport::WireFormat::protobuf).view(),
              protobuf_codec().disconnect_push({code, reason}))
        << code;
  }
}

}  // namespace
}  // namespace neo::protocol

namespace neo::protocol {
namespace {

// A message of N pongs in either encoding.
std::string pongs(Encoding encoding, std::size_t n) {
  if (encoding == Encoding::protobuf) return std::string(n, '\0');  // empty Commands
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? "\n{}" : "{}";
  return out;
}

TEST(CommandsPerMessage, MoreThanTheLimitStopDecodingInBothEncodings) {
  for (Encoding encoding : {Encoding::json, Encoding::protobuf}) {
    std::vector<Command> out;
    const Codec& codec = codec_for(encoding);
    EXPECT_EQ(codec.decode_commands(pongs(encoding, kMaxCommandsPerMessage), out),
              DecodeStatus::ok);
    EXPECT_EQ(out.size(), kMaxCommandsPerMessage);
    EXPECT_EQ(codec.decode_commands(pongs(encoding, kMaxCommandsPerMessage + 1), out),
              DecodeStatus::too_many);
    EXPECT_LE(out.size(), kMaxCommandsPerMessage);
  }
}

}  // namespace
}  // namespace neo::protocol
