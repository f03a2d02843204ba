// RFC 6455 frame codec: client header parsing, unmasking, server headers, close payloads, the
// handshake keys and the UTF-8 check.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "transport/websocket/frame.h"

namespace neo::transport::websocket {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t kMask[4] = {0x37, 0xFA, 0x21, 0x3D};

// A masked client frame header: first byte, then the length in the shortest form unless
// `length_bytes` forces 0 (7-bit), 2 or 8 extended bytes, then the mask.
Bytes client_header(std::uint8_t b0, std::uint64_t length, int length_bytes = -1,
                    bool masked = true) {
  if (length_bytes < 0) length_bytes = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8;
  Bytes out{b0};
  std::uint8_t mask_bit = masked ? 0x80 : 0x00;
  if (length_bytes == 0) {
    out.push_back(static_cast<std::uint8_t>(mask_bit | length));
  } else if (length_bytes == 2) {
    out.push_back(mask_bit | 126);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    out.push_back(mask_bit | 127);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(length >> (56 - 8 * i)));
  }
  if (masked) out.insert(out.end(), kMask, kMask + 4);
  return out;
}

ParseResult parse(const Bytes& bytes, FrameHeader& header) {
  return parse_header(bytes.data(), bytes.size(), header);
}

ParseResult parse(const Bytes& bytes) {
  FrameHeader header;
  return parse(bytes, header);
}

// --- parse_header: lengths ---------------------------------------------------------------------

TEST(WsParseHeader, SevenBitLength) {
  FrameHeader h;
  Bytes bytes = client_header(0x81, 5);
  bytes.push_back('x');  // payload bytes after the header are not part of it
  ASSERT_EQ(parse(bytes, h), ParseResult::ok);
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.opcode, Opcode::text);
  EXPECT_EQ(h.length, 5u);
  EXPECT_EQ(h.size, 6u);
  EXPECT_EQ(0, std::memcmp(h.mask, kMask, 4));
}

TEST(WsParseHeader, SevenBitLengthLimits) {
  FrameHeader h;
  ASSERT_EQ(parse(client_header(0x82, 0), h), ParseResult::ok);
  EXPECT_EQ(h.length, 0u);
  EXPECT_EQ(h.opcode, Opcode::binary);
  EXPECT_EQ(h.size, 6u);
  ASSERT_EQ(parse(client_header(0x82, 125), h), ParseResult::ok);
  EXPECT_EQ(h.length, 125u);
  EXPECT_EQ(h.size, 6u);
}

TEST(WsParseHeader, SixteenBitLength) {
  FrameHeader h;
  ASSERT_EQ(parse(client_header(0x01, 126), h), ParseResult::ok);
  EXPECT_FALSE(h.fin);
  EXPECT_EQ(h.opcode, Opcode::text);
  EXPECT_EQ(h.length, 126u);
  EXPECT_EQ(h.size, 8u);
  EXPECT_EQ(0, std::memcmp(h.mask, kMask, 4));
  ASSERT_EQ(parse(client_header(0x82, 0xABCD), h), ParseResult::ok);
  EXPECT_EQ(h.length, 0xABCDu);
  ASSERT_EQ(parse(client_header(0x82, 0xFFFF), h), ParseResult::ok);
  EXPECT_EQ(h.length, 0xFFFFu);
  EXPECT_EQ(h.size, 8u);
}

TEST(WsParseHeader, SixtyFourBitLength) {
  FrameHeader h;
  ASSERT_EQ(parse(client_header(0x80, 0x10000), h), ParseResult::ok);
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.opcode, Opcode::continuation);
  EXPECT_EQ(h.length, 0x10000u);
  EXPECT_EQ(h.size, 14u);
  EXPECT_EQ(0, std::memcmp(h.mask, kMask, 4));
  ASSERT_EQ(parse(client_header(0x82, 0x0123456789ABCDEFull), h), ParseResult::ok);
  EXPECT_EQ(h.length, 0x0123456789ABCDEFull);
  ASSERT_EQ(parse(client_header(0x82, 0x7FFFFFFFFFFFFFFFull), h), ParseResult::ok);
  EXPECT_EQ(h.length, 0x7FFFFFFFFFFFFFFFull);
}

