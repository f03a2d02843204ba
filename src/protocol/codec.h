// Codec: one client-protocol encoding (JSON or protobuf) as the session sees it. The session
// builds results and pushes as values and never touches bytes; each encoding decides the
// framing. JSON messages are joined by '\n' in a text frame; protobuf messages carry their
// varint length prefix, so a frame is their plain concatenation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/frame.h"
#include "core/result.h"
#include "core/types.h"
#include "protocol/codes.h"
#include "protocol/command.h"
#include "protocol/results.h"

namespace neo::protocol {

enum class Encoding : std::uint8_t { json, protobuf };

// Whether `delta` in a publication's data is a fossil patch or the full payload; how a delta
// subscriber (SubscribeRequest.delta = "fossil") receives every publication.
struct DeltaData {
  std::string_view data;
  bool is_patch = false;
};

class Codec {
 public:
  virtual ~Codec() = default;
  virtual Encoding encoding() const = 0;

  // One transport message (a WebSocket frame, an emulation request's data) -> commands.
  // `out` is cleared first; anything malformed is bad_request (the session closes with 3501).
  virtual DecodeStatus decode_commands(std::string_view message,
                                       std::vector<Command>& out) const = 0;

  // Replies.
  virtual std::string connect_reply(std::uint32_t id, const ConnectResult& result) const = 0;
  virtual std::string subscribe_reply(std::uint32_t id, const SubscribeResult& result) const = 0;
  // publish and unsubscribe answer an empty result.
  virtual std::string empty_reply(std::uint32_t id, Method method) const = 0;
  // refresh and sub_refresh: {expires, ttl}.
  virtual std::string expiry_reply(std::uint32_t id, Method method, bool expires,
                                   std::uint32_t ttl) const = 0;
  virtual std::string presence_reply(std::uint32_t id,
                                     const std::vector<ClientInfo>& clients) const = 0;
  virtual std::string presence_stats_reply(std::uint32_t id, const PresenceStats& stats) const = 0;
  virtual std::string history_reply(std::uint32_t id, const HistoryResult& result) const = 0;
  // `data` is raw JSON (the only RPC, `time`, answers JSON in both encodings).
  virtual std::string rpc_reply(std::uint32_t id, std::string_view data) const = 0;
  virtual std::string error_reply(std::uint32_t id, const Error& error) const = 0;

  // Pushes for one connection.
  virtual std::string unsubscribe_push(std::string_view channel,
                                       const Unsubscribe& reason) const = 0;
  virtual std::string subscribe_push(std::string_view channel,
                                     const SubscribeResult& result) const = 0;
  virtual std::string refresh_push(bool expires, std::uint32_t ttl) const = 0;
  virtual std::string disconnect_push(const Disconnect& reason) const = 0;
  // The server's ping: an empty reply.
  virtual std::string_view ping() const = 0;

  // Pushes encoded once and shared by every receiver of this encoding.
  virtual FrameRef pub_push(std::string_view channel, const Publication& pub) const = 0;
  // A publication for a delta subscriber: `delta.data` replaces pub.data (JSON carries it as
  // a JSON string, protobuf as bytes) and `delta: true` marks a patch.
  virtual FrameRef delta_pub_push(std::string_view channel, const Publication& pub,
                                  DeltaData delta) const = 0;
  virtual FrameRef join_push(std::string_view channel, const ClientInfo& info) const = 0;
  virtual FrameRef leave_push(std::string_view channel, const ClientInfo& info) const = 0;
};

const Codec& json_codec();
const Codec& protobuf_codec();
inline const Codec& codec_for(Encoding encoding) {
  return encoding == Encoding::protobuf ? protobuf_codec() : json_codec();
}

}  // namespace neo::protocol
