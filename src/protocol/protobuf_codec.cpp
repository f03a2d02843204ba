// The protobuf flavour of client protocol v2 (proto/client.proto). Commands arrive and replies
// leave as varint-length-delimited messages; the generated classes do the wire work. Decoding
// follows command_decoder.cpp's rules, so the session cannot tell the encodings apart.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/client.pb.h"
#include "protocol/codec.h"
#include "protocol/emulation_request.h"

namespace neo::protocol {
namespace {

namespace pb = centrifugal::centrifuge::protocol;
using google::protobuf::io::CodedOutputStream;

// ---- parsing ---------------------------------------------------------------------------------

// A proto3 string that is not UTF-8 fails the parse (bad_request), but libprotobuf also logs
// it: a client must not be able to write to our stderr. Installed before main, while no other
// thread can log; every other message still goes to the previous handler.
google::protobuf::LogHandler* previous_log_handler = nullptr;

void quiet_utf8_parse_errors(google::protobuf::LogLevel level, const char* file, int line,
                             const std::string& message) {
  if (message.find("invalid UTF-8 data when parsing") != std::string::npos) return;
  if (previous_log_handler) previous_log_handler(level, file, line, message);
}

[[maybe_unused]] const bool log_handler_installed = [] {
  previous_log_handler = google::protobuf::SetLogHandler(&quiet_utf8_parse_errors);
  return true;
}();

// libprotobuf keeps a declared field that arrived with another wire type as an unknown field.
// Centrifugo refuses it, and the JSON decoder refuses a field of the wrong type: so do we.
// Fields we do not declare are skipped, as both do.
bool well_typed(const google::protobuf::Message& message) {
  const auto& unknown = message.GetReflection()->GetUnknownFields(message);
  const auto* descriptor = message.GetDescriptor();
  for (int i = 0; i < unknown.field_count(); ++i) {
    if (descriptor->FindFieldByNumber(unknown.field(i).number())) return false;
  }
  return true;
}

bool parse(std::string_view bytes, google::protobuf::Message& message) {
  return bytes.size() <= INT_MAX &&
         message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
         well_typed(message);
}

// The varint length prefix (protobufjs writes a uint32; up to 10 bytes are read, as Go does).
bool read_length(std::string_view& in, std::uint64_t& length) {
  length = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    length |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return true;
  }
  return false;  // truncated, or longer than any varint
}

// ---- commands --------------------------------------------------------------------------------

bool take_subscribe(const pb::SubscribeRequest& in, SubscribeRequest& out) {
  if (!well_typed(in)) return false;
  out.channel = in.channel();
  out.token = in.token();
  out.data = in.data();
  out.recover = in.recover();
  out.positioned = in.positioned();
  out.recoverable = in.recoverable();
  out.join_leave = in.join_leave();
  out.offset = in.offset();
  out.epoch = in.epoch();
  out.delta = in.delta();
  return true;
}

bool take_connect(const pb::ConnectRequest& in, Command& cmd) {
  if (!well_typed(in)) return false;
  cmd.token = in.token();
  cmd.data = in.data();
  cmd.name = in.name();
  cmd.version = in.version();
  for (const auto& [channel, request] : in.subs()) {
    SubscribeRequest sub;
    if (!take_subscribe(request, sub)) return false;
    sub.channel = channel;
    cmd.subs.emplace_back(channel, std::move(sub));
  }
  // A protobuf map has no order; the JSON object's is the client's. Sorted, it is at least
  // the same for the same command.
  std::sort(cmd.subs.begin(), cmd.subs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return true;
}

bool take_history(const pb::HistoryRequest& in, Command& cmd) {
  if (!well_typed(in)) return false;
  cmd.channel = in.channel();
  cmd.limit = in.limit();
  cmd.reverse = in.reverse();
  cmd.has_since = in.has_since();
  if (!cmd.has_since) return true;
  if (!well_typed(in.since())) return false;
  cmd.since.offset = in.since().offset();
  cmd.since.epoch = in.since().epoch();
  return true;
}

// One request type with a channel and nothing else we read.
template <typename Request>
bool take_channel(const Request& in, Command& cmd) {
  if (!well_typed(in)) return false;
  cmd.channel = in.channel();
  return true;
}

// The first request set, in Centrifugo's precedence order (command_decoder.cpp's kMethods).
bool take_request(const pb::Command& in, Command& cmd) {
  if (in.has_connect()) {
    cmd.method = Method::connect;
    return take_connect(in.connect(), cmd);
  }
  if (in.has_subscribe()) {
    cmd.method = Method::subscribe;
    if (!take_subscribe(in.subscribe(), cmd.subscribe)) return false;
    cmd.channel = cmd.subscribe.channel;
    return true;
  }
  if (in.has_unsubscribe()) {
    cmd.method = Method::unsubscribe;
    return take_channel(in.unsubscribe(), cmd);
  }
  if (in.has_publish()) {
    cmd.method = Method::publish;
    cmd.data = in.publish().data();
    return take_channel(in.publish(), cmd);
  }
  if (in.has_presence()) {
    cmd.method = Method::presence;
    return take_channel(in.presence(), cmd);
  }
  if (in.has_presence_stats()) {
    cmd.method = Method::presence_stats;
    return take_channel(in.presence_stats(), cmd);
  }
  if (in.has_history()) {
    cmd.method = Method::history;
    return take_history(in.history(), cmd);
  }
  if (in.has_rpc()) {
    cmd.method = Method::rpc;
    cmd.rpc_method = in.rpc().method();
    cmd.data = in.rpc().data();
    return well_typed(in.rpc());
  }
  if (in.has_send()) {
    cmd.method = Method::send;
    cmd.data = in.send().data();
    return well_typed(in.send());
  }
  if (in.has_refresh()) {
    cmd.method = Method::refresh;
    cmd.token = in.refresh().token();
    return well_typed(in.refresh());
  }
  if (in.has_sub_refresh()) {
    cmd.method = Method::sub_refresh;
    cmd.token = in.sub_refresh().token();
    return take_channel(in.sub_refresh(), cmd);
  }
  // No request: the empty command (id 0) is a pong; with an id it is a method we do not know.
  cmd.method = cmd.id == 0 ? Method::pong : Method::unknown;
  return true;
}

bool take_command(std::string_view bytes, Command& cmd) {
  pb::Command in;
  if (!parse(bytes, in)) return false;
  cmd.id = in.id();
  return take_request(in, cmd);
}

// ---- replies and pushes ----------------------------------------------------------------------

// One message with its varint length prefix, as Reply.decodeDelimited reads it. Messages are
// bounded by the server's size limits, far below protobuf's 2 GiB.
std::string delimited(const google::protobuf::MessageLite& message) {
  const std::size_t size = message.ByteSizeLong();
  std::string out(CodedOutputStream::VarintSize64(size) + size, '\0');
  auto* at = reinterpret_cast<std::uint8_t*>(out.data());
  at = CodedOutputStream::WriteVarint64ToArray(size, at);
  message.SerializeWithCachedSizesToArray(at);
  return out;
}

void fill_client_info(pb::ClientInfo& out, const ClientInfo& in) {
  out.set_user(in.user);
  out.set_client(in.client);
  out.set_conn_info(in.conn_info);
  out.set_chan_info(in.chan_info);
}

// `data` is the publication's payload, or what replaces it for a delta subscriber.
void fill_publication(pb::Publication& out, const Publication& pub, std::string_view data) {
  out.mutable_data()->assign(data);
  if (pub.info) fill_client_info(*out.mutable_info(), *pub.info);
  out.set_offset(pub.offset);
  for (const auto& [key, value] : pub.tags) (*out.mutable_tags())[key] = value;
}

template <typename Repeated>
void fill_publications(Repeated& out, const std::vector<Publication>& pubs) {
  out.Reserve(static_cast<int>(pubs.size()));
  for (const auto& pub : pubs) fill_publication(*out.Add(), pub, pub.data);
}

void fill_subscribe_result(pb::SubscribeResult& out, const SubscribeResult& in) {
  if (in.expires) {
    out.set_expires(true);
    out.set_ttl(in.ttl);
  }
  out.set_recoverable(in.recoverable);
  out.set_epoch(in.epoch);
  // Full payloads as raw bytes also for a delta subscriber: only JSON wraps them in a string.
  fill_publications(*out.mutable_publications(), in.publications);
  out.set_recovered(in.recovered);
  out.set_offset(in.offset);
  out.set_positioned(in.positioned);
  out.set_data(in.data);
  out.set_was_recovering(in.was_recovering);
  out.set_delta(in.delta);
}

void fill_connect_result(pb::ConnectResult& out, const ConnectResult& in) {
  out.set_client(in.client);
  out.set_version(in.version);
  if (in.expires) {
    out.set_expires(true);
    out.set_ttl(in.ttl);
  }
  out.set_data(in.data);
  for (const auto& [channel, sub] : in.subs)
    fill_subscribe_result((*out.mutable_subs())[channel], sub);
  out.set_ping(in.ping);
  out.set_pong(in.pong);
  out.set_session(in.session);
  out.set_node(in.node);
}

// RefreshResult, SubRefreshResult and Refresh: a ttl only when the connection expires.
template <typename Expiry>
void fill_expiry(Expiry& out, bool expires, std::uint32_t ttl) {
  if (!expires) return;
  out.set_expires(true);
  out.set_ttl(ttl);
}

// An empty result of `method`, which is how the client tells what the reply answers.
void set_empty_result(pb::Reply& reply, Method method) {
  switch (method) {
    case Method::connect:
      reply.mutable_connect();
      break;
    case Method::subscribe:
      reply.mutable_subscribe();
      break;
    case Method::unsubscribe:
      reply.mutable_unsubscribe();
      break;
    case Method::publish:
      reply.mutable_publish();
      break;
    case Method::presence:
      reply.mutable_presence();
      break;
    case Method::presence_stats:
      reply.mutable_presence_stats();
      break;
    case Method::history:
      reply.mutable_history();
      break;
    case Method::rpc:
      reply.mutable_rpc();
      break;
    case Method::refresh:
      reply.mutable_refresh();
      break;
    case Method::sub_refresh:
      reply.mutable_sub_refresh();
      break;
    case Method::send:
    case Method::pong:
    case Method::unknown:
      break;  // nothing answers these
  }
}

template <typename Fill>
std::string reply(std::uint32_t id, Fill&& fill) {
  pb::Reply out;
  out.set_id(id);
  fill(out);
  return delimited(out);
}

// A push is a Reply with only `push` set (id 0).
template <typename Fill>
std::string push(std::string_view channel, Fill&& fill) {
  pb::Reply out;
  pb::Push& body = *out.mutable_push();
  body.mutable_channel()->assign(channel);
  fill(body);
  return delimited(out);
}

class ProtobufCodec final : public Codec {
 public:
  Encoding encoding() const override { return Encoding::protobuf; }

  // One or more delimited Commands, as centrifuge-js's encodeCommands writes them.
  DecodeStatus decode_commands(std::string_view message, std::vector<Command>& out) const override {
    out.clear();
    if (message.empty()) return DecodeStatus::bad_request;
    while (!message.empty()) {
      std::uint64_t length = 0;
      if (!read_length(message, length) || length > message.size())
        return DecodeStatus::bad_request;
      if (out.size() == kMaxCommandsPerMessage) return DecodeStatus::too_many;
      if (!take_command(message.substr(0, length), out.emplace_back()))
        return DecodeStatus::bad_request;
      message.remove_prefix(length);
    }
    return DecodeStatus::ok;
  }

  std::string connect_reply(std::uint32_t id, const ConnectResult& result) const override {
    return reply(id, [&](pb::Reply& r) { fill_connect_result(*r.mutable_connect(), result); });
  }

  std::string subscribe_reply(std::uint32_t id, const SubscribeResult& result) const override {
    return reply(id, [&](pb::Reply& r) { fill_subscribe_result(*r.mutable_subscribe(), result); });
  }

  std::string empty_reply(std::uint32_t id, Method method) const override {
    return reply(id, [&](pb::Reply& r) { set_empty_result(r, method); });
  }

  std::string expiry_reply(std::uint32_t id, Method method, bool expires,
                           std::uint32_t ttl) const override {
    return reply(id, [&](pb::Reply& r) {
      if (method == Method::sub_refresh) {
        fill_expiry(*r.mutable_sub_refresh(), expires, ttl);
      } else {
        fill_expiry(*r.mutable_refresh(), expires, ttl);
      }
    });
  }

  std::string presence_reply(std::uint32_t id,
                             const std::vector<ClientInfo>& clients) const override {
    return reply(id, [&](pb::Reply& r) {
      auto& presence = *r.mutable_presence()->mutable_presence();
      for (const auto& info : clients) fill_client_info(presence[info.client], info);
    });
  }

  std::string presence_stats_reply(std::uint32_t id, const PresenceStats& stats) const override {
    return reply(id, [&](pb::Reply& r) {
      auto& out = *r.mutable_presence_stats();
      out.set_num_clients(stats.num_clients);
      out.set_num_users(stats.num_users);
    });
  }

  std::string history_reply(std::uint32_t id, const HistoryResult& result) const override {
    return reply(id, [&](pb::Reply& r) {
      auto& out = *r.mutable_history();
      fill_publications(*out.mutable_publications(), result.publications);
      out.set_epoch(result.position.epoch);
      out.set_offset(result.position.offset);
    });
  }

  std::string rpc_reply(std::uint32_t id, std::string_view data) const override {
    return reply(id, [&](pb::Reply& r) { r.mutable_rpc()->mutable_data()->assign(data); });
  }

  std::string error_reply(std::uint32_t id, const Error& error) const override {
    return reply(id, [&](pb::Reply& r) {
      auto& out = *r.mutable_error();
      out.set_code(error.code);
      out.set_message(error.message);
      out.set_temporary(error.temporary);
    });
  }

  std::string unsubscribe_push(std::string_view channel, const Unsubscribe& reason) const override {
    return push(channel, [&](pb::Push& p) {
      auto& out = *p.mutable_unsubscribe();
      out.set_code(reason.code);
      out.mutable_reason()->assign(reason.reason);
    });
  }

  // Push.subscribe is the Subscribe message: a server-side subscription has no expiry or
  // publications to carry.
  std::string subscribe_push(std::string_view channel,
                             const SubscribeResult& result) const override {
    return push(channel, [&](pb::Push& p) {
      auto& out = *p.mutable_subscribe();
      out.set_recoverable(result.recoverable);
      out.set_epoch(result.epoch);
      out.set_offset(result.offset);
      out.set_positioned(result.positioned);
      out.set_data(result.data);
    });
  }

  std::string refresh_push(bool expires, std::uint32_t ttl) const override {
    return push("", [&](pb::Push& p) { fill_expiry(*p.mutable_refresh(), expires, ttl); });
  }

  std::string disconnect_push(const Disconnect& reason) const override {
    return push("", [&](pb::Push& p) {
      auto& out = *p.mutable_disconnect();
      out.set_code(reason.code);
      out.mutable_reason()->assign(reason.reason);
    });
  }

  // The empty Reply: its length prefix, zero.
  std::string_view ping() const override { return {"\0", 1}; }

  FrameRef pub_push(std::string_view channel, const Publication& pub) const override {
    return FrameRef(
        push(channel, [&](pb::Push& p) { fill_publication(*p.mutable_pub(), pub, pub.data); }));
  }

  FrameRef delta_pub_push(std::string_view channel, const Publication& pub,
                          DeltaData delta) const override {
    return FrameRef(push(channel, [&](pb::Push& p) {
      auto& out = *p.mutable_pub();
      fill_publication(out, pub, delta.data);
      out.set_delta(delta.is_patch);
    }));
  }

  FrameRef join_push(std::string_view channel, const ClientInfo& info) const override {
    return FrameRef(push(
        channel, [&](pb::Push& p) { fill_client_info(*p.mutable_join()->mutable_info(), info); }));
  }

  FrameRef leave_push(std::string_view channel, const ClientInfo& info) const override {
    return FrameRef(push(
        channel, [&](pb::Push& p) { fill_client_info(*p.mutable_leave()->mutable_info(), info); }));
  }
};

}  // namespace

const Codec& protobuf_codec() {
  static const ProtobufCodec codec;
  return codec;
}

std::optional<EmulationRequest> decode_emulation_request(std::string_view body) {
  pb::EmulationRequest in;
  if (!parse(body, in) || in.session().empty() || in.data().empty()) return std::nullopt;
  return EmulationRequest{in.node(), in.session(), in.data()};
}

}  // namespace neo::protocol
