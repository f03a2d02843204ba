// Protobuf client messages (arbitrary bytes) -> protobuf_codec().decode_commands, and the same
// bytes as a POST /emulation body -> decode_emulation_request. Whatever decodes is encoded
// again twice: as a Command built with the generated classes, which must decode to the same
// command, and through the reply/push encoders, each of whose outputs must be exactly one
// length-delimited Reply that reads back as written. The seeds are what centrifuge-js's
// ProtobufCodec sends.
#include <google/protobuf/io/coded_stream.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "proto/client.pb.h"
#include "protocol/codec.h"
#include "protocol/emulation_request.h"
#include "transport/emulation.h"

namespace {

using namespace neo;
using namespace neo::protocol;
namespace pb = centrifugal::centrifuge::protocol;

const Codec& codec() { return protobuf_codec(); }

void require(bool ok, std::string_view what) {
  if (!ok) fuzz::fail(what);
}

// One delimited Reply spanning all of `bytes`.
pb::Reply read_reply(std::string_view what, std::string_view bytes) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::uint32_t size = 0;
  if (!in.ReadVarint32(&size)) fuzz::fail(what, "no length prefix");
  auto prefix = static_cast<std::size_t>(in.CurrentPosition());
  if (size != bytes.size() - prefix) fuzz::fail(what, "the prefix does not span the message");
  pb::Reply reply;
  if (!reply.ParseFromArray(bytes.data() + prefix, static_cast<int>(size)))
    fuzz::fail(what, "not a Reply");
  return reply;
}

pb::Push read_push(std::string_view what, std::string_view bytes) {
  pb::Reply reply = read_reply(what, bytes);
  require(reply.id() == 0 && reply.has_push(), what);
  return reply.push();
}

// ---- decode(encode(decode(x))) == decode(x) ----------------------------------------------------

void to_pb(const SubscribeRequest& in, pb::SubscribeRequest& out, bool with_channel) {
  if (with_channel) out.set_channel(in.channel);
  out.set_token(in.token);
  out.set_data(in.data);
  out.set_recover(in.recover);
  out.set_positioned(in.positioned);
  out.set_recoverable(in.recoverable);
  out.set_join_leave(in.join_leave);
  out.set_offset(in.offset);
  out.set_epoch(in.epoch);
  out.set_delta(in.delta);
}

pb::Command to_pb(const Command& cmd) {
  pb::Command out;
  out.set_id(cmd.id);
  switch (cmd.method) {
    case Method::connect: {
      auto& c = *out.mutable_connect();
      c.set_token(cmd.token);
      c.set_data(cmd.data);
      c.set_name(cmd.name);
      c.set_version(cmd.version);
      for (const auto& [channel, sub] : cmd.subs) to_pb(sub, (*c.mutable_subs())[channel], false);
      break;
    }
    case Method::subscribe:
      to_pb(cmd.subscribe, *out.mutable_subscribe(), true);
      break;
    case Method::unsubscribe:
      out.mutable_unsubscribe()->set_channel(cmd.channel);
      break;
    case Method::publish:
      out.mutable_publish()->set_channel(cmd.channel);
      out.mutable_publish()->set_data(cmd.data);
      break;
    case Method::presence:
      out.mutable_presence()->set_channel(cmd.channel);
      break;
    case Method::presence_stats:
      out.mutable_presence_stats()->set_channel(cmd.channel);
      break;
    case Method::history: {
      auto& h = *out.mutable_history();
      h.set_channel(cmd.channel);
      h.set_limit(static_cast<std::int32_t>(cmd.limit));
      h.set_reverse(cmd.reverse);
      if (cmd.has_since) {
        h.mutable_since()->set_offset(cmd.since.offset);
        h.mutable_since()->set_epoch(cmd.since.epoch);
      }
      break;
    }
    case Method::rpc:
      out.mutable_rpc()->set_method(cmd.rpc_method);
      out.mutable_rpc()->set_data(cmd.data);
      break;
    case Method::send:
      out.mutable_send()->set_data(cmd.data);
      break;
    case Method::refresh:
      out.mutable_refresh()->set_token(cmd.token);
      break;
    case Method::sub_refresh:
      out.mutable_sub_refresh()->set_channel(cmd.channel);
      out.mutable_sub_refresh()->set_token(cmd.token);
      break;
    case Method::pong:
    case Method::unknown:
      break;
  }
  return out;
}

bool same(const SubscribeRequest& a, const SubscribeRequest& b) {
  return a.channel == b.channel && a.token == b.token && a.data == b.data &&
         a.recover == b.recover && a.positioned == b.positioned && a.recoverable == b.recoverable &&
         a.join_leave == b.join_leave && a.offset == b.offset && a.epoch == b.epoch &&
         a.delta == b.delta;
}

