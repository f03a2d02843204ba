#include "engine/redis/codec.h"

#include "core/json_read.h"
#include "core/json_writer.h"

namespace neo::engine::redis {

namespace dom = simdjson::dom;

namespace {

void write_info(JsonWriter& w, const ClientInfo& info) {
  w.begin_object().field("user", info.user).field("client", info.client);
  if (!info.conn_info.empty()) w.field_raw("conn_info", info.conn_info);
  if (!info.chan_info.empty()) w.field_raw("chan_info", info.chan_info);
  w.end_object();
}

bool read_info(dom::object obj, ClientInfo& info) {
  return json::read_string(obj, "user", info.user) &&
         json::read_string(obj, "client", info.client) &&
         json::read_raw(obj, "conn_info", info.conn_info) &&
         json::read_raw(obj, "chan_info", info.chan_info);
}

}  // namespace

std::string encode_publication(const Publication& pub) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field_raw("data", pub.data.empty() ? std::string_view("null") : pub.data);
  if (pub.info) write_info(w.key("info"), *pub.info);
  if (!pub.tags.empty()) {
    w.key("tags").begin_object();
    for (const auto& [k, v] : pub.tags) w.field(k, v);
    w.end_object();
  }
  if (pub.delta) w.field_bool("delta", true);  // every node makes its own patches
  if (pub.time_ms > 0) w.field_u64("time", static_cast<std::uint64_t>(pub.time_ms));
  w.end_object();
  return out;
}

std::optional<Publication> decode_publication(std::string_view text) {
  dom::element doc;
  if (json::thread_parser().parse(text.data(), text.size(), true).get(doc)) return std::nullopt;
  dom::object obj;
  if (doc.get(obj)) return std::nullopt;
  Publication pub;
  if (!json::read_raw(obj, "data", pub.data)) return std::nullopt;
  dom::object info;
  bool has_info = false;
  if (!json::read_object(obj, "info", info, has_info)) return std::nullopt;
  if (has_info) {
    pub.info.emplace();
    if (!read_info(info, *pub.info)) return std::nullopt;
  }
  if (!json::read_bool(obj, "delta", pub.delta)) return std::nullopt;
  if (!json::read_i64(obj, "time", pub.time_ms)) return std::nullopt;
  dom::object tags;
  bool has_tags = false;
  if (!json::read_object(obj, "tags", tags, has_tags)) return std::nullopt;
  if (has_tags) {
    for (auto [key, value] : tags) {
      std::string_view v;
      if (value.get(v)) return std::nullopt;
      pub.tags.emplace(std::string(key), std::string(v));
    }
  }
  return pub;
}

std::string encode_client_info(const ClientInfo& info) {
  std::string out;
  JsonWriter w(out);
  write_info(w, info);
  return out;
}

std::optional<ClientInfo> decode_client_info(std::string_view text) {
  dom::element doc;
  if (json::thread_parser().parse(text.data(), text.size(), true).get(doc)) return std::nullopt;
  dom::object obj;
  ClientInfo info;
  if (doc.get(obj) || !read_info(obj, info)) return std::nullopt;
  return info;
}

std::size_t shard_of(std::string_view channel, std::size_t shards) {
  std::uint64_t key = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char c : channel) key = (key ^ c) * 1099511628211ULL;
  std::int64_t bucket = -1, next = 0;
  while (next < static_cast<std::int64_t>(shards)) {  // Lamping & Veach, "jump" hash
    bucket = next;
    key = key * 2862933555777941757ULL + 1;
    next = static_cast<std::int64_t>(
        static_cast<double>(bucket + 1) *
        (static_cast<double>(1LL << 31) / static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<std::size_t>(bucket);
}

}  // namespace neo::engine::redis
