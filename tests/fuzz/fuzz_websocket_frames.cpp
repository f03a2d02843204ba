// A client's bytes -> WsConnection's own code (BasicWsConnection) over the unit tests'
// in-memory stream with a virtual clock (tests/unit/support/ws_memory_harness.h), chunked and
// faulted as the input says, with a session that acknowledges every message. The same bytes go
// through a plain reader of RFC 6455 written for this target (`reference_read`), which says what
// the session must receive and the code the server must close with. Whatever the input:
// on_close exactly once; the messages are a prefix of the reference's (all of them unless a
// fault cut the input), so never over max_message_bytes, text always UTF-8, nothing after a
// close or a protocol error; the server's bytes are the 101 answer and then valid server frames
// (unmasked, FIN, minimal lengths, the close frame last); the connection object is gone once
// the io_context runs out of work, with no wait or timer left, within the close deadlines.
// parse_header, unmask, parse_close_payload and valid_utf8 are also checked directly against
// simple references, on the same bytes.
//
// Input: 7 control bytes, then the client's bytes (what follows its upgrade request).
//   [0] flags: bits 0-1 max_message_bytes (16, 125, 1024, 65536); bit 2 the client answers the
//       server's close; bit 3 the client's FIN follows its bytes (else the session closes, or
//       aborts with bit 7, once they are read); bits 4-5 a fault at the offset of [4-5]: 1 reset
//       after that many input bytes, 2 EOF there, 3 reset (bit 6: a stall) after that many
//       bytes of the server's.
//   [1] bytes per read (0: all), [2] bytes per write (0: all), [3] would_block on every n-th
//       read (low nibble) and write (high nibble), [4-5] the fault offset (little-endian),
//   [6] how many of the client's bytes arrive with the upgrade request ("early" bytes).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/support/ws_memory_harness.h"
#include "fuzz_support.h"
#include "transport/websocket/frame.h"

