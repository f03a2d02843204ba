#include "cluster/control_message.h"

#include <array>

#include "core/json_read.h"
#include "core/json_writer.h"

namespace neo::cluster {

namespace dom = simdjson::dom;

namespace {

using Kind = ControlMessage::Kind;
constexpr std::array<std::pair<Kind, std::string_view>, 5> kKinds{{{Kind::node, "node"},
                                                                   {Kind::bye, "bye"},
                                                                   {Kind::command, "command"},
                                                                   {Kind::survey, "survey"},
                                                                   {Kind::reply, "reply"}}};

std::string_view kind_name(Kind kind) {
  for (auto [k, name] : kKinds)
    if (k == kind) return name;
  return "";
}

std::optional<Kind> kind_of(std::string_view name) {
  for (auto [k, n] : kKinds)
    if (n == name) return k;
  return std::nullopt;
}

void write_node(JsonWriter& w, const NodeInfo& n) {
  write_node_fields(w.begin_object(), n);
  w.key("tenants").begin_object();
  for (const auto& [tenant, count] : n.tenants) w.field_u64(tenant, count);
  w.end_object().end_object();
}

// Surveys and replies are matched by id: it must be there (read_u64 accepts an absent field).
bool read_id(dom::object obj, std::uint64_t& id) {
  dom::element value;
  return !obj["id"].get(value) && !value.get(id);
}

bool read_node(dom::object obj, NodeInfo& n) {
  using json::read_string;
  using json::read_u64;
  if (!read_string(obj, "uid", n.uid) || !read_string(obj, "name", n.name) ||
      !read_string(obj, "version", n.version) || !read_u64(obj, "num_clients", n.num_clients) ||
      !read_u64(obj, "num_users", n.num_users) || !read_u64(obj, "num_channels", n.num_channels) ||
      !read_u64(obj, "num_subs", n.num_subs) || !read_u64(obj, "uptime", n.uptime))
    return false;
  dom::object tenants;
  bool present = false;
  if (!json::read_object(obj, "tenants", tenants, present)) return false;
  if (!present) return !n.uid.empty();
  for (auto [tenant, value] : tenants) {
    std::uint64_t count = 0;
    if (value.get(count) || count > UINT32_MAX) return false;
    n.tenants.emplace_back(std::string(tenant), static_cast<std::uint32_t>(count));
  }
  return !n.uid.empty();
}

}  // namespace

void write_node_fields(JsonWriter& w, const NodeInfo& n) {
  w.field("uid", n.uid).field("name", n.name).field("version", n.version);
  w.field_u64("num_clients", n.num_clients).field_u64("num_users", n.num_users);
  w.field_u64("num_channels", n.num_channels).field_u64("uptime", n.uptime);
  w.field_u64("num_subs", n.num_subs);
}

std::string encode(const ControlMessage& m) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("kind", kind_name(m.kind)).field("from", m.from);
  switch (m.kind) {
    case Kind::node:
      write_node(w.key("node"), m.node);
      break;
    case Kind::bye:
      break;
    case Kind::command:
      w.field("method", m.method).field_raw("params", m.body);
      break;
    case Kind::survey:
      w.field_u64("id", m.survey_id).field("method", m.method).field_raw("params", m.body);
      break;
    case Kind::reply:
      w.field_u64("id", m.survey_id).field_raw("data", m.body);
      break;
  }
  w.end_object();
  return out;
}

std::optional<ControlMessage> decode(std::string_view text) {
  dom::element root;
  if (json::thread_parser().parse(text.data(), text.size()).get(root)) return std::nullopt;
  dom::object obj;
  if (root.get(obj)) return std::nullopt;
  ControlMessage m;
  std::string kind;
  if (!json::read_string(obj, "kind", kind) || !json::read_string(obj, "from", m.from))
    return std::nullopt;
  auto k = kind_of(kind);
  if (!k || m.from.empty()) return std::nullopt;
  m.kind = *k;
  bool ok = true;
  switch (m.kind) {
    case Kind::node: {
      dom::object node;
      ok = !obj["node"].get(node) && read_node(node, m.node) && m.node.uid == m.from;
      break;
    }
    case Kind::bye:
      break;
    case Kind::command:
      ok = json::read_string(obj, "method", m.method) && json::read_raw(obj, "params", m.body) &&
           !m.method.empty() && !m.body.empty();
      break;
    case Kind::survey:
      ok = read_id(obj, m.survey_id) && json::read_string(obj, "method", m.method) &&
           json::read_raw(obj, "params", m.body) && !m.method.empty() && !m.body.empty();
      break;
    case Kind::reply:
      ok = read_id(obj, m.survey_id) && json::read_raw(obj, "data", m.body) && !m.body.empty();
      break;
  }
  if (!ok) return std::nullopt;
  return m;
}

}  // namespace neo::cluster
