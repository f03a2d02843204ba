#include <simdjson.h>

#include <limits>

#include "core/json_read.h"
#include "protocol/command.h"

namespace neo::protocol {
namespace {

namespace dom = simdjson::dom;

using json::read_bool;
using json::read_i64;
using json::read_object;
using json::read_raw;
using json::read_string;
using json::read_u64;

bool decode_subscribe(dom::object obj, SubscribeRequest& sub) {
  return read_string(obj, "channel", sub.channel) && read_string(obj, "token", sub.token) &&
         read_raw(obj, "data", sub.data) && read_bool(obj, "recover", sub.recover) &&
         read_bool(obj, "positioned", sub.positioned) &&
         read_bool(obj, "recoverable", sub.recoverable) &&
         read_bool(obj, "join_leave", sub.join_leave) && read_u64(obj, "offset", sub.offset) &&
         read_string(obj, "epoch", sub.epoch) && read_string(obj, "delta", sub.delta);
}

bool decode_connect(dom::object obj, Command& cmd) {
  if (!read_string(obj, "token", cmd.token) || !read_raw(obj, "data", cmd.data) ||
      !read_string(obj, "name", cmd.name) || !read_string(obj, "version", cmd.version))
    return false;
  dom::object subs;
  bool present;
  if (!read_object(obj, "subs", subs, present)) return false;
  if (!present) return true;
  for (auto [channel, value] : subs) {
    dom::object sub_obj;
    if (value.get(sub_obj)) return false;
    SubscribeRequest sub;
    if (!decode_subscribe(sub_obj, sub)) return false;
    sub.channel.assign(channel);
    cmd.subs.emplace_back(std::string(channel), std::move(sub));
  }
  return true;
}

bool decode_history(dom::object obj, Command& cmd) {
  if (!read_string(obj, "channel", cmd.channel) || !read_i64(obj, "limit", cmd.limit) ||
      !read_bool(obj, "reverse", cmd.reverse))
    return false;
  dom::object since;
  if (!read_object(obj, "since", since, cmd.has_since)) return false;
  if (!cmd.has_since) return true;
  return read_u64(since, "offset", cmd.since.offset) &&
         read_string(since, "epoch", cmd.since.epoch);
}

bool decode_body(Method method, dom::object body, Command& cmd) {
  switch (method) {
    case Method::connect:
      return decode_connect(body, cmd);
    case Method::subscribe:
      if (!decode_subscribe(body, cmd.subscribe)) return false;
      cmd.channel = cmd.subscribe.channel;
      return true;
    case Method::unsubscribe:
    case Method::presence:
    case Method::presence_stats:
      return read_string(body, "channel", cmd.channel);
    case Method::publish:
      return read_string(body, "channel", cmd.channel) && read_raw(body, "data", cmd.data);
    case Method::history:
      return decode_history(body, cmd);
    case Method::rpc:
      return read_string(body, "method", cmd.rpc_method) && read_raw(body, "data", cmd.data);
    case Method::send:
      return read_raw(body, "data", cmd.data);
    case Method::refresh:
      return read_string(body, "token", cmd.token);
    case Method::sub_refresh:
      return read_string(body, "channel", cmd.channel) && read_string(body, "token", cmd.token);
    default:
      return true;
  }
}

// Centrifugo's precedence when several method fields are set.
constexpr std::pair<std::string_view, Method> kMethods[] = {
    {"connect", Method::connect},
    {"subscribe", Method::subscribe},
    {"unsubscribe", Method::unsubscribe},
    {"publish", Method::publish},
    {"presence", Method::presence},
    {"presence_stats", Method::presence_stats},
    {"history", Method::history},
    {"rpc", Method::rpc},
    {"send", Method::send},
    {"refresh", Method::refresh},
    {"sub_refresh", Method::sub_refresh},
};

bool decode_line(std::string_view line, Command& cmd) {
  dom::element doc;
  if (json::thread_parser().parse(line.data(), line.size(), true).get(doc)) return false;
  dom::object obj;
  if (doc.get(obj)) return false;
  std::uint64_t id = 0;
  if (!read_u64(obj, "id", id) || id > std::numeric_limits<std::uint32_t>::max()) return false;
  cmd.id = static_cast<std::uint32_t>(id);
  for (const auto& [name, method] : kMethods) {
    dom::element body_value;
    if (obj[name].get(body_value) || body_value.is_null()) continue;
    dom::object body;
    if (body_value.get(body)) return false;
    cmd.method = method;
    return decode_body(method, body, cmd);
  }
  cmd.method = cmd.id == 0 ? Method::pong : Method::unknown;
  return true;
}

}  // namespace

DecodeStatus decode_connect_request(std::string_view json, Command& out) {
  out = Command{};
  out.id = 1;
  out.method = Method::connect;
  dom::element doc;
  if (json::thread_parser().parse(json.data(), json.size(), true).get(doc))
    return DecodeStatus::bad_request;
  dom::object obj;
  if (doc.get(obj) || !decode_connect(obj, out)) return DecodeStatus::bad_request;
  return DecodeStatus::ok;
}

DecodeStatus decode_commands(std::string_view frame, std::vector<Command>& out) {
  out.clear();
  if (!frame.empty() && frame.back() == '\n') frame.remove_suffix(1);
  if (frame.empty()) return DecodeStatus::bad_request;
  while (true) {
    auto newline = frame.find('\n');
    std::string_view line = frame.substr(0, newline);
    if (line.empty()) return DecodeStatus::bad_request;
    if (out.size() == kMaxCommandsPerMessage) return DecodeStatus::too_many;
    if (!decode_line(line, out.emplace_back())) return DecodeStatus::bad_request;
    if (newline == std::string_view::npos) return DecodeStatus::ok;
    frame.remove_prefix(newline + 1);
  }
}

namespace {

bool minify_json(std::string& payload) {
  if (payload.empty()) return true;
  dom::element value;
  if (json::thread_parser().parse(payload.data(), payload.size(), true).get(value)) return false;
  payload = simdjson::minify(value);
  return true;
}

}  // namespace

void require_json_payloads(Command& cmd) {
  bool ok = minify_json(cmd.data) && minify_json(cmd.subscribe.data);
  for (auto& [channel, sub] : cmd.subs) ok = ok && minify_json(sub.data);
  cmd.payload_not_json = !ok;
}

std::string_view method_name(Method wanted) {
  for (const auto& [name, method] : kMethods)
    if (method == wanted) return name;
  return "unknown";
}

}  // namespace neo::protocol
