#include "transport/websocket/frame.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include <cstring>

namespace neo::transport::websocket {

namespace {

bool known_opcode(std::uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

}  // namespace

// Reads the whole header first and judges it afterwards, so that even a refused frame's size
// is known (out.size, out.length) and the reader can skip it and stay in step.
ParseResult parse_header(const std::uint8_t* data, std::size_t size, FrameHeader& out,
                         bool allow_rsv1) {
  out = FrameHeader{};
  if (size < 2) return ParseResult::need_more;
  std::uint8_t b0 = data[0], b1 = data[1];
  bool masked = (b1 & 0x80) != 0;
  std::uint64_t length = b1 & 0x7F;
  std::size_t pos = 2;
  bool minimal = true;
  if (length == 126) {
    if (size < pos + 2) return ParseResult::need_more;
    length = (std::uint64_t{data[2]} << 8) | data[3];
    minimal = length >= 126;  // RFC 6455 5.2: the minimal form only
    pos += 2;
  } else if (length == 127) {
    if (size < pos + 8) return ParseResult::need_more;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | data[pos + i];
    if (length >> 63) return ParseResult::protocol_error;  // size unknown: out.size stays 0
    minimal = length > 0xFFFF;
    pos += 8;
  }
  if (masked) {
    if (size < pos + 4) return ParseResult::need_more;
    std::memcpy(out.mask, data + pos, 4);
    pos += 4;
  }
  out.fin = (b0 & 0x80) != 0;
  out.rsv1 = (b0 & 0x40) != 0;
  out.opcode = static_cast<Opcode>(b0 & 0x0F);
  out.length = length;
  out.size = pos;
  bool rsv_ok = (b0 & 0x30) == 0 && (!out.rsv1 || (allow_rsv1 && !is_control(out.opcode)));
  bool valid = rsv_ok && known_opcode(b0 & 0x0F) && masked && minimal &&
               !(is_control(out.opcode) && (!out.fin || length > 125));
  return valid ? ParseResult::ok : ParseResult::protocol_error;
}

void unmask(char* data, std::size_t size, const std::uint8_t mask[4], std::uint64_t offset) {
  // Eight bytes at a time with the mask rotated to the payload position.
  std::uint8_t rotated[8];
  for (int i = 0; i < 8; ++i) rotated[i] = mask[(offset + i) & 3];
  std::uint64_t wide;
  std::memcpy(&wide, rotated, 8);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, data + i, 8);
    chunk ^= wide;
    std::memcpy(data + i, &chunk, 8);
  }
  for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ rotated[i & 7]);
}

std::size_t write_header(std::uint8_t* out, Opcode opcode, std::uint64_t length, bool compressed) {
  out[0] =
      static_cast<std::uint8_t>(0x80 | (compressed ? 0x40 : 0) | static_cast<std::uint8_t>(opcode));
  if (length < 126) {
    out[1] = static_cast<std::uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(length >> 8);
    out[3] = static_cast<std::uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
  return 10;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  if (reason.size() > 123) {  // cut at a character boundary: the reason must stay UTF-8
    std::size_t cut = 123;
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  out.append(reason);
  return out;
}

// Codes a peer may send (RFC 6455 7.4): 1000-1003, 1007-1011, 3000-4999.
bool parse_close_payload(std::string_view payload, std::uint16_t& code) {
  if (payload.empty()) {
    code = 1005;  // no status received
    return true;
  }
  if (payload.size() < 2) return false;
  code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                    static_cast<std::uint8_t>(payload[1]));
  bool valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
               (code >= 3000 && code <= 4999);
  return valid && valid_utf8(payload.substr(2));
}

std::string accept_key(std::string_view client_key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(client_key);
  input += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(encoded), static_cast<std::size_t>(n));
}

bool valid_client_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22)) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

bool valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

}  // namespace neo::transport::websocket
