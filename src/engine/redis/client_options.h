// How a RedisClient connects and bounds its commands, made once from engine.redis for every
// connection of a node (the engine's and the tenant quota's).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace neo::engine::redis {

struct ClientOptions {
  // No reply by then: the command fails and the connection is dropped and reconnected.
  std::chrono::milliseconds command_timeout{1000};
  // TCP connect, TLS handshake, AUTH, SELECT and PING together.
  std::chrono::milliseconds connect_timeout{1000};
  // Commands awaiting their reply; beyond it a command fails at once.
  std::size_t max_in_flight = 10000;
  // For rediss:// addresses; nullptr = verify against the system's trust store.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::string server_name;  // SNI and the certificate's name; empty = the address's host
  // A command failed without a reply from Redis or with an error reply:
  // "timeout", "overload", "disconnected" or "error". Runs on the client's thread.
  std::function<void(std::string_view reason)> on_command_error;
};

// The TLS client context of engine.redis.tls, or nullptr with each problem appended as
// "engine.redis.tls.<key>: what is wrong". The same function serves checkconfig and start.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const config::RedisTlsOptions& tls,
                                                            std::vector<std::string>& problems);

// engine.redis -> ClientOptions (without on_command_error). Throws std::runtime_error naming
// the problems when the TLS files cannot be used (checkconfig reports them first).
ClientOptions client_options(const config::RedisOptions& options);

// Whether engine.redis needs a TLS context: a rediss:// address or any TLS file set.
bool wants_tls(const config::RedisOptions& options);

}  // namespace neo::engine::redis
