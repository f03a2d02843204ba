// A BasicWsConnection over a MemoryStream with a virtual clock, a session that records what it
// sees, and the client's half of RFC 6455 (masked frames out, a checker for the server's bytes).
// Shared by tests/unit/transport_ws_memory_stream_test.cpp and
// tests/fuzz/fuzz_websocket_frames.cpp.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "memory_stream.h"
#include "transport/connection.h"
#include "transport/flush_scheduler.h"
#include "transport/ws_connection.h"
#include "transport/ws_connection_impl.h"
#include "virtual_clock.h"

namespace neo::test::ws {

using MemoryWsConnection = transport::BasicWsConnection<MemoryStream, ManualTimer>;

enum Opcode : int {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA
};

// --- the client's frames -----------------------------------------------------------------------

inline std::string client_frame(int opcode, bool fin, std::string_view payload,
                                std::array<std::uint8_t, 4> mask = {0x5A, 0xC3, 0x0F, 0x96}) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (56 - 8 * i)) & 0xFF));
  }
  out.append(reinterpret_cast<const char*>(mask.data()), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4])));
  return out;
}

inline std::string close_body(std::uint16_t code, std::string_view reason = "") {
  std::string out{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return out.append(reason);
}

inline std::string client_close(std::uint16_t code, std::string_view reason = "") {
  return client_frame(kClose, true, close_body(code, reason));
}

// --- the server's bytes ------------------------------------------------------------------------

struct ServerFrame {
  int opcode = -1;
  std::string payload;
  std::uint16_t close_code() const {  // 0 when there is none
    if (opcode != kClose || payload.size() < 2) return 0;
    return static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                      static_cast<std::uint8_t>(payload[1]));
  }
};

struct ServerOutput {
  std::string head;  // the HTTP answer, up to its blank line
  std::vector<ServerFrame> frames;
  std::size_t incomplete = 0;  // bytes of a last frame (or head) cut short
  std::string error;           // the first rule broken; empty when the bytes are well-formed
  // The messages of the text frames ('\n' joins several in one frame).
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const ServerFrame& f : frames) {
      if (f.opcode != kText) continue;
      std::size_t start = 0;
      for (std::size_t nl; (nl = f.payload.find('\n', start)) != std::string::npos; start = nl + 1)
        out.push_back(f.payload.substr(start, nl - start));
      out.push_back(f.payload.substr(start));
    }
    return out;
  }
  const ServerFrame* close_frame() const {
    return !frames.empty() && frames.back().opcode == kClose ? &frames.back() : nullptr;
  }
};

// Splits what the server wrote into the 101 answer and frames; notes the first rule of a
// server frame broken (RFC 6455 5.1-5.5): FIN set, no RSV bits, unmasked, a known opcode the
// server sends (text, pong, close), the minimal length form, control payloads of at most 125
// bytes, nothing after the close frame.
inline ServerOutput parse_server_output(std::string_view bytes) {
  ServerOutput out;
  constexpr std::string_view k101 = "HTTP/1.1 101 Switching Protocols\r\n";
  std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (k101.substr(0, std::min(k101.size(), bytes.size())) != bytes.substr(0, k101.size()))
      out.error = "not a 101 answer";
    out.incomplete = bytes.size();
    return out;
  }
  out.head = std::string(bytes.substr(0, end + 4));
  if (out.head.rfind(k101, 0) != 0) out.error = "not a 101 answer";
  std::size_t pos = end + 4;
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[pos + i]); };
  while (out.error.empty() && pos < bytes.size()) {
    std::size_t left = bytes.size() - pos;
    if (out.close_frame()) out.error = "bytes after the close frame";
    if (left < 2) break;
    int opcode = byte(0) & 0x0F;
    std::uint64_t length = byte(1) & 0x7F;
    std::size_t header = length == 126 ? 4 : length == 127 ? 10 : 2;
    if (left < header) break;
    if (length == 126) length = (std::uint64_t{byte(2)} << 8) | byte(3);
    if (header == 10) {
      length = 0;
      for (std::size_t i = 0; i < 8; ++i) length = (length << 8) | byte(2 + i);
    }
    if ((byte(0) & 0x80) == 0) out.error = "a fragmented frame";
    if ((byte(0) & 0x70) != 0) out.error = "RSV bits set";
    if ((byte(1) & 0x80) != 0) out.error = "a masked frame";
    if (opcode != kText && opcode != kPong && opcode != kClose) out.error = "an unexpected opcode";
    if ((header == 4 && length < 126) || (header == 10 && length <= 0xFFFF))
      out.error = "a length not in its minimal form";
    if (opcode != kText && length > 125) out.error = "a control frame over 125 bytes";
    if (!out.error.empty() || left - header < length) break;
    out.frames.push_back({opcode, std::string(bytes.substr(pos + header, length))});
    pos += header + length;
  }
  if (out.error.empty()) out.incomplete = bytes.size() - pos;
  return out;
}

