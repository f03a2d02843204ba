// Client frames (arbitrary bytes) -> neo::protocol::decode_commands. Whatever decodes is fed
// back through the reply/push encoders, whose output must always be valid JSON.
// The input is the raw WebSocket text frame, so the seeds are what centrifuge-js sends.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "protocol/command.h"
#include "protocol/encoder.h"

namespace {

using namespace neo;
using namespace neo::protocol;
using fuzz::require_json;

// Results built from what a client asked for: every string and raw JSON value in them came
// out of the decoder, the same as the values the server copies from commands into replies.
SubscribeResult result_for(const SubscribeRequest& sub, const Command& cmd) {
  SubscribeResult r;
  r.expires = sub.recover;
  r.ttl = cmd.id;
  r.recoverable = sub.recoverable;
  r.positioned = sub.positioned;
  r.epoch = sub.epoch;
  r.offset = sub.offset;
  r.recovered = sub.recover;
  r.was_recovering = sub.recover;
  r.data = sub.data;
  Publication pub;
  pub.data = sub.data.empty() ? cmd.data : sub.data;
  if (pub.data.empty()) pub.data = "{}";  // publications always carry data
  pub.offset = sub.offset;
  if (sub.join_leave) pub.info = ClientInfo{sub.channel, sub.token, cmd.data, sub.data};
  pub.tags[sub.channel] = sub.epoch;
  r.publications.push_back(pub);
  return r;
}

void encode_everything(const Command& cmd) {
  const SubscribeRequest& sub = cmd.subscribe;
  SubscribeResult result = result_for(sub, cmd);

  // A fresh writer per document: a JsonWriter remembers whether a comma is due.
  auto written = [](auto write) {
    std::string out;
    JsonWriter w(out);
    write(w);
    return out;
  };
  std::string body = written([&](JsonWriter& w) { write_subscribe_result(w, result); });
  require_json("write_subscribe_result", body);
  require_json("encode_reply(subscribe)", encode_reply(cmd.id, "subscribe", body));
  require_json("encode_subscribe_push", encode_subscribe_push(cmd.channel, result));

  const Publication& pub = result.publications.front();
  require_json("encode_pub_push", encode_pub_push(cmd.channel, pub).view());
  ClientInfo info{cmd.name, cmd.version, cmd.data, sub.data};
  require_json("encode_join_push", encode_join_push(cmd.channel, info).view());
  require_json("encode_leave_push", encode_leave_push(cmd.token, info).view());
  require_json("encode_unsubscribe_push",
               encode_unsubscribe_push(cmd.channel, Unsubscribe{cmd.id, cmd.name}));
  require_json("encode_error_reply",
               encode_error_reply(cmd.id, Error{cmd.id, cmd.channel, sub.recover}));
  require_json("encode_refresh_push", encode_refresh_push(sub.recover, cmd.id));

  HistoryResult history;
  history.publications = result.publications;
  history.position = cmd.has_since ? cmd.since : StreamPosition{sub.offset, sub.epoch};
  require_json("write_history", written([&](JsonWriter& w) { write_history(w, history); }));
  std::vector<ClientInfo> clients{info, ClientInfo{cmd.channel, cmd.token, {}, {}}};
  require_json("write_presence", written([&](JsonWriter& w) { write_presence(w, clients); }));
  PresenceStats stats{cmd.id, static_cast<std::uint32_t>(cmd.limit)};
  require_json("write_presence_stats",
               written([&](JsonWriter& w) { write_presence_stats(w, stats); }));

  ConnectResult connect;
  connect.client = cmd.name;
  connect.version = cmd.version;
  connect.expires = sub.recover;
  connect.ttl = cmd.id;
  connect.data = cmd.data;
  connect.node = cmd.token;
  connect.ping = 25;
  connect.pong = true;
  for (const auto& [channel, s] : cmd.subs) connect.subs.emplace_back(channel, result_for(s, cmd));
  require_json("write_connect_result",
               written([&](JsonWriter& w) { write_connect_result(w, connect); }));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view frame(reinterpret_cast<const char*>(data), size);
  std::vector<Command> commands;
  if (decode_commands(frame, commands) != DecodeStatus::ok) return 0;
  if (commands.empty()) fuzz::fail("decode_commands: ok with no command", frame);
  for (const auto& cmd : commands) encode_everything(cmd);
  return 0;
}
