#include "engine/redis/sentinel/replies.h"

#include <hiredis/hiredis.h>

#include <charconv>
#include <optional>
#include <vector>

#include "engine/redis/cluster/redirect.h"

namespace neo::engine::redis::sentinel {

namespace {

std::string_view text(const redisReply* r) { return {r->str, r->len}; }

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::optional<int> port_of(std::string_view digits) {
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 1 ||
      port > 65535)
    return std::nullopt;
  return port;
}

// "host port" as sentinels write an address -> Address; nullopt for a bad port or empty host.
std::optional<Address> address_of(std::string_view host, std::string_view port) {
  auto number = port_of(port);
  if (host.empty() || !number) return std::nullopt;
  return cluster::node_address(std::string(host), *number);
}

// Split at every space: "a  b" and "a b " have an empty word, so they are not taken.
std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  for (;;) {
    auto space = s.find(' ');
    out.push_back(s.substr(0, space));
    if (space == std::string_view::npos) return out;
    s.remove_prefix(space + 1);
  }
}

// nullptr and error replies, in the words every parser uses.
std::optional<std::string> failure(const redisReply* reply) {
  if (!reply) return "no answer (connection down)";
  if (reply->type == REDIS_REPLY_ERROR) return "error " + quoted(text(reply));
  return std::nullopt;
}

}  // namespace

Parsed<Address> parse_master_addr(const redisReply* reply, std::string_view name) {
  if (auto problem = failure(reply)) return *problem;
  if (reply->type == REDIS_REPLY_NIL) return "does not know master " + quoted(name);
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      reply->element[1]->type != REDIS_REPLY_STRING)
    return "expected [host, port] for master " + quoted(name);
  auto address = address_of(text(reply->element[0]), text(reply->element[1]));
  if (!address)
    return "bad address " +
           quoted(std::string(text(reply->element[0])) + " " +
                  std::string(text(reply->element[1]))) +
           " for master " + quoted(name);
  return *address;
}

Parsed<SwitchMaster> parse_switch_master(std::string_view payload) {
  auto parts = words(payload);
  if (parts.size() != 5)
    return "expected <name> <old host> <old port> <new host> <new port> in +switch-master " +
           quoted(payload);
  auto from = address_of(parts[1], parts[2]);
  auto to = address_of(parts[3], parts[4]);
  if (parts[0].empty() || !from || !to) return "bad +switch-master " + quoted(payload);
  return SwitchMaster{std::string(parts[0]), std::move(*from), std::move(*to)};
}

Parsed<Role> parse_role(const redisReply* reply) {
  if (auto problem = failure(reply)) return "ROLE: " + *problem;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0 ||
      reply->element[0]->type != REDIS_REPLY_STRING)
    return std::string("ROLE: expected an array starting with the role");
  return Role{std::string(text(reply->element[0]))};
}

Parsed<Replication> parse_replication(std::string_view info) {
  Replication out;
  while (!info.empty()) {
    auto end = info.find('\n');
    std::string_view line = info.substr(0, end);
    info = end == std::string_view::npos ? std::string_view() : info.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // "# Replication", blank lines
    auto key = line.substr(0, colon);
    auto value = line.substr(colon + 1);
    if (key == "role") out.role = value;
    if (key == "master_replid") out.replid = value;
  }
  if (out.role.empty()) return std::string("INFO replication: no role");
  if (out.replid.empty()) return std::string("INFO replication: no master_replid");
  return out;
}

}  // namespace neo::engine::redis::sentinel
