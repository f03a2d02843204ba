// FrameType: what one protocol message on the wire is, with Centrifugo's FrameType names (the
// `frame_type` and `method` labels of its metrics). A reply carries its command's type, a push
// its push type. Kept in core because frames carry it from the session to the transport,
// which counts what it writes per batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace neo {

enum class FrameType : std::uint8_t {
  connect,
  subscribe,
  unsubscribe,
  publish,
  presence,
  presence_stats,
  history,
  rpc,
  send,
  refresh,
  sub_refresh,
  server_ping,
  client_pong,
  push_connect,
  push_subscribe,
  push_publication,
  push_join,
  push_leave,
  push_unsubscribe,
  push_message,
  push_refresh,
  push_disconnect,
  untagged,  // made outside the protocol layer (tests); not counted
};

inline constexpr std::size_t kFrameTypes = static_cast<std::size_t>(FrameType::untagged);

constexpr std::string_view frame_type_name(FrameType type) {
  constexpr std::string_view kNames[] = {
      "connect",      "subscribe",       "unsubscribe",      "publish",
      "presence",     "presence_stats",  "history",          "rpc",
      "send",         "refresh",         "sub_refresh",      "server_ping",
      "client_pong",  "push_connect",    "push_subscribe",   "push_publication",
      "push_join",    "push_leave",      "push_unsubscribe", "push_message",
      "push_refresh", "push_disconnect", "untagged"};
  return kNames[static_cast<std::size_t>(type)];
}

}  // namespace neo