// --- the session -------------------------------------------------------------------------------

struct SessionLog {
  std::vector<std::string> delivered;
  std::vector<std::string> sent;  // what send() accepted, in order
  int creates = 0;
  int closes = 0;
  int messages_after_close = 0;
  std::function<void(transport::Connection&)> on_create;
  std::function<void(transport::Connection&, std::string_view)> on_message;

  bool send(transport::Connection& connection, std::string message) {
    if (!connection.send(FrameRef(message))) return false;
    sent.push_back(std::move(message));
    return true;
  }
};

class RecordingSession final : public transport::SessionHandler {
 public:
  RecordingSession(SessionLog& log, transport::Connection& connection)
      : log_(log), connection_(connection) {}
  void on_message(std::string_view text) override {
    if (log_.closes > 0) ++log_.messages_after_close;
    log_.delivered.emplace_back(text);
    if (log_.on_message) log_.on_message(connection_, text);
  }
  void on_close() override { ++log_.closes; }

 private:
  SessionLog& log_;
  transport::Connection& connection_;
};

class RecordingFactory final : public transport::SessionFactory {
 public:
  explicit RecordingFactory(SessionLog& log) : log_(log) {}
  std::unique_ptr<transport::SessionHandler> create(transport::Connection& connection,
                                                    const transport::UpgradeInfo&) override {
    ++log_.creates;
    if (log_.on_create) log_.on_create(connection);
    return std::make_unique<RecordingSession>(log_, connection);
  }

 private:
  SessionLog& log_;
};

// --- one connection ----------------------------------------------------------------------------

// RFC 6455 section 1.3's example key and answer.
inline constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// The io_context, the peer and a started connection; the test holds only a weak reference, so
// the connection lives exactly as long as its own pending operations keep it.
struct Harness {
  Harness(StreamFaults faults, transport::WsLimits limits, std::string early = {}) {
    transport::FlushScheduler::of(io.get_executor()).set_max_rest({});  // no real-time pacing
    peer = std::make_shared<MemoryPeer>(io.get_executor(), faults);
    auto started = std::make_shared<MemoryWsConnection>(MemoryStream(peer), limits, "memory:1");
    connection = started;
    asio::post(io, [this, started, early = std::move(early)]() mutable {
      transport::UpgradeInfo info{"/connection/websocket", "", "memory:1", 0};
      started->start(kAccept, std::move(early), factory, info);
    });
  }
  ~Harness() { peer->drop_waiters(); }  // a connection that never ended must not leak
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  std::size_t run(std::size_t max_steps = 100000,
                  const std::function<void(std::size_t)>& after_each = {}) {
    return run_until_idle(io, max_steps, after_each);
  }
  VirtualClock::duration elapsed() { return VirtualClock::of(io.get_executor()).now(); }
  std::size_t timers_pending() { return VirtualClock::of(io.get_executor()).pending(); }
  // The connection as a session holds it, for acting on it from outside (null once gone).
  std::shared_ptr<MemoryWsConnection> alive() { return connection.lock(); }

  asio::io_context io;
  std::shared_ptr<MemoryPeer> peer;
  SessionLog log;
  RecordingFactory factory{log};
  std::weak_ptr<MemoryWsConnection> connection;
};

}  // namespace neo::test::ws