TEST(WsParseHeader, ControlFramesParse) {
  FrameHeader h;
  ASSERT_EQ(parse(client_header(0x89, 125), h), ParseResult::ok);
  EXPECT_EQ(h.opcode, Opcode::ping);
  EXPECT_EQ(h.length, 125u);
  ASSERT_EQ(parse(client_header(0x8A, 0), h), ParseResult::ok);
  EXPECT_EQ(h.opcode, Opcode::pong);
  ASSERT_EQ(parse(client_header(0x88, 2), h), ParseResult::ok);
  EXPECT_EQ(h.opcode, Opcode::close);
  EXPECT_EQ(h.length, 2u);
}

TEST(WsParseHeader, NeedMoreAtEveryTruncationPoint) {
  for (std::uint64_t length : {std::uint64_t{5}, std::uint64_t{300}, std::uint64_t{70000}}) {
    Bytes full = client_header(0x81, length);
    for (std::size_t cut = 0; cut < full.size(); ++cut) {
      FrameHeader h;
      EXPECT_EQ(parse_header(full.data(), cut, h), ParseResult::need_more)
          << "length " << length << " cut at " << cut;
    }
    FrameHeader h;
    ASSERT_EQ(parse_header(full.data(), full.size(), h), ParseResult::ok);
    EXPECT_EQ(h.length, length);
    EXPECT_EQ(h.size, full.size());
  }
}

// --- parse_header: protocol errors -------------------------------------------------------------

TEST(WsParseHeader, ReservedBitsAreProtocolErrors) {
  for (std::uint8_t rsv : {0x40, 0x20, 0x10, 0x70}) {
    EXPECT_EQ(parse(client_header(static_cast<std::uint8_t>(0x81 | rsv), 1)),
              ParseResult::protocol_error)
        << "rsv " << int(rsv);
  }
}

TEST(WsParseHeader, UnknownOpcodesAreProtocolErrors) {
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    EXPECT_EQ(parse(client_header(static_cast<std::uint8_t>(0x80 | op), 1)),
              ParseResult::protocol_error)
        << "opcode " << int(op);
    // Judged once the whole header is there, so that the refused frame's size is known.
    Bytes two = client_header(static_cast<std::uint8_t>(0x80 | op), 1);
    two.resize(2);
    EXPECT_EQ(parse(two), ParseResult::need_more) << "opcode " << int(op);
  }
  for (std::uint8_t op : {0, 1, 2, 8, 9, 0xA}) {
    EXPECT_EQ(parse(client_header(static_cast<std::uint8_t>(0x80 | op), 1)), ParseResult::ok)
        << "opcode " << int(op);
  }
}

TEST(WsParseHeader, UnmaskedClientFramesAreProtocolErrors) {
  EXPECT_EQ(parse(client_header(0x81, 5, -1, false)), ParseResult::protocol_error);
  EXPECT_EQ(parse(client_header(0x82, 300, -1, false)), ParseResult::protocol_error);
  EXPECT_EQ(parse(client_header(0x89, 0, -1, false)), ParseResult::protocol_error);
  Bytes two = {0x81, 0x05};  // an unmasked header is complete after two bytes
  EXPECT_EQ(parse(two), ParseResult::protocol_error);
}

