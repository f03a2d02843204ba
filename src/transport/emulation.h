// EmulationRegistry: the node's emulated connections (centrifuge-js's http_stream and sse
// transports) by session id, so that POST /emulation, which may arrive on any connection and
// thread, reaches the session on its own thread. A request naming another node is answered 404:
// the client then reconnects. Several nodes behind one address therefore need sticky sessions
// (README, "Transports").
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "transport/connection.h"

namespace neo::transport {

class EmulatedConnection {
 public:
  // Runs on the connection's thread: commands as a WebSocket frame would carry them.
  virtual void take_commands(std::string_view commands) = 0;

 protected:
  ~EmulatedConnection() = default;
};

// The body of POST /emulation.
struct EmulationRequest {
  std::string session;
  std::string node;
  std::string data;
};
// JSON {"session","node","data"} (data: the commands as a JSON string), or with protobuf the
// EmulationRequest message {node = 1, session = 2, data = 3} (data: delimited Commands).
std::optional<EmulationRequest> parse_emulation_request(std::string_view body,
                                                        WireFormat format = WireFormat::json);

class EmulationRegistry {
 public:
  explicit EmulationRegistry(std::string node_id) : node_id_(std::move(node_id)) {}

  // Registers a connection; returns its session id (random, unguessable).
  std::string add(boost::asio::any_io_executor executor, std::weak_ptr<EmulatedConnection> target);
  void remove(const std::string& session);

  enum class Route { delivered, other_node, gone };
  // Hands `request.data` to its session's thread. `gone`: this node has no such session (it
  // ended; its stream says so).
  Route route(EmulationRequest request);

  const std::string& node_id() const { return node_id_; }
  std::size_t size() const;

 private:
  struct Entry {
    boost::asio::any_io_executor executor;
    std::weak_ptr<EmulatedConnection> target;
  };
  const std::string node_id_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> sessions_;
};

}  // namespace neo::transport
