#include "transport/websocket/deflate.h"

#include <gtest/gtest.h>

#include <string>

#include "transport/websocket/frame.h"

namespace neo::transport::websocket {
namespace {

TEST(DeflateOffer, TakesWhatNeedsNoPerConnectionState) {
  EXPECT_TRUE(accepts_permessage_deflate("permessage-deflate"));
  EXPECT_TRUE(
      accepts_permessage_deflate("permessage-deflate; client_max_window_bits"));  // ws, Chromium
  EXPECT_TRUE(accepts_permessage_deflate(
      "permessage-deflate; client_max_window_bits=10; server_no_context_takeover"));
  EXPECT_TRUE(accepts_permessage_deflate("permessage-deflate; server_max_window_bits=15"));
  EXPECT_TRUE(accepts_permessage_deflate(
      "permessage-deflate; server_max_window_bits=10, permessage-deflate"));  // the second offer
  EXPECT_FALSE(accepts_permessage_deflate(""));
  EXPECT_FALSE(accepts_permessage_deflate("x-webkit-deflate-frame"));
  EXPECT_FALSE(accepts_permessage_deflate("permessage-deflate; server_max_window_bits=10"));
  EXPECT_FALSE(accepts_permessage_deflate("permessage-deflate; unknown_parameter"));
  EXPECT_FALSE(accepts_permessage_deflate("permessage-deflate; server_no_context_takeover=1"));
}

TEST(Deflate, RoundTripsWithoutTheSyncTail) {
  std::string message =
      R"({"push":{"channel":"a","pub":{"data":")" + std::string(5000, 'x') + "\"}}}";
  std::string compressed = deflate_message(message, 1);
  EXPECT_LT(compressed.size(), 200u);
  ASSERT_GE(compressed.size(), 4u);
  EXPECT_NE(compressed.substr(compressed.size() - 4), std::string("\x00\x00\xff\xff", 4));
  std::string out;
  ASSERT_EQ(inflate_message(compressed, message.size(), out), InflateResult::ok);
  EXPECT_EQ(out, message);
  // The same bytes every time: the per-thread deflater is reset, no context carries over.
  EXPECT_EQ(deflate_message(message, 1), compressed);
  EXPECT_EQ(deflate_message("", 9).empty(), false);
}

TEST(Inflate, StopsAtTheLimitAndRefusesGarbage) {
  std::string bomb = deflate_message(std::string(10 << 20, 'a'), 9);
  EXPECT_LT(bomb.size(), 20'000u);
  std::string out;
  EXPECT_EQ(inflate_message(bomb, 65536, out), InflateResult::too_big);
  EXPECT_LE(out.size(), 65536u);
  EXPECT_EQ(inflate_message("\xff\xff\xff\xff garbage", 65536, out), InflateResult::corrupt);
  std::string exact = deflate_message(std::string(1000, 'b'), 6);
  EXPECT_EQ(inflate_message(exact, 1000, out), InflateResult::ok);
  EXPECT_EQ(inflate_message(exact, 999, out), InflateResult::too_big);
}

TEST(FrameHeader, Rsv1OnlyWhereDeflateAllowsIt) {
  const std::uint8_t compressed_text[] = {0xC1, 0x80, 1, 2, 3, 4};  // FIN RSV1 text, masked
  const std::uint8_t compressed_ping[] = {0xC9, 0x80, 1, 2, 3, 4};
  const std::uint8_t rsv2_text[] = {0xA1, 0x80, 1, 2, 3, 4};
  FrameHeader h;
  EXPECT_EQ(parse_header(compressed_text, sizeof compressed_text, h), ParseResult::protocol_error);
  EXPECT_EQ(parse_header(compressed_text, sizeof compressed_text, h, true), ParseResult::ok);
  EXPECT_TRUE(h.rsv1);
  EXPECT_EQ(parse_header(compressed_ping, sizeof compressed_ping, h, true),
            ParseResult::protocol_error);
  EXPECT_EQ(parse_header(rsv2_text, sizeof rsv2_text, h, true), ParseResult::protocol_error);
  std::uint8_t out[kMaxHeaderSize];
  ASSERT_EQ(write_header(out, Opcode::text, 5, true), 2u);
  EXPECT_EQ(out[0], 0xC1);
  ASSERT_EQ(write_header(out, Opcode::text, 5), 2u);
  EXPECT_EQ(out[0], 0x81);
}

}  // namespace
}  // namespace neo::transport::websocket