TEST(WsParseHeader, RefusedFramesStillTellTheirSize) {
  FrameHeader h;
  Bytes unmasked = {0x81, 0x05};
  EXPECT_EQ(parse_header(unmasked.data(), unmasked.size(), h), ParseResult::protocol_error);
  EXPECT_EQ(h.size, 2u);
  EXPECT_EQ(h.length, 5u);
  Bytes non_minimal = {0x81, 0xFE, 0x00, 0x05, 1, 2, 3, 4};  // 5 written in 16 bits
  EXPECT_EQ(parse_header(non_minimal.data(), non_minimal.size(), h), ParseResult::protocol_error);
  EXPECT_EQ(h.size, 8u);
  EXPECT_EQ(h.length, 5u);
  Bytes non_minimal64 = {0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4};
  EXPECT_EQ(parse_header(non_minimal64.data(), non_minimal64.size(), h),
            ParseResult::protocol_error);
  EXPECT_EQ(h.size, 14u);
  Bytes top_bit = {0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
  EXPECT_EQ(parse_header(top_bit.data(), top_bit.size(), h), ParseResult::protocol_error);
  EXPECT_EQ(h.size, 0u);  // no trustworthy size
}

TEST(WsClosePayload, CutsTheReasonAtACharacterBoundary) {
  std::string reason(122, 'a');
  reason += "\xC3\xA9";  // é straddles byte 123
  std::string payload = close_payload(4000, reason);
  EXPECT_EQ(payload.size(), 2u + 122u);
  EXPECT_TRUE(valid_utf8(payload.substr(2)));
}

TEST(WsParseHeader, FragmentedControlFramesAreProtocolErrors) {
  for (std::uint8_t op : {0x8, 0x9, 0xA}) {
    EXPECT_EQ(parse(client_header(op, 0)), ParseResult::protocol_error) << "opcode " << int(op);
    EXPECT_EQ(parse(client_header(op, 4)), ParseResult::protocol_error) << "opcode " << int(op);
  }
}

TEST(WsParseHeader, ControlFramesOver125AreProtocolErrors) {
  for (std::uint8_t op : {0x88, 0x89, 0x8A}) {
    EXPECT_EQ(parse(client_header(op, 126)), ParseResult::protocol_error) << int(op);
    EXPECT_EQ(parse(client_header(op, 0xFFFF)), ParseResult::protocol_error) << int(op);
    EXPECT_EQ(parse(client_header(op, 0x10000)), ParseResult::protocol_error) << int(op);
  }
}

TEST(WsParseHeader, SixtyFourBitLengthWithTopBitSetIsProtocolError) {
  EXPECT_EQ(parse(client_header(0x82, 0x8000000000000000ull)), ParseResult::protocol_error);
  EXPECT_EQ(parse(client_header(0x82, 0xFFFFFFFFFFFFFFFFull)), ParseResult::protocol_error);
  // Detected before the mask has arrived.
  Bytes no_mask = client_header(0x82, 0x8000000000000000ull);
  no_mask.resize(10);
  EXPECT_EQ(parse(no_mask), ParseResult::protocol_error);
}

// --- unmask ------------------------------------------------------------------------------------

std::string naive_unmask(std::string data, const std::uint8_t mask[4], std::uint64_t offset) {
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(data[i] ^ mask[(offset + i) % 4]);
  return data;
}

std::string sample(std::size_t n, unsigned seed) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 131 + seed * 17 + 7) & 0xFF);
  return out;
}

TEST(WsUnmask, MatchesNaiveAtEveryOffsetAndLength) {
  for (std::uint64_t offset = 0; offset < 8; ++offset) {
    for (std::size_t length = 0; length <= 40; ++length) {
      for (std::size_t misalign = 0; misalign < 3; ++misalign) {
        std::string original = sample(length, static_cast<unsigned>(offset + length));
        std::string buffer(misalign, '#');
        buffer += original;
        unmask(buffer.data() + misalign, length, kMask, offset);
        EXPECT_EQ(buffer.substr(0, misalign), std::string(misalign, '#'));
        EXPECT_EQ(buffer.substr(misalign), naive_unmask(original, kMask, offset))
            << "offset " << offset << " length " << length << " misalign " << misalign;
      }
    }
  }
}

TEST(WsUnmask, DoesNotTouchBytesPastTheEnd) {
  std::string buffer = sample(20, 3);
  std::string original = buffer;
  unmask(buffer.data(), 9, kMask, 1);
  EXPECT_EQ(buffer.substr(0, 9), naive_unmask(original.substr(0, 9), kMask, 1));
  EXPECT_EQ(buffer.substr(9), original.substr(9));
}

