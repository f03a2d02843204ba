// Minimal WebSocket client framing (RFC 6455): the upgrade request, client frames (masked with
// a zero key, so the payload is sent as is) and parsing of the server's unmasked frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench::ws {

enum Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA
};

void append_upgrade_request(std::string& out, std::string_view host_port, std::string_view path,
                            std::string_view subprotocol);

// The upgrade response is complete once "\r\n\r\n" arrived: returns its length (0 = not yet).
size_t response_head_length(std::string_view data);
bool is_switching_protocols(std::string_view head);

void append_frame(std::string& out, Opcode opcode, std::string_view payload);

struct Frame {
  Opcode opcode = kText;
  bool fin = true;
  std::string_view payload;
  size_t total = 0;  // header + payload bytes consumed
};

enum class ParseResult { kFrame, kIncomplete, kError };

// Parses one server frame at the start of data. Server frames must not be masked.
ParseResult parse_frame(std::string_view data, Frame& frame);

}  // namespace bench::ws
