// Node: the composition root. Owns the I/O threads (one io_context each, N = cores by default),
// the engine, the per-thread shards, the listener and the HTTP handler, and runs the graceful
// shutdown: stop accepting, tell every client to reconnect elsewhere (3001), exit within 10 s.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "config/config.h"
#include "config/loader.h"

namespace neo::transport {
class HttpHandler;
}

namespace neo::node {

using Clock = std::chrono::steady_clock;

// Puts another handler in front of the node's API handler (which it gets to delegate to); the
// demo command's static files and login come in this way, so node and transport stay unaware.
using HttpFront =
    std::function<std::unique_ptr<transport::HttpHandler>(transport::HttpHandler& api)>;

class Node {
 public:
  explicit Node(config::Config config, const HttpFront& front = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Binds the listener and starts the I/O threads. Throws on bind failure.
  boost::asio::ip::tcp::endpoint start();
  // Blocks until SIGINT/SIGTERM, then shuts down gracefully; SIGHUP reloads (see reload()).
  void run_until_signal();
  // The file reload() reads again, with the NEO_EVENTS_* environment it was started with.
  void set_config_file(std::string path, config::Environment env);
  // Reads the config file again and, when every check passes (node/config_check.h), applies
  // what can change live: token keys, namespaces, roles, rate limits, tenant quotas, API keys,
  // client options, the TLS certificate; what cannot is logged as needing a restart. A refused
  // file leaves everything as it was and logs every problem. Connections stay up; subscriptions
  // the new roles forbid end with an unsubscribe push 2000. Call from the thread that runs
  // run_until_signal (or any one thread, never two at once).
  void reload();
  void shutdown();
  // Readiness turns false (/ready answers 503, neo_events_ready drops to 0) while
  // everything is still served: the first step of a graceful shutdown, so load balancers stop
  // sending new clients before they are disconnected. Idempotent, safe from any thread.
  void begin_drain();
  // The internal listener's address (http.internal_listen), once start() has bound it.
  std::optional<boost::asio::ip::tcp::endpoint> internal_endpoint() const { return internal_; }

 private:
  struct Parts;
  void start_tls();
  void disconnect_spread(config::Duration spread, Clock::time_point deadline);
  std::uint64_t open_connections() const;
  bool reload_file();
  bool reload_tls(const config::Config& next);
  void install(config::Config next);
  void write_pid_file();
  void remove_pid_file();
  void start_ticker(std::size_t index);
  void start_maintenance();
  void start_cluster();
  void start_shared_quota();
  void wire_metrics();
  void start_internal_listener();

  config::Config config_;  // the running config (the main thread's copy; reload replaces it)
  std::string config_file_;
  config::Environment environment_;
  std::unique_ptr<Parts> parts_;
  std::vector<std::thread> threads_;
  std::optional<boost::asio::ip::tcp::endpoint> internal_;
  bool stopped_ = false;
};

}  // namespace neo::node
