// The JSON flavour of the client protocol, built on the value writers of encoder.cpp.
#include "protocol/codec.h"
#include "protocol/encoder.h"

namespace neo::protocol {

namespace {

template <typename WriteBody>
std::string reply_with(std::uint32_t id, Method method, WriteBody&& write_body) {
  std::string body;
  JsonWriter w(body);
  write_body(w);
  return encode_reply(id, method_name(method), body);
}

class JsonCodec final : public Codec {
 public:
  Encoding encoding() const override { return Encoding::json; }

  DecodeStatus decode_commands(std::string_view message, std::vector<Command>& out) const override {
    return protocol::decode_commands(message, out);
  }

  std::string connect_reply(std::uint32_t id, const ConnectResult& result) const override {
    return reply_with(id, Method::connect, [&](JsonWriter& w) { write_connect_result(w, result); });
  }
  std::string subscribe_reply(std::uint32_t id, const SubscribeResult& result) const override {
    return reply_with(id, Method::subscribe,
                      [&](JsonWriter& w) { write_subscribe_result(w, result); });
  }
  std::string empty_reply(std::uint32_t id, Method method) const override {
    return encode_reply(id, method_name(method), "{}");
  }
  std::string expiry_reply(std::uint32_t id, Method method, bool expires,
                           std::uint32_t ttl) const override {
    return reply_with(id, method, [&](JsonWriter& w) {
      w.begin_object();
      if (expires) w.field_bool("expires", true).field_u64("ttl", ttl);
      w.end_object();
    });
  }
  std::string presence_reply(std::uint32_t id,
                             const std::vector<ClientInfo>& clients) const override {
    return reply_with(id, Method::presence, [&](JsonWriter& w) { write_presence(w, clients); });
  }
  std::string presence_stats_reply(std::uint32_t id, const PresenceStats& stats) const override {
    return reply_with(id, Method::presence_stats,
                      [&](JsonWriter& w) { write_presence_stats(w, stats); });
  }
  std::string history_reply(std::uint32_t id, const HistoryResult& result) const override {
    return reply_with(id, Method::history, [&](JsonWriter& w) { write_history(w, result); });
  }
  std::string rpc_reply(std::uint32_t id, std::string_view data) const override {
    return reply_with(id, Method::rpc, [&](JsonWriter& w) {
      w.begin_object().field_raw("data", data).end_object();
    });
  }
  std::string error_reply(std::uint32_t id, const Error& error) const override {
    return encode_error_reply(id, error);
  }

  std::string unsubscribe_push(std::string_view channel, const Unsubscribe& reason) const override {
    return encode_unsubscribe_push(channel, reason);
  }
  std::string subscribe_push(std::string_view channel,
                             const SubscribeResult& result) const override {
    return encode_subscribe_push(channel, result);
  }
  std::string refresh_push(bool expires, std::uint32_t ttl) const override {
    return encode_refresh_push(expires, ttl);
  }
  std::string disconnect_push(const Disconnect& reason) const override {
    return encode_disconnect_push(reason);
  }
  std::string_view ping() const override { return kPing; }

  FrameRef pub_push(std::string_view channel, const Publication& pub) const override {
    return encode_pub_push(channel, pub);
  }
  FrameRef delta_pub_push(std::string_view channel, const Publication& pub,
                          DeltaData delta) const override {
    return encode_delta_pub_push(channel, pub, delta.data, delta.is_patch);
  }
  FrameRef join_push(std::string_view channel, const ClientInfo& info) const override {
    return encode_join_push(channel, info);
  }
  FrameRef leave_push(std::string_view channel, const ClientInfo& info) const override {
    return encode_leave_push(channel, info);
  }
};

}  // namespace

const Codec& json_codec() {
  static const JsonCodec codec;
  return codec;
}

}  // namespace neo::protocol
