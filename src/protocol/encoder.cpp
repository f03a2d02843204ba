#include "protocol/encoder.h"

namespace neo::protocol {

void write_client_info(JsonWriter& w, const ClientInfo& info) {
  w.begin_object().field("user", info.user).field("client", info.client);
  if (!info.conn_info.empty()) w.field_raw("conn_info", info.conn_info);
  if (!info.chan_info.empty()) w.field_raw("chan_info", info.chan_info);
  w.end_object();
}

namespace {

void write_publication_rest(JsonWriter& w, const Publication& pub) {
  if (pub.info) {
    w.key("info");
    write_client_info(w, *pub.info);
  }
  if (pub.offset) w.field_u64("offset", pub.offset);
  if (!pub.tags.empty()) {
    w.key("tags").begin_object();
    for (const auto& [k, v] : pub.tags) w.field(k, v);
    w.end_object();
  }
}

}  // namespace

void write_publication(JsonWriter& w, const Publication& pub) {
  w.begin_object().field_raw("data", pub.data.empty() ? std::string_view("null") : pub.data);
  write_publication_rest(w, pub);
  w.end_object();
}

void write_delta_publication(JsonWriter& w, const Publication& pub, std::string_view data,
                             bool is_patch) {
  w.begin_object().field("data", data);
  write_publication_rest(w, pub);
  if (is_patch) w.field_bool("delta", true);
  w.end_object();
}

void write_publications(JsonWriter& w, const std::vector<Publication>& pubs) {
  w.begin_array();
  for (const auto& pub : pubs) write_publication(w, pub);
  w.end_array();
}

void write_history(JsonWriter& w, const HistoryResult& result) {
  w.begin_object().key("publications");
  write_publications(w, result.publications);
  w.field("epoch", result.position.epoch).field_u64("offset", result.position.offset).end_object();
}

void write_presence(JsonWriter& w, const std::vector<ClientInfo>& clients) {
  w.begin_object().key("presence").begin_object();
  for (const auto& info : clients) {
    w.key(info.client);
    write_client_info(w, info);
  }
  w.end_object().end_object();
}

void write_presence_stats(JsonWriter& w, const PresenceStats& stats) {
  w.begin_object()
      .field_u64("num_clients", stats.num_clients)
      .field_u64("num_users", stats.num_users)
      .end_object();
}

void write_subscribe_result(JsonWriter& w, const SubscribeResult& r) {
  w.begin_object();
  if (r.expires) w.field_bool("expires", true).field_u64("ttl", r.ttl);
  if (r.recoverable) w.field_bool("recoverable", true);
  if (!r.epoch.empty()) w.field("epoch", r.epoch);
  if (!r.publications.empty()) {
    w.key("publications").begin_array();
    for (const auto& pub : r.publications) {
      if (r.delta)
        write_delta_publication(w, pub, pub.data, false);
      else
        write_publication(w, pub);
    }
    w.end_array();
  }
  if (r.recovered) w.field_bool("recovered", true);
  if (r.offset) w.field_u64("offset", r.offset);
  if (r.positioned) w.field_bool("positioned", true);
  if (!r.data.empty()) w.field_raw("data", r.data);
  if (r.was_recovering) w.field_bool("was_recovering", true);
  if (r.delta) w.field_bool("delta", true);
  w.end_object();
}

void write_connect_result(JsonWriter& w, const ConnectResult& r) {
  w.begin_object().field("client", r.client);
  if (!r.version.empty()) w.field("version", r.version);
  if (r.expires) w.field_bool("expires", true).field_u64("ttl", r.ttl);
  if (!r.data.empty()) w.field_raw("data", r.data);
  if (!r.subs.empty()) {
    w.key("subs").begin_object();
    for (const auto& [channel, sub] : r.subs) {
      w.key(channel);
      write_subscribe_result(w, sub);
    }
    w.end_object();
  }
  if (r.ping) w.field_u64("ping", r.ping);
  if (r.pong) w.field_bool("pong", true);
  if (!r.session.empty()) w.field("session", r.session);
  if (!r.node.empty()) w.field("node", r.node);
  w.end_object();
}

void write_error(JsonWriter& w, const Error& error, bool with_temporary) {
  w.begin_object().field_u64("code", error.code).field("message", error.message);
  if (with_temporary && error.temporary) w.field_bool("temporary", true);
  w.end_object();
}

std::string encode_reply(std::uint32_t id, std::string_view field, std::string_view body) {
  std::string out;
  out.reserve(body.size() + field.size() + 24);
  JsonWriter w(out);
  w.begin_object().field_u64("id", id).field_raw(field, body).end_object();
  return out;
}

std::string encode_error_reply(std::uint32_t id, const Error& error) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field_u64("id", id).key("error");
  write_error(w, error, true);
  w.end_object();
  return out;
}

namespace {

template <typename WriteBody>
std::string encode_push(std::string_view channel, std::string_view field, WriteBody&& body) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("push").begin_object();
  if (!channel.empty()) w.field("channel", channel);
  w.key(field);
  body(w);
  w.end_object().end_object();
  return out;
}

std::string encode_info_push(std::string_view channel, std::string_view kind,
                             const ClientInfo& info) {
  return encode_push(channel, kind, [&](JsonWriter& w) {
    w.begin_object().key("info");
    write_client_info(w, info);
    w.end_object();
  });
}

}  // namespace

FrameRef encode_pub_push(std::string_view channel, const Publication& pub) {
  return FrameRef(encode_push(channel, "pub", [&](JsonWriter& w) { write_publication(w, pub); }));
}

FrameRef encode_delta_pub_push(std::string_view channel, const Publication& pub,
                               std::string_view data, bool is_patch) {
  return FrameRef(encode_push(
      channel, "pub", [&](JsonWriter& w) { write_delta_publication(w, pub, data, is_patch); }));
}

FrameRef encode_join_push(std::string_view channel, const ClientInfo& info) {
  return FrameRef(encode_info_push(channel, "join", info));
}

FrameRef encode_leave_push(std::string_view channel, const ClientInfo& info) {
  return FrameRef(encode_info_push(channel, "leave", info));
}

std::string encode_unsubscribe_push(std::string_view channel, const Unsubscribe& reason) {
  return encode_push(channel, "unsubscribe", [&](JsonWriter& w) {
    w.begin_object().field_u64("code", reason.code).field("reason", reason.reason).end_object();
  });
}

std::string encode_subscribe_push(std::string_view channel, const SubscribeResult& result) {
  return encode_push(channel, "subscribe",
                     [&](JsonWriter& w) { write_subscribe_result(w, result); });
}

std::string encode_refresh_push(bool expires, std::uint32_t ttl) {
  return encode_push("", "refresh", [&](JsonWriter& w) {
    w.begin_object();
    if (expires) w.field_bool("expires", true).field_u64("ttl", ttl);
    w.end_object();
  });
}

std::string encode_disconnect_push(const Disconnect& reason) {
  return encode_push("", "disconnect", [&](JsonWriter& w) {
    w.begin_object().field_u64("code", reason.code).field("reason", reason.reason).end_object();
  });
}

std::string encode_connect_push(std::string_view connect_result) {
  return encode_push("", "connect", [&](JsonWriter& w) { w.raw(connect_result); });
}

}  // namespace neo::protocol
