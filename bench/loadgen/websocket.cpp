#include "websocket.h"

namespace bench::ws {

void append_upgrade_request(std::string& out, std::string_view host_port, std::string_view path,
                            std::string_view subprotocol) {
  out += "GET ";
  out += path;
  out += " HTTP/1.1\r\nHost: ";
  out += host_port;
  // The key only has to be 16 base64-encoded bytes; servers echo its hash, which we do not check.
  out +=
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: bmVvLWxvYWRnZW4ta2V5IQ==\r\nSec-WebSocket-Version: 13\r\n";
  if (!subprotocol.empty()) {
    out += "Sec-WebSocket-Protocol: ";
    out += subprotocol;
    out += "\r\n";
  }
  out += "\r\n";
}

size_t response_head_length(std::string_view data) {
  size_t end = data.find("\r\n\r\n");
  return end == std::string_view::npos ? 0 : end + 4;
}

bool is_switching_protocols(std::string_view head) { return head.starts_with("HTTP/1.1 101"); }

void append_frame(std::string& out, Opcode opcode, std::string_view payload) {
  out += static_cast<char>(0x80 | opcode);
  uint64_t len = payload.size();
  if (len < 126) {
    out += static_cast<char>(0x80 | len);
  } else if (len <= 0xFFFF) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(len >> 8);
    out += static_cast<char>(len & 0xFF);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((len >> shift) & 0xFF);
  }
  out.append(4, '\0');  // masking key 0: XOR leaves the payload unchanged
  out += payload;
}

ParseResult parse_frame(std::string_view data, Frame& frame) {
  if (data.size() < 2) return ParseResult::kIncomplete;
  auto b0 = static_cast<uint8_t>(data[0]);
  auto b1 = static_cast<uint8_t>(data[1]);
  if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0) return ParseResult::kError;  // RSV bits, masked
  uint64_t len = b1 & 0x7F;
  size_t header = 2;
  if (len == 126) {
    if (data.size() < 4) return ParseResult::kIncomplete;
    len = (uint64_t{static_cast<uint8_t>(data[2])} << 8) | static_cast<uint8_t>(data[3]);
    header = 4;
  } else if (len == 127) {
    if (data.size() < 10) return ParseResult::kIncomplete;
    len = 0;
    for (size_t i = 2; i < 10; ++i) len = (len << 8) | static_cast<uint8_t>(data[i]);
    header = 10;
  }
  if (data.size() - header < len) return ParseResult::kIncomplete;
  frame.opcode = static_cast<Opcode>(b0 & 0x0F);
  frame.fin = (b0 & 0x80) != 0;
  frame.payload = data.substr(header, len);
  frame.total = header + len;
  return ParseResult::kFrame;
}

}  // namespace bench::ws
