// Node: the composition root. Owns the I/O threads (one io_context each, N = cores by default),
// the engine, the per-thread shards, the listener and the HTTP handler, and runs the graceful
// shutdown: stop accepting, tell every client to reconnect elsewhere (3001), exit within 10 s.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "config/config.h"

namespace neo::transport {
class HttpHandler;
}

namespace neo::node {

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
  // Blocks until SIGINT/SIGTERM, then shuts down gracefully.
  void run_until_signal();
  void shutdown();

 private:
  struct Parts;
  void start_tls();
  void start_ticker(std::size_t index);
  void start_maintenance();
  void start_cluster();
  std::string metrics_text() const;
  void append_transport_counts(std::string& out) const;

  config::Config config_;
  std::unique_ptr<Parts> parts_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace neo::node
