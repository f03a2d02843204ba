// Messages of the cluster control plane (engine publish_control / on_control): node
// announcements, server API commands that must reach every node, and surveys with their
// replies. JSON, so an operator can read them with `redis-cli SUBSCRIBE <prefix>.control`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_writer.h"

namespace neo::cluster {

struct NodeInfo {
  std::string uid;
  std::string name;
  std::string version;
  std::uint64_t num_clients = 0;
  std::uint64_t num_users = 0;
  std::uint64_t num_channels = 0;
  std::uint64_t num_subs = 0;
  std::uint64_t uptime = 0;  // seconds
  // Connections per tenant on this node, for cluster-wide tenant quotas.
  std::vector<std::pair<std::string, std::uint32_t>> tenants;
};

struct ControlMessage {
  enum class Kind { node, bye, command, survey, reply };
  Kind kind = Kind::node;
  std::string from;             // sender's node uid
  NodeInfo node;                // node
  std::string method;           // command, survey
  std::string body;             // raw JSON: command/survey params, reply data
  std::uint64_t survey_id = 0;  // survey, reply
};

// The node's figures as object members, in the order of Centrifugo's `info` reply (shared by
// announcements and the `info` API).
void write_node_fields(JsonWriter& w, const NodeInfo& node);

std::string encode(const ControlMessage& message);
// nullopt for anything malformed (a control channel is shared; never trust its contents).
std::optional<ControlMessage> decode(std::string_view text);

}  // namespace neo::cluster
