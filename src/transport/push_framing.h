// Pushes as unidirectional transports send them. The session encodes every push once, wrapped
// as {"push":P} for bidirectional clients; uni_websocket, uni_sse and uni_http_stream send P
// bare, so a bare push is a view into the same shared bytes, never a copy per connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/frame.h"
#include "core/json_writer.h"

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
  return FrameRef(out);
}

}  // namespace neo::transport
