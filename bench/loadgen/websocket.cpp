#include "websocket.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace bench::ws {
namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

void append_upgrade_request(std::string& out, std::string_view host_port, std::string_view path,
                            std::string_view subprotocol, std::string_view extensions) {
  out += "GET ";
  out += path;
  out += " HTTP/1.1\r\nHost: ";
  out += host_port;
  // The key only has to be 16 base64-encoded bytes; servers echo its hash, which we do not check.
  out +=
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: bmVvLWxvYWRnZW4ta2V5IQ==\r\nSec-WebSocket-Version: 13\r\n";
  append_header(out, "Sec-WebSocket-Protocol", subprotocol);
  append_header(out, "Sec-WebSocket-Extensions", extensions);
  out += "\r\n";
}

size_t response_head_length(std::string_view data) {
  size_t end = data.find("\r\n\r\n");
  return end == std::string_view::npos ? 0 : end + 4;
}

bool is_switching_protocols(std::string_view head) { return head.starts_with("HTTP/1.1 101"); }

std::string_view header_value(std::string_view head, std::string_view name) {
  for (size_t pos = head.find("\r\n"); pos != std::string_view::npos && pos + 2 < head.size();) {
    size_t start = pos + 2;
    pos = head.find("\r\n", start);
    std::string_view line = head.substr(start, pos == std::string_view::npos ? pos : pos - start);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        iequals(line.substr(0, name.size()), name))
      return trim(line.substr(name.size() + 1));
  }
  return {};
}

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
  if ((b0 & 0x30) != 0 || (b1 & 0x80) != 0) return ParseResult::kError;  // RSV2/3, masked
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
  frame.compressed = (b0 & 0x40) != 0;
  frame.payload = data.substr(header, len);
  frame.total = header + len;
  return ParseResult::kFrame;
}

Inflater::Inflater() {
  // -15: raw deflate without zlib header, with the 32 KiB window RFC 7692 allows by default.
  if (inflateInit2(&z_, -15) != Z_OK) throw std::runtime_error("inflateInit2 failed");
}

Inflater::~Inflater() { inflateEnd(&z_); }

bool Inflater::inflate(std::string_view payload, size_t limit, std::string_view& out) {
  // RFC 7692 7.2.2: the sender dropped the 00 00 ff ff that ends its flush; put it back.
  static constexpr char kTail[] = {'\0', '\0', '\xff', '\xff'};
  inflateReset(&z_);
  size_t used = 0;
  bool ok = feed(payload, limit, used) && feed({kTail, sizeof kTail}, limit, used);
  out = std::string_view(buffer_.data(), used);
  return ok;
}

// Inflates input after the `used` bytes already in buffer_, growing it (never shrinking: no
// allocation nor zero-filling per message once it is large enough).
bool Inflater::feed(std::string_view input, size_t limit, size_t& used) {
  // zlib's API takes non-const input pointers; it never writes through them.
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z_.avail_in = static_cast<uInt>(input.size());
  for (;;) {
    if (used == buffer_.size()) buffer_.resize(std::max<size_t>(4096, buffer_.size() * 2));
    z_.next_out = reinterpret_cast<Bytef*>(buffer_.data() + used);
    z_.avail_out = static_cast<uInt>(buffer_.size() - used);
    int rc = ::inflate(&z_, Z_SYNC_FLUSH);
    used = buffer_.size() - z_.avail_out;
    if (used > limit) return false;
    if (rc == Z_STREAM_END || (rc == Z_BUF_ERROR && z_.avail_in == 0)) return true;
    if (rc != Z_OK) return false;
    if (z_.avail_in == 0 && z_.avail_out != 0) return true;
  }
}

}  // namespace bench::ws
