// The seam between the network and the business layer. Transport implements Connection and
// knows sessions only as SessionHandler; the session module implements SessionHandler and
// SessionFactory. Everything here runs on the connection's own I/O thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/frame.h"

namespace neo::transport {

class Connection {
 public:
  virtual ~Connection() = default;
  // Queues one protocol message; several queued in one loop turn leave in one frame and one
  // write. Returns false (and queues nothing) when the queue would exceed its byte limit.
  virtual bool send(FrameRef message) = 0;
  // Flushes what is queued, then closes with `code`. Never calls back synchronously.
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // Drops what is queued and closes with `code` as soon as the socket allows (slow clients).
  virtual void abort(std::uint16_t code, std::string_view reason) = 0;
  virtual const std::string& remote_address() const = 0;
  virtual boost::asio::any_io_executor executor() = 0;
  // Expires when the connection object is destroyed: callbacks that come back later hold this.
  virtual std::weak_ptr<void> lifetime() = 0;
};

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  virtual void on_message(std::string_view text) = 0;  // one WebSocket message
  virtual void on_close() = 0;                         // called once; the socket is gone
};

struct UpgradeInfo {
  std::string_view target;  // path and query
  std::string_view origin;
  std::string remote_address;
  std::size_t thread_index = 0;
};

class SessionFactory {
 public:
  virtual ~SessionFactory() = default;
  virtual std::unique_ptr<SessionHandler> create(Connection& connection,
                                                 const UpgradeInfo& info) = 0;
};

}  // namespace neo::transport
