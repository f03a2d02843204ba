// Client commands of Centrifugo protocol v2 (JSON) and their decoder. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.h"

namespace neo::protocol {

enum class Method {
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
  pong,     // `{}`: id 0 and no method
  unknown,  // an id but no method we know: the session closes with 3501
};

// What a subscribe asks for; also the value type of connect.subs.
struct SubscribeRequest {
  std::string channel;
  std::string token;
  std::string data;  // raw JSON
  bool recover = false;
  bool positioned = false;
  bool recoverable = false;
  bool join_leave = false;
  std::uint64_t offset = 0;
  std::string epoch;
  std::string delta;  // "fossil" asks for delta-compressed publications
};

struct Command {
  std::uint32_t id = 0;
  Method method = Method::unknown;

  std::string channel;  // subscribe/unsubscribe/publish/presence/presence_stats/history/sub_refresh
  std::string token;    // connect/refresh/sub_refresh
  std::string data;     // raw JSON: connect/publish/rpc/send
  std::string rpc_method;  // rpc

  // connect
  std::string name;
  std::string version;
  std::vector<std::pair<std::string, SubscribeRequest>> subs;

  // subscribe
  SubscribeRequest subscribe;

  // history
  std::int64_t limit = 0;
  bool has_since = false;
  StreamPosition since;
  bool reverse = false;

  // A protobuf client sent a payload (data) that is not JSON: the server keeps and forwards
  // JSON only, so the command is refused (publish and rpc: error 107; others: 3501).
  bool payload_not_json = false;
};

// too_many: more than kMaxCommandsPerMessage commands in one message (the session closes with
// 3013, as for a backlog that overflows); decoding stops there, so a frame of a few bytes per
// command cannot make the server build tens of thousands of commands.
// The method's field name on the wire ("connect", "presence_stats", ...); "unknown" for pong
// and unknown.
std::string_view method_name(Method method);

enum class DecodeStatus { ok, bad_request, too_many };
inline constexpr std::size_t kMaxCommandsPerMessage = 1024;

// Splits a frame into newline-separated commands (one optional trailing '\n' allowed) and
// decodes each. An empty frame, a blank line, invalid JSON or a field of the wrong type is
// bad_request (the session closes with 3501). `out` is cleared first.
DecodeStatus decode_commands(std::string_view frame, std::vector<Command>& out);

// Protobuf carries payloads as bytes: checks that each one is JSON and minifies it (so it holds
// no newline), as the JSON decoder does. Sets cmd.payload_not_json otherwise.
void require_json_payloads(Command& cmd);

// A unidirectional transport's connect request: the bare ConnectRequest object
// ({"token":..,"subs":{..}}), decoded as a connect command with id 1. One JSON object or
// bad_request.
DecodeStatus decode_connect_request(std::string_view json, Command& out);

}  // namespace neo::protocol