bool same(const Command& a, const Command& b) {
  if (a.subs.size() != b.subs.size()) return false;
  for (std::size_t i = 0; i < a.subs.size(); ++i) {
    if (a.subs[i].first != b.subs[i].first || !same(a.subs[i].second, b.subs[i].second))
      return false;
  }
  return a.id == b.id && a.method == b.method && a.channel == b.channel && a.token == b.token &&
         a.data == b.data && a.rpc_method == b.rpc_method && a.name == b.name &&
         a.version == b.version && same(a.subscribe, b.subscribe) && a.limit == b.limit &&
         a.has_since == b.has_since && a.since == b.since && a.reverse == b.reverse;
}

void require_stable(const Command& cmd) {
  std::string body = to_pb(cmd).SerializeAsString();
  std::string message;
  google::protobuf::io::StringOutputStream stream(&message);
  {
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteVarint32(static_cast<std::uint32_t>(body.size()));
    out.WriteString(body);
  }
  std::vector<Command> again;
  if (codec().decode_commands(message, again) != DecodeStatus::ok || again.size() != 1 ||
      !same(again.front(), cmd))
    fuzz::fail("decode(encode(command)) differs from the command");
}

// ---- the encoders --------------------------------------------------------------------------

// Only string fields of the decoded command go into string fields: a proto3 string must be
// UTF-8, which the decoder checked for those; data fields are bytes and go into bytes.
SubscribeResult result_for(const SubscribeRequest& sub, const Command& cmd) {
  SubscribeResult r;
  r.expires = sub.recover;
  r.ttl = cmd.id;
  r.recoverable = sub.recoverable;
  r.positioned = sub.positioned;
  r.epoch = sub.epoch;
  r.offset = sub.offset;
  r.recovered = sub.recover;
  r.was_recovering = sub.join_leave;
  r.data = sub.data;
  r.delta = !sub.delta.empty();
  Publication pub;
  pub.data = cmd.data;
  pub.offset = sub.offset;
  if (sub.join_leave) pub.info = ClientInfo{sub.channel, sub.token, cmd.data, sub.data};
  pub.tags[sub.channel] = sub.epoch;
  r.publications.push_back(pub);
  return r;
}

void check_subscribe_result(const pb::SubscribeResult& got, const SubscribeResult& want) {
  require(got.epoch() == want.epoch && got.offset() == want.offset && got.data() == want.data &&
              got.delta() == want.delta && got.recovered() == want.recovered &&
              got.publications_size() == static_cast<int>(want.publications.size()),
          "subscribe result read back");
  for (int i = 0; i < got.publications_size(); ++i) {
    const auto& pub = want.publications[static_cast<std::size_t>(i)];
    require(got.publications(i).data() == pub.data && got.publications(i).offset() == pub.offset &&
                got.publications(i).has_info() == pub.info.has_value(),
            "subscribe result publication");
  }
}

