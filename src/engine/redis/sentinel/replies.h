// What Redis Sentinel and the master it names answer, read without any network: the master's
// address (SENTINEL get-master-addr-by-name), the +switch-master message, ROLE, and the
// replication section of INFO. Each parser returns the value, or the problem with the reply in
// words for the log (a sentinel is another program: a malformed answer is reported, not trusted).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "engine/redis/redis_client.h"

struct redisReply;

namespace neo::engine::redis::sentinel {

template <typename T>
using Parsed = std::variant<T, std::string>;  // the value, or what is wrong with the reply

// SENTINEL get-master-addr-by-name <name>: [host, port]; nil when this sentinel does not
// monitor `name`. nullptr (no reply: the connection is down) is a problem too.
Parsed<Address> parse_master_addr(const redisReply* reply, std::string_view name);

struct SwitchMaster {
  std::string name;
  Address from;
  Address to;
};
// The payload of a +switch-master message: "<name> <old host> <old port> <new host> <new port>".
Parsed<SwitchMaster> parse_switch_master(std::string_view payload);

struct Role {
  std::string name;  // "master", "slave" or "sentinel"
};
// ROLE: ["master", offset, replicas] / ["slave", host, port, state, offset] / ["sentinel", ...].
Parsed<Role> parse_role(const redisReply* reply);

struct Replication {
  std::string role;    // "master" or "slave"
  std::string replid;  // master_replid: changes whenever a replica is promoted (or data is lost)
};
// The text of INFO replication ("role:master\r\nmaster_replid:<40 hex>\r\n...").
Parsed<Replication> parse_replication(std::string_view info);

}  // namespace neo::engine::redis::sentinel