TEST(WsUnmask, TwoPiecesEqualOne) {
  for (std::size_t length : {0u, 1u, 7u, 8u, 9u, 16u, 31u, 40u}) {
    std::string original = sample(length, 11);
    std::string whole = original;
    unmask(whole.data(), whole.size(), kMask, 0);
    ASSERT_EQ(whole, naive_unmask(original, kMask, 0));
    for (std::size_t split = 0; split <= length; ++split) {
      std::string pieces = original;
      unmask(pieces.data(), split, kMask, 0);
      unmask(pieces.data() + split, length - split, kMask, split);
      EXPECT_EQ(pieces, whole) << "length " << length << " split " << split;
    }
  }
}

TEST(WsUnmask, LargeOffsetContinuesTheMaskCycle) {
  std::string original = sample(33, 5);
  std::string data = original;
  std::uint64_t offset = (std::uint64_t{1} << 40) + 3;
  unmask(data.data(), data.size(), kMask, offset);
  EXPECT_EQ(data, naive_unmask(original, kMask, offset));
}

TEST(WsUnmask, IsAnInvolution) {
  std::string original = sample(37, 9);
  std::string data = original;
  unmask(data.data(), data.size(), kMask, 2);
  EXPECT_NE(data, original);
  unmask(data.data(), data.size(), kMask, 2);
  EXPECT_EQ(data, original);
}

// --- write_header ------------------------------------------------------------------------------

// Parses a server (unmasked, final) frame: header fields and payload, independent of the code
// under test.
struct ServerFrame {
  bool fin = false;
  int rsv = 0;
  bool masked = false;
  int opcode = -1;
  std::uint64_t length = 0;
  std::size_t header_size = 0;
};

bool parse_server_frame(const std::uint8_t* data, std::size_t size, ServerFrame& out) {
  if (size < 2) return false;
  out.fin = (data[0] & 0x80) != 0;
  out.rsv = (data[0] >> 4) & 0x7;
  out.opcode = data[0] & 0x0F;
  out.masked = (data[1] & 0x80) != 0;
  std::uint64_t length = data[1] & 0x7F;
  std::size_t pos = 2;
  if (length == 126) {
    if (size < 4) return false;
    length = (std::uint64_t{data[2]} << 8) | data[3];
    pos = 4;
  } else if (length == 127) {
    if (size < 10) return false;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | data[2 + i];
    pos = 10;
  }
  out.length = length;
  out.header_size = pos;
  return true;
}

TEST(WsWriteHeader, SizesAtTheLengthBoundaries) {
  struct Case {
    std::uint64_t length;
    std::size_t size;
  };
  for (Case c : {Case{0, 2}, Case{1, 2}, Case{125, 2}, Case{126, 4}, Case{127, 4}, Case{65535, 4},
                 Case{65536, 10}, Case{0xFFFFFFFFull, 10}, Case{0x123456789Aull, 10}}) {
    std::uint8_t out[kMaxHeaderSize + 4];
    std::memset(out, 0xEE, sizeof out);
    std::size_t n = write_header(out, Opcode::text, c.length);
    EXPECT_EQ(n, c.size) << "length " << c.length;
    for (std::size_t i = n; i < sizeof out; ++i) EXPECT_EQ(out[i], 0xEE) << "wrote past " << n;
  }
}

TEST(WsWriteHeader, RoundTripsThroughAServerFrameParser) {
  for (Opcode op : {Opcode::text, Opcode::binary, Opcode::close, Opcode::ping, Opcode::pong}) {
    for (std::uint64_t length : {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{125},
                                 std::uint64_t{126}, std::uint64_t{1000}, std::uint64_t{65535},
                                 std::uint64_t{65536}, std::uint64_t{1} << 33}) {
      if (is_control(op) && length > 125) continue;
      std::uint8_t out[kMaxHeaderSize];
      std::size_t n = write_header(out, op, length);
      ServerFrame f;
      ASSERT_TRUE(parse_server_frame(out, n, f));
      EXPECT_EQ(f.header_size, n);
      EXPECT_TRUE(f.fin);
      EXPECT_EQ(f.rsv, 0);
      EXPECT_FALSE(f.masked);
      EXPECT_EQ(f.opcode, static_cast<int>(op));
      EXPECT_EQ(f.length, length);
    }
  }
}