void encode_replies(const Command& cmd) {
  const SubscribeRequest& sub = cmd.subscribe;
  SubscribeResult result = result_for(sub, cmd);

  pb::Reply subscribe = read_reply("subscribe_reply", codec().subscribe_reply(cmd.id, result));
  require(subscribe.id() == cmd.id, "subscribe_reply id");
  check_subscribe_result(subscribe.subscribe(), result);

  ConnectResult connect;
  connect.client = cmd.name;
  connect.version = cmd.version;
  connect.expires = sub.recover;
  connect.ttl = cmd.id;
  connect.data = cmd.data;
  connect.node = cmd.token;
  connect.session = cmd.channel;
  connect.ping = 25;
  connect.pong = true;
  for (const auto& [channel, s] : cmd.subs) connect.subs.emplace_back(channel, result_for(s, cmd));
  pb::Reply reply = read_reply("connect_reply", codec().connect_reply(cmd.id, connect));
  const auto& c = reply.connect();
  require(reply.id() == cmd.id && c.client() == cmd.name && c.version() == cmd.version &&
              c.data() == cmd.data && c.node() == cmd.token && c.session() == cmd.channel &&
              c.subs().size() == connect.subs.size(),
          "connect_reply read back");
  for (const auto& [channel, s] : connect.subs) check_subscribe_result(c.subs().at(channel), s);

  pb::Reply empty = read_reply("empty_reply", codec().empty_reply(cmd.id, cmd.method));
  require(empty.id() == cmd.id && !empty.has_error() && !empty.has_push(), "empty_reply");
  pb::Reply expiry =
      read_reply("expiry_reply", codec().expiry_reply(cmd.id, cmd.method, sub.recover, cmd.id));
  std::uint32_t ttl =
      cmd.method == Method::sub_refresh ? expiry.sub_refresh().ttl() : expiry.refresh().ttl();
  require(ttl == (sub.recover ? cmd.id : 0), "expiry_reply ttl");

  ClientInfo info{cmd.name, cmd.version, cmd.data, sub.data};
  std::vector<ClientInfo> clients{info, ClientInfo{cmd.channel, cmd.token, {}, {}}};
  pb::Reply presence = read_reply("presence_reply", codec().presence_reply(cmd.id, clients));
  require(presence.presence().presence().contains(cmd.version) &&
              presence.presence().presence().contains(cmd.token),
          "presence_reply keys");
  pb::Reply stats = read_reply("presence_stats_reply",
                               codec().presence_stats_reply(cmd.id, PresenceStats{cmd.id, 1}));
  require(stats.presence_stats().num_clients() == cmd.id, "presence_stats_reply");

  HistoryResult history;
  history.publications = result.publications;
  history.position = cmd.has_since ? cmd.since : StreamPosition{sub.offset, sub.epoch};
  pb::Reply h = read_reply("history_reply", codec().history_reply(cmd.id, history));
  require(h.history().epoch() == history.position.epoch &&
              h.history().offset() == history.position.offset &&
              h.history().publications_size() == 1,
          "history_reply read back");

  pb::Reply rpc = read_reply("rpc_reply", codec().rpc_reply(cmd.id, cmd.data));
  require(rpc.rpc().data() == cmd.data, "rpc_reply data");
  pb::Reply error =
      read_reply("error_reply", codec().error_reply(cmd.id, Error{cmd.id, cmd.channel, true}));
  require(error.error().code() == cmd.id && error.error().message() == cmd.channel,
          "error_reply read back");
}

void encode_pushes(const Command& cmd) {
  const SubscribeRequest& sub = cmd.subscribe;
  SubscribeResult result = result_for(sub, cmd);
  const Publication& pub = result.publications.front();

  pb::Push p = read_push("pub_push", codec().pub_push(cmd.channel, pub).view());
  require(p.channel() == cmd.channel && p.pub().data() == pub.data && !p.pub().delta() &&
              p.pub().tags().size() == pub.tags.size(),
          "pub_push read back");
  pb::Push d = read_push("delta_pub_push",
                         codec().delta_pub_push(cmd.channel, pub, {sub.data, sub.recover}).view());
  require(d.pub().data() == sub.data && d.pub().delta() == sub.recover, "delta_pub_push");

  ClientInfo info{cmd.name, cmd.version, cmd.data, sub.data};
  pb::Push join = read_push("join_push", codec().join_push(cmd.channel, info).view());
  require(join.join().info().conn_info() == cmd.data, "join_push info");
  pb::Push leave = read_push("leave_push", codec().leave_push(cmd.token, info).view());
  require(leave.channel() == cmd.token && leave.leave().info().user() == cmd.name, "leave_push");
  pb::Push unsub = read_push("unsubscribe_push",
                             codec().unsubscribe_push(cmd.channel, Unsubscribe{cmd.id, cmd.name}));
  require(unsub.unsubscribe().reason() == cmd.name, "unsubscribe_push reason");
  pb::Push subscribe = read_push("subscribe_push", codec().subscribe_push(cmd.channel, result));
  require(subscribe.subscribe().epoch() == sub.epoch, "subscribe_push epoch");
  read_push("refresh_push", codec().refresh_push(sub.recover, cmd.id));
  read_push("disconnect_push", codec().disconnect_push(Disconnect{3501, cmd.channel}));
}

void take(std::string_view message) {
  std::vector<Command> commands;
  if (codec().decode_commands(message, commands) != DecodeStatus::ok) return;
  if (commands.empty()) fuzz::fail("decode_commands: ok with no command");
  for (const auto& cmd : commands) {
    require_stable(cmd);
    encode_replies(cmd);
    encode_pushes(cmd);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  take(bytes);
  auto by_transport = transport::parse_emulation_request(bytes, transport::WireFormat::protobuf);
  if (auto request = decode_emulation_request(bytes)) {
    if (request->session.empty() || request->data.empty())
      fuzz::fail("decode_emulation_request: no session or no data");
    // The transport's hand-written parser and the generated code, where both accept the body,
    // read the same request (they differ on what they refuse: UTF-8, proto2 groups).
    if (by_transport &&
        (by_transport->session != request->session || by_transport->node != request->node ||
         by_transport->data != request->data))
      fuzz::fail("transport::parse_emulation_request disagrees with the generated decoder");
    take(request->data);
  }
  return 0;
}
