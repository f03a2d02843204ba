// Pushes as unidirectional transports send them. The session encodes every push once, wrapped
// as {"push":P} for bidirectional clients; uni_websocket, uni_sse and uni_http_stream send P
// bare, so a bare push is a view into the same shared bytes, never a copy per connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/frame.h"
#include "core/json_writer.h"
#include "transport/connection.h"

namespace neo::transport {

inline constexpr std::string_view kPushPrefix = R"({"push":)";

// {"push":P} -> P; anything else (a ping {}) unchanged.
inline std::string_view bare_push(std::string_view message) {
  if (message.size() > kPushPrefix.size() + 1 && message.starts_with(kPushPrefix) &&
      message.back() == '}')
    return message.substr(kPushPrefix.size(), message.size() - kPushPrefix.size() - 1);
  return message;
}

// {"push":{"disconnect":{"code":C,"reason":R}}}: what non-WebSocket transports (and
// uni_websocket, before its close frame) send before they end a connection.
inline FrameRef disconnect_push(std::uint16_t code, std::string_view reason) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("push").begin_object().key("disconnect").begin_object();
  w.field_u64("code", code).field("reason", reason).end_object().end_object().end_object();
  return FrameRef(out, FrameType::push_disconnect);
}

namespace protobuf_wire {
inline void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}
inline void append_field(std::string& out, std::uint32_t field, std::string_view bytes) {
  append_varint(out, (field << 3) | 2);
  append_varint(out, bytes.size());
  out.append(bytes);
}
}  // namespace protobuf_wire

// The same disconnect push in protobuf: a delimited Reply{push(4): Push{disconnect(11):
// Disconnect{code(1), reason(2)}}}. Written by hand because the transport does not link the
// protocol's generated code for one small message; a protocol unit test checks it against the
// protobuf codec's encoding.
inline FrameRef protobuf_disconnect_push(std::uint16_t code, std::string_view reason) {
  using namespace protobuf_wire;
  std::string disconnect;
  append_varint(disconnect, 1 << 3);
  append_varint(disconnect, code);
  if (!reason.empty()) append_field(disconnect, 2, reason);
  std::string push;
  append_field(push, 11, disconnect);
  std::string reply;
  append_field(reply, 4, push);
  std::string out;
  append_varint(out, reply.size());
  out += reply;
  return FrameRef(out, FrameType::push_disconnect);
}

inline FrameRef disconnect_push(std::uint16_t code, std::string_view reason, WireFormat format) {
  return format == WireFormat::protobuf ? protobuf_disconnect_push(code, reason)
                                        : disconnect_push(code, reason);
}

}  // namespace neo::transport