TEST(WsWriteHeader, UsesTheMinimalLengthEncoding) {
  std::uint8_t out[kMaxHeaderSize];
  ASSERT_EQ(write_header(out, Opcode::binary, 125), 2u);
  EXPECT_EQ(out[0], 0x82);
  EXPECT_EQ(out[1], 125);
  ASSERT_EQ(write_header(out, Opcode::text, 126), 4u);
  EXPECT_EQ(out[0], 0x81);
  EXPECT_EQ(out[1], 126);
  EXPECT_EQ(out[2], 0x00);
  EXPECT_EQ(out[3], 126);
  ASSERT_EQ(write_header(out, Opcode::text, 0x10203), 10u);
  EXPECT_EQ(out[1], 127);
  const std::uint8_t expected[8] = {0, 0, 0, 0, 0, 0x01, 0x02, 0x03};
  EXPECT_EQ(0, std::memcmp(out + 2, expected, 8));
}

// --- close payloads ----------------------------------------------------------------------------

TEST(WsClosePayload, CodeInNetworkOrderThenReason) {
  std::string p = close_payload(4001, "moved");
  ASSERT_EQ(p.size(), 7u);
  EXPECT_EQ(static_cast<std::uint8_t>(p[0]), 0x0F);
  EXPECT_EQ(static_cast<std::uint8_t>(p[1]), 0xA1);
  EXPECT_EQ(p.substr(2), "moved");
  EXPECT_EQ(close_payload(1000, ""), std::string("\x03\xE8", 2));
}

TEST(WsClosePayload, TruncatesTheReasonTo123Bytes) {
  std::string reason(200, 'r');
  reason[122] = 'L';  // the last byte kept
  reason[123] = 'X';  // the first byte dropped
  std::string p = close_payload(1001, reason);
  ASSERT_EQ(p.size(), 125u);  // the largest control frame payload
  EXPECT_EQ(p.substr(2), reason.substr(0, 123));
  EXPECT_EQ(p.back(), 'L');
  EXPECT_EQ(close_payload(1001, std::string(123, 'a')).size(), 125u);
  EXPECT_EQ(close_payload(1001, std::string(122, 'a')).size(), 124u);
}

TEST(WsParseClosePayload, EmptyMeansNoStatus) {
  std::uint16_t code = 0;
  EXPECT_TRUE(parse_close_payload("", code));
  EXPECT_EQ(code, 1005);
}

TEST(WsParseClosePayload, AcceptsValidCodes) {
  for (std::uint16_t valid :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4001, 4999}) {
    std::uint16_t code = 0;
    EXPECT_TRUE(parse_close_payload(close_payload(valid, ""), code)) << valid;
    EXPECT_EQ(code, valid);
    code = 0;
    EXPECT_TRUE(parse_close_payload(close_payload(valid, "fine, \xC3\xA9t\xC3\xA9"), code))
        << valid;
    EXPECT_EQ(code, valid);
  }
}

TEST(WsParseClosePayload, RejectsOneByte) {
  std::uint16_t code = 0;
  EXPECT_FALSE(parse_close_payload(std::string_view("\x03", 1), code));
}

TEST(WsParseClosePayload, RejectsCodesAPeerMayNotSend) {
  for (std::uint16_t invalid : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    std::uint16_t code = 0;
    EXPECT_FALSE(parse_close_payload(close_payload(invalid, ""), code)) << invalid;
    EXPECT_FALSE(parse_close_payload(close_payload(invalid, "reason"), code)) << invalid;
  }
}

