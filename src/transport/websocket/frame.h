// RFC 6455 framing for the server side: parsing client frame headers, unmasking, and building
// the (unmasked) headers of server frames. Pure functions, no I/O.
//
// Why not Beast's websocket::stream: it keeps ~3 KiB per connection whether or not anything is
// being read (an inline 1.5 KiB read buffer, frame buffers, a timer, a basic_stream with two
// more timers). BENCHMARKS.md (S1) shows that this dominated the idle connection; this codec
// plus WsConnection hold no buffer while no frame is in flight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace neo::transport::websocket {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

inline bool is_control(Opcode op) { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

struct FrameHeader {
  bool fin = false;
  bool rsv1 = false;  // permessage-deflate: the message is compressed (only when allowed)
  Opcode opcode = Opcode::text;
  std::uint64_t length = 0;
  std::uint8_t mask[4] = {0, 0, 0, 0};
  std::size_t size = 0;  // bytes of the header itself
};

enum class ParseResult { need_more, ok, protocol_error };

// Parses a client frame header from the start of `data`. protocol_error: reserved bits set,
// unknown opcode, unmasked frame, fragmented or over-long (> 125) control frame, a length not
// in its minimal form, a 64-bit length with the top bit set. Even then out.size and out.length
// describe the frame when they could be read (out.size == 0 when not), so it can be skipped.
// `allow_rsv1`: permessage-deflate was negotiated, RSV1 may be set on data frames (whether on the
// right one, a message's first, is the reader's to check).
ParseResult parse_header(const std::uint8_t* data, std::size_t size, FrameHeader& out,
                         bool allow_rsv1 = false);

// XORs `data` with the mask, `offset` being the position of data[0] within the payload.
void unmask(char* data, std::size_t size, const std::uint8_t mask[4], std::uint64_t offset);

// A final, unmasked server frame header for `length` payload bytes; returns its size (2..10).
constexpr std::size_t kMaxHeaderSize = 10;
// `compressed` sets RSV1 (permessage-deflate).
std::size_t write_header(std::uint8_t* out, Opcode opcode, std::uint64_t length,
                         bool compressed = false);

// Payload of a close frame: the code (network order) and the reason, cut to at most 123 bytes
// at a UTF-8 character boundary.
std::string close_payload(std::uint16_t code, std::string_view reason);
// Reads a received close payload; false when malformed (1 byte, invalid code or bad UTF-8).
bool parse_close_payload(std::string_view payload, std::uint16_t& code);

// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);
// A Sec-WebSocket-Key must be the base64 of 16 bytes.
bool valid_client_key(std::string_view key);

bool valid_utf8(std::string_view text);

}  // namespace neo::transport::websocket
