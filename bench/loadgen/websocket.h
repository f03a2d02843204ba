// Minimal WebSocket client framing (RFC 6455): the upgrade request, client frames (masked with
// a zero key, so the payload is sent as is), parsing of the server's unmasked frames, and the
// receiving half of permessage-deflate (RFC 7692) without context takeover.
#pragma once

#include <zlib.h>

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

// What the loadgen offers in Sec-WebSocket-Extensions with --ws-deflate: every message is a
// self-contained deflate stream, so one inflater per thread serves all its connections.
inline constexpr std::string_view kDeflateOffer =
    "permessage-deflate; client_no_context_takeover; server_no_context_takeover";

// subprotocol and extensions: header values to offer, none when empty.
void append_upgrade_request(std::string& out, std::string_view host_port, std::string_view path,
                            std::string_view subprotocol, std::string_view extensions);

// The upgrade response is complete once "\r\n\r\n" arrived: returns its length (0 = not yet).
size_t response_head_length(std::string_view data);
bool is_switching_protocols(std::string_view head);
// The value of a response header (name case-insensitive), empty when absent.
std::string_view header_value(std::string_view head, std::string_view name);

void append_frame(std::string& out, Opcode opcode, std::string_view payload);

struct Frame {
  Opcode opcode = kText;
  bool fin = true;
  bool compressed = false;  // RSV1: permessage-deflate, set on a message's first frame
  std::string_view payload;
  size_t total = 0;  // header + payload bytes consumed
};

enum class ParseResult { kFrame, kIncomplete, kError };

// Parses one server frame at the start of data. Server frames must not be masked nor use
// RSV2/RSV3; whether RSV1 is allowed is the caller's business (it knows what was negotiated).
ParseResult parse_frame(std::string_view data, Frame& frame);

// Inflates compressed messages, one at a time, reusing one z_stream (inflateReset between
// messages: no context takeover means no window to keep). Not thread-safe: one per thread.
class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // out: the inflated message, valid until the next call. False if the payload is corrupt or
  // would inflate past `limit` bytes.
  bool inflate(std::string_view payload, size_t limit, std::string_view& out);

 private:
  bool feed(std::string_view input, size_t limit, size_t& used);

  z_stream z_{};
  std::string buffer_;
};

}  // namespace bench::ws
