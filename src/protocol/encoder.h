// JSON encoders for replies and pushes. Zero and empty fields are left out except where
// centrifuge-js needs them (see shared/protocol/client-protocol.md §1).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/frame.h"
#include "core/json_writer.h"
#include "core/result.h"
#include "core/types.h"
#include "protocol/codes.h"
#include "protocol/results.h"

namespace neo::protocol {

// Value writers, shared with the server API.
void write_client_info(JsonWriter& w, const ClientInfo& info);
void write_publication(JsonWriter& w, const Publication& pub);
// A delta subscriber's publication: `data` (the full payload or a fossil patch) as a JSON
// string, which the client JSON.parses or applies to the previous payload; `delta: true` on a
// patch.
void write_delta_publication(JsonWriter& w, const Publication& pub, std::string_view data,
                             bool is_patch);
void write_publications(JsonWriter& w, const std::vector<Publication>& pubs);
void write_history(JsonWriter& w, const HistoryResult& result);
void write_presence(JsonWriter& w, const std::vector<ClientInfo>& clients);
void write_presence_stats(JsonWriter& w, const PresenceStats& stats);
void write_subscribe_result(JsonWriter& w, const SubscribeResult& result);
void write_connect_result(JsonWriter& w, const ConnectResult& result);
void write_error(JsonWriter& w, const Error& error, bool with_temporary);

// Replies: {"id":N,"<field>":<body>} and {"id":N,"error":{...}}.
// `body` is an encoded JSON value, "{}" for an empty result.
std::string encode_reply(std::uint32_t id, std::string_view field, std::string_view body);
std::string encode_error_reply(std::uint32_t id, const Error& error);

// Pushes, encoded once and shared by every receiver.
FrameRef encode_pub_push(std::string_view channel, const Publication& pub);
FrameRef encode_delta_pub_push(std::string_view channel, const Publication& pub,
                               std::string_view data, bool is_patch);
FrameRef encode_join_push(std::string_view channel, const ClientInfo& info);
FrameRef encode_leave_push(std::string_view channel, const ClientInfo& info);
std::string encode_unsubscribe_push(std::string_view channel, const Unsubscribe& reason);
std::string encode_subscribe_push(std::string_view channel, const SubscribeResult& result);
std::string encode_refresh_push(bool expires, std::uint32_t ttl);
std::string encode_disconnect_push(const Disconnect& reason);
// Unidirectional transports get the connect result as their first push.
std::string encode_connect_push(std::string_view connect_result);

// Server ping: the empty reply.
inline constexpr std::string_view kPing = "{}";

}  // namespace neo::protocol