TEST(WsParseClosePayload, RejectsAnInvalidUtf8Reason) {
  std::uint16_t code = 0;
  EXPECT_FALSE(parse_close_payload(close_payload(1000, "bad \xFF"), code));
  EXPECT_FALSE(parse_close_payload(close_payload(1000, "cut \xC3"), code));
  EXPECT_FALSE(parse_close_payload(close_payload(1000, "\xED\xA0\x80"), code));  // surrogate
  EXPECT_TRUE(parse_close_payload(close_payload(1000, "ok \xE2\x82\xAC"), code));
  EXPECT_EQ(code, 1000);
}

// --- handshake keys ----------------------------------------------------------------------------

// RFC 6455 sections 1.3 and 4.2.2: base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
TEST(WsAcceptKey, Rfc6455Example) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsAcceptKey, DependsOnTheKey) {
  std::string a = accept_key("AAAAAAAAAAAAAAAAAAAAAA==");
  std::string b = accept_key("AAAAAAAAAAAAAAAAAAAAAQ==");
  EXPECT_EQ(a.size(), 28u);
  EXPECT_EQ(b.size(), 28u);
  EXPECT_NE(a, b);
  // The example of Wikipedia's WebSocket article.
  EXPECT_EQ(accept_key("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

TEST(WsValidClientKey, AcceptsBase64OfSixteenBytes) {
  EXPECT_TRUE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(valid_client_key("x3JJHMbDL1EzLkh9GBhXDw=="));
  EXPECT_TRUE(valid_client_key("ab+/AAAAAAAAAAAAAAAAAA=="));
}

TEST(WsValidClientKey, RejectsWrongLengths) {
  EXPECT_FALSE(valid_client_key(""));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ=="));    // 23
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQQ=="));  // 25
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ"));     // no padding
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ==dGhlIHNhbXBsZSBub25jZQ=="));
}

TEST(WsValidClientKey, RejectsMissingPadding) {
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQAA"));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQA="));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ=A="));
}

TEST(WsValidClientKey, RejectsBadCharacters) {
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ-=="));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j_Q=="));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBs ZSBub25jZ=="));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j=Q=="));
  EXPECT_FALSE(valid_client_key(std::string_view("dGhlIHNhbXBsZSBub25j\0Q==", 24)));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j\xC3\xA9=="));
}

// --- valid_utf8 --------------------------------------------------------------------------------

TEST(WsValidUtf8, AcceptsValidText) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii {\"id\":1}"));
  EXPECT_TRUE(valid_utf8("\xC3\xA9t\xC3\xA9"));          // 2-byte
  EXPECT_TRUE(valid_utf8("\xE2\x82\xAC"));               // 3-byte euro sign
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\x80"));           // 4-byte emoji
  EXPECT_TRUE(valid_utf8("\xED\x9F\xBF"));               // U+D7FF, just below surrogates
  EXPECT_TRUE(valid_utf8("\xEE\x80\x80"));               // U+E000, just above
  EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));           // U+10FFFF, the largest
  EXPECT_TRUE(valid_utf8(std::string_view("a\0b", 3)));  // NUL is valid
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC ";
  EXPECT_TRUE(valid_utf8(long_text));
}

TEST(WsValidUtf8, RejectsInvalidText) {
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xC1\xBF"));          // overlong
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong 3-byte
  EXPECT_FALSE(valid_utf8("\xF0\x80\x80\xAF"));  // overlong 4-byte
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // U+D800 surrogate
  EXPECT_FALSE(valid_utf8("\xED\xBF\xBF"));      // U+DFFF surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(valid_utf8("\xC3"));              // truncated 2-byte
  EXPECT_FALSE(valid_utf8("abc\xE2\x82"));       // truncated 3-byte
  EXPECT_FALSE(valid_utf8("\xF0\x9F\x98"));      // truncated 4-byte
  EXPECT_FALSE(valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(valid_utf8("a\xFF"));             // never valid
  EXPECT_FALSE(valid_utf8("\xC3\x28"));          // bad continuation
  std::string long_text(200, 'a');
  long_text[150] = '\xFE';  // past the first SIMD block
  EXPECT_FALSE(valid_utf8(long_text));
}

}  // namespace
}  // namespace neo::transport::websocket
