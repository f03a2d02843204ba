// A Redis address as configured: redis://[user[:password]@]host[:port][/db], or rediss://
// for TLS. The user and password may be percent-encoded; an IPv6 host is written in brackets
// ([::1]:6379). Logs and errors only ever show `text`, where the password is masked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace neo::engine::redis {

struct Address {
  Address() = default;
  // Host and port only, as a cluster's slot map and redirects name a node.
  Address(std::string host_, int port_, std::string text_)
      : host(std::move(host_)), port(port_), text(std::move(text_)) {}

  std::string host = "127.0.0.1";
  int port = 6379;
  std::string text;  // as configured with the password masked: for logs
  std::string user;  // AUTH user password (Redis 6 ACL) when set, else AUTH password
  std::string password;
  std::optional<int> db;  // SELECT after connecting
  bool tls = false;       // rediss://
};

// parse_address's answer: the address, or why the text is not one ("redis address
// 'redis://h:0': port must be 1-65535"). Reads like std::optional<Address>.
struct ParsedAddress {
  std::optional<Address> address;
  std::string error;

  explicit operator bool() const { return address.has_value(); }
  const Address& operator*() const { return *address; }
  const Address* operator->() const { return &*address; }
};

ParsedAddress parse_address(std::string_view url);

// `node` (host and port, as a slot map, a redirect or a sentinel names it) reached the way
// `access` is: its user, password, db and TLS. What a cluster's nodes take from the seeds, and
// a sentinel-named master from engine.redis.sentinel.master_*.
Address with_access(const Address& node, const Address& access);

// `url` with the password (between the user's ':' and the '@') replaced by "***".
std::string mask_password(std::string_view url);

}  // namespace neo::engine::redis
