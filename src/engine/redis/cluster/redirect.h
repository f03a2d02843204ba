// MOVED and ASK error replies: "MOVED <slot> <host>:<port>" means the slot now lives on that
// node for good (update the slot map), "ASK <slot> <host>:<port>" that this one key is being
// migrated there (send ASKING, then the command, to that node once; the map stays).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/redis/redis_client.h"

namespace neo::engine::redis::cluster {

struct Redirect {
  enum class Kind { moved, ask };
  Kind kind = Kind::moved;
  std::uint16_t slot = 0;
  Address to;  // host empty when Redis answered ":<port>" (the node's own host)
};

struct RedirectParse {
  std::optional<Redirect> redirect;  // set for a well-formed MOVED/ASK
  std::string problem;               // set for a malformed MOVED/ASK; both empty: other error
};

// Parses an error reply's text (without the leading '-').
RedirectParse parse_redirect(std::string_view error);

// Redirects one command follows at most: a MOVED, then an ASK while that slot migrates.
constexpr int kMaxRedirects = 2;

// The MOVED / ASK of an error reply (or its text), with `asked_host` standing in when Redis
// left the host out; nullopt for no reply, any other reply or error. A malformed redirect is
// logged, and is no redirect.
std::optional<Redirect> redirect_in(std::string_view error, std::string_view asked_host);
std::optional<Redirect> redirect_in(const struct redisReply* reply, std::string_view asked_host);

// A node as Redis Cluster names it, with the text logs show ("redis://host:port").
Address node_address(std::string host, int port);

// "host:port" (the last ':' splits, so IPv6 hosts work) -> Address; nullopt when malformed.
// An empty host is kept empty: the caller substitutes the host it asked.
std::optional<Address> parse_endpoint(std::string_view endpoint);

}  // namespace neo::engine::redis::cluster