namespace {

using namespace neo;
namespace ws = transport::websocket;
namespace harness = test::ws;

constexpr std::size_t kMaxSteps = 1 << 20;
constexpr auto kLongestClose = std::chrono::seconds(10);  // see the memory stream unit test

// --- references: the obvious code for what frame.cpp does fast ---------------------------------

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
bool reference_utf8(std::string_view s) {
  static constexpr std::uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
  for (std::size_t i = 0; i < s.size();) {
    auto lead = static_cast<std::uint8_t>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = lead;
    if ((lead & 0xE0) == 0xC0) {
      extra = 1, cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, cp = lead & 0x07;
    } else if (lead >= 0x80) {
      return false;
    }
    if (s.size() - i - 1 < extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<std::uint8_t>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (cp < kSmallest[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// RFC 6455 7.4: the codes a peer may send.
std::optional<std::uint16_t> reference_close_code(std::string_view payload) {
  if (payload.empty()) return 1005;
  if (payload.size() == 1) return std::nullopt;
  auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                         static_cast<std::uint8_t>(payload[1]));
  bool allowed = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
                 (code >= 3000 && code <= 4999);
  if (!allowed || !reference_utf8(payload.substr(2))) return std::nullopt;
  return code;
}

struct Header {
  bool complete = false;  // else more bytes are needed
  bool valid = false;
  bool size_known = false;  // false only for a 64-bit length with its top bit set (refused)
  bool fin = false;
  int opcode = 0;
  std::uint64_t length = 0;
  std::uint8_t mask[4] = {0, 0, 0, 0};
  std::size_t size = 0;
};

Header reference_header(std::string_view in) {
  Header h;
  auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(in[i]); };
  if (in.size() < 2) return h;
  std::uint64_t length = at(1) & 0x7F;
  std::size_t size = length == 126 ? 4 : length == 127 ? 10 : 2;
  bool masked = (at(1) & 0x80) != 0;
  if (in.size() < size) return h;
  if (length >= 126) {
    length = 0;
    for (std::size_t i = 2; i < size; ++i) length = (length << 8) | at(i);
  }
  if (size == 10 && (length >> 63) != 0) {
    h.complete = true;
    h.size = size;  // the bytes read to refuse it; the frame's own size is unknown
    return h;
  }
  if (masked && in.size() < size + 4) return h;
  for (std::size_t i = 0; masked && i < 4; ++i) h.mask[i] = at(size + i);
  h.complete = h.size_known = true;
  h.fin = (at(0) & 0x80) != 0;
  h.opcode = at(0) & 0x0F;
  h.length = length;
  h.size = size + (masked ? 4 : 0);
  bool known = h.opcode <= 2 || (h.opcode >= 8 && h.opcode <= 10);
  bool control = h.opcode >= 8;
  bool minimal = size == 2 || (size == 4 && length >= 126) || (size == 10 && length > 0xFFFF);
  h.valid =
      (at(0) & 0x70) == 0 && known && masked && minimal && !(control && (!h.fin || length > 125));
  return h;
}

std::string reference_unmask(std::string_view data, const std::uint8_t mask[4],
                             std::uint64_t offset) {
  std::string out(data);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(out[i] ^ static_cast<char>(mask[(offset + i) % 4]));
  return out;
}

// What a correct server does with `in`, read from the start up to its first close or error.
struct Expected {
  std::vector<std::string> messages;
  std::vector<std::string> pings;
  std::optional<std::uint16_t> close_code;  // the server's close; none: the input just ended
  std::size_t end = 0;                      // bytes of `in` the outcome depends on
};

Expected reference_read(std::string_view in, std::uint64_t max_message_bytes) {
  Expected e;
  std::string message;
  bool in_message = false, message_text = false;
  auto stop = [&](std::uint16_t code, std::size_t end) {
    e.close_code = code;
    e.end = end;
    return e;
  };
  std::size_t pos = 0;
  for (;;) {
    Header h = reference_header(in.substr(pos));
    if (!h.complete) return e.end = in.size(), e;
    if (!h.valid) return stop(1002, pos + h.size);
    if (h.length > max_message_bytes) return stop(1009, pos + h.size);
    if (in.size() - pos - h.size < h.length) return e.end = in.size(), e;
    std::string payload = reference_unmask(in.substr(pos + h.size, h.length), h.mask, 0);
    pos += h.size + h.length;
    if (h.opcode == harness::kPing) {
      e.pings.push_back(payload);
    } else if (h.opcode == harness::kClose) {
      std::optional<std::uint16_t> code = reference_close_code(payload);
      return stop(!code ? 1002 : *code == 1005 ? 1000 : *code, pos);
    } else if (h.opcode == harness::kContinuation || h.opcode == harness::kText ||
               h.opcode == harness::kBinary) {
      bool continues = h.opcode == harness::kContinuation;
      if (continues != in_message) return stop(1002, pos);
      if (!continues) {
        message.clear();
        message_text = h.opcode == harness::kText;
      }
      if (message.size() + payload.size() > max_message_bytes) return stop(1009, pos);
      message += payload;
      in_message = !h.fin;
      if (in_message) continue;
      if (message_text && !reference_utf8(message)) return stop(1007, pos);
      e.messages.push_back(message);
    }
  }
}

// --- the codec's functions, directly -----------------------------------------------------------

void check_codec(std::string_view in) {
  Header want = reference_header(in);
  ws::FrameHeader got;
  auto result = ws::parse_header(reinterpret_cast<const std::uint8_t*>(in.data()), in.size(), got);
  auto expected = !want.complete ? ws::ParseResult::need_more
                  : want.valid   ? ws::ParseResult::ok
                                 : ws::ParseResult::protocol_error;
  if (result != expected) fuzz::fail("parse_header: another result than the reference's");
  if (want.complete && want.size_known &&
      (got.size != want.size || got.length != want.length ||
       (result == ws::ParseResult::ok &&
        (got.fin != want.fin || static_cast<int>(got.opcode) != want.opcode ||
         std::memcmp(got.mask, want.mask, 4) != 0))))
    fuzz::fail("parse_header: another frame than the reference's");
  if (want.complete && !want.size_known && got.size != 0)
    fuzz::fail("parse_header: a size for a frame whose length is refused");

  if (in.size() >= 5) {  // the first 4 bytes a mask, the 5th an offset, the rest data
    std::uint8_t mask[4];
    std::memcpy(mask, in.data(), 4);
    std::uint64_t offset = static_cast<std::uint8_t>(in[4]);
    std::string data(in.substr(5));
    ws::unmask(data.data(), data.size(), mask, offset);
    if (data != reference_unmask(in.substr(5), mask, offset)) fuzz::fail("unmask");
  }

  std::uint16_t code = 0;
  std::optional<std::uint16_t> want_code = reference_close_code(in.substr(0, 125));
  bool parsed = ws::parse_close_payload(in.substr(0, 125), code);
  if (parsed != want_code.has_value() || (parsed && code != *want_code))
    fuzz::fail("parse_close_payload", in.substr(0, 125));

  if (ws::valid_utf8(in) != reference_utf8(in)) fuzz::fail("valid_utf8", in);
}

// --- the connection ----------------------------------------------------------------------------

struct Setup {
  transport::WsLimits limits;
  test::StreamFaults faults;
  bool client_answers_close = false;
  bool client_fin = false;
  bool session_aborts = false;
  std::size_t fault_offset = 0;
  int fault = 0;
  bool stall = false;
  std::size_t early = 0;
};

Setup read_setup(fuzz::Input& in) {
  static constexpr std::uint64_t kMaxMessageBytes[] = {16, 125, 1024, 65536};
  Setup s;
  std::uint8_t flags = in.byte();
  s.limits.max_message_bytes = kMaxMessageBytes[flags & 3];
  s.client_answers_close = (flags & 4) != 0;
  s.client_fin = (flags & 8) != 0;
  s.fault = (flags >> 4) & 3;
  s.stall = (flags & 0x40) != 0;
  s.session_aborts = (flags & 0x80) != 0;
  s.faults.read_chunk = in.byte();
  s.faults.write_chunk = in.byte();
  std::uint8_t blocks = in.byte();
  s.faults.read_would_block_every = blocks & 0x0F;
  s.faults.write_would_block_every = blocks >> 4;
  s.fault_offset = in.byte();
  s.fault_offset |= std::size_t{in.byte()} << 8;
  if (s.fault == 1) s.faults.reset_at_read = s.fault_offset;
  if (s.fault == 2) s.faults.eof_at_read = s.fault_offset;
  if (s.fault == 3 && !s.stall) s.faults.reset_at_write = s.fault_offset;
  if (s.fault == 3 && s.stall) s.faults.stall_at_write = s.fault_offset;
  s.early = in.byte();
  return s;
}

template <class T>
bool is_prefix(const std::vector<T>& prefix, const std::vector<T>& of) {
  return prefix.size() <= of.size() && std::equal(prefix.begin(), prefix.end(), of.begin());
}

void check_connection(harness::Harness& h, const Setup& s, const Expected& want) {
  if (h.log.closes != 1) fuzz::fail("on_close not called exactly once");
  if (h.log.messages_after_close) fuzz::fail("a message delivered after on_close");
  if (!h.connection.expired()) fuzz::fail("the connection outlived its io_context's work");
  if (h.peer->pending_waits() || h.timers_pending()) fuzz::fail("a wait or timer left pending");
  if (!h.peer->closed_by_server()) fuzz::fail("the socket was not closed");
  if (!h.peer->misuse().empty()) fuzz::fail("socket misuse", h.peer->misuse().front());
  if (h.elapsed() > kLongestClose) fuzz::fail("the connection outlived the close deadlines");

  // Exact unless a fault cut the input before all that decides the outcome (the stream carries
  // the client's bytes after the early ones) or reset the connection.
  bool input_cut = (s.fault == 1 || s.fault == 2) && s.early + s.fault_offset < want.end;
  bool exact = !input_cut && !h.peer->reset();
  for (const std::string& m : h.log.delivered)
    if (m.size() > s.limits.max_message_bytes) fuzz::fail("a message over max_message_bytes");
  if (!is_prefix(h.log.delivered, want.messages))
    fuzz::fail("delivered what the reference did not");
  if (exact && h.log.delivered != want.messages) fuzz::fail("delivered less than the reference");

  harness::ServerOutput out = harness::parse_server_output(h.peer->output());
  if (!out.error.empty()) fuzz::fail("the server wrote " + out.error);
  if (!is_prefix(out.messages(), h.log.sent)) fuzz::fail("wrote messages never sent");
  std::vector<std::string> pongs;
  for (const auto& f : out.frames)
    if (f.opcode == harness::kPong) pongs.push_back(f.payload);
  if (!is_prefix(pongs, want.pings)) fuzz::fail("a pong for no ping");
  // Its close frame, when written whole: the code the reference expects.
  // Its close frame, when written: the code the reference expects, or the session's.
  const harness::ServerFrame* close = out.close_frame();
  std::uint16_t session_code = s.session_aborts ? 4002 : 4000;
  if (exact && close && close->close_code() != want.close_code.value_or(session_code))
    fuzz::fail("closed with another code than the reference's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  Setup s = read_setup(in);
  std::string_view client = in.rest();
  check_codec(client);
  Expected want = reference_read(client, s.limits.max_message_bytes);

  s.early = std::min(s.early, client.size());
  std::size_t early = s.early;
  harness::Harness h(s.faults, s.limits, std::string(client.substr(0, early)));
  h.log.on_message = [&h](transport::Connection& c, std::string_view) {
    h.log.send(c, "ack:" + std::to_string(h.log.delivered.size()));
  };
  if (s.client_answers_close) {
    h.peer->on_output = [&h, answered = false]() mutable {
      if (answered) return;
      harness::ServerOutput out = harness::parse_server_output(h.peer->output());
      if (const auto* close = out.close_frame()) {
        answered = true;
        h.peer->write(harness::client_close(close->close_code()));
      }
    };
  }
  h.peer->write(client.substr(early));
  if (s.client_fin) h.peer->shutdown_write();
  if (h.run(kMaxSteps) == kMaxSteps) fuzz::fail("the connection never stopped running");
  if (auto connection = h.alive(); connection && h.log.closes == 0) {
    // The input is read and the connection is idle: the session ends it.
    if (s.session_aborts) connection->abort(4002, "slow");
    if (!s.session_aborts) connection->close(4000, "bye");
    connection.reset();
    if (h.run(kMaxSteps) == kMaxSteps) fuzz::fail("the connection never stopped running");
  }
  check_connection(h, s, want);
  return 0;
}
