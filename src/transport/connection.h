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
  // Metrics: the registry cell (metrics::Tenants' deliveries cell of the connection's tenant)
  // that counts the publications this connection writes, added to per write batch.
  virtual void count_deliveries_in(std::uint32_t cell) { (void)cell; }
};

class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  virtual void on_message(std::string_view text) = 0;  // one WebSocket message
  virtual void on_close() = 0;                         // called once; the socket is gone
};

// How a client reached the server. Unidirectional transports carry no commands after the
// connect request and receive pushes bare, not wrapped in {"push":...}. The emulated ones
// (centrifuge-js's http_stream and sse) stream replies and pushes as WebSocket would and take
// later commands through POST /emulation.
enum class TransportKind : std::uint8_t {
  websocket,
  uni_websocket,
  uni_sse,
  uni_http_stream,
  http_stream,
  sse,
};

inline constexpr std::size_t kTransportKinds = 6;

constexpr bool unidirectional(TransportKind kind) {
  return kind == TransportKind::uni_websocket || kind == TransportKind::uni_sse ||
         kind == TransportKind::uni_http_stream;
}
constexpr bool emulated(TransportKind kind) {
  return kind == TransportKind::http_stream || kind == TransportKind::sse;
}
constexpr bool server_sent_events(TransportKind kind) {
  return kind == TransportKind::uni_sse || kind == TransportKind::sse;
}

constexpr std::string_view transport_name(TransportKind kind) {
  switch (kind) {
    case TransportKind::websocket:
      return "websocket";
    case TransportKind::uni_websocket:
      return "uni_websocket";
    case TransportKind::uni_sse:
      return "uni_sse";
    case TransportKind::uni_http_stream:
      return "uni_http_stream";
    case TransportKind::http_stream:
      return "http_stream";
    case TransportKind::sse:
      return "sse";
  }
  return "unknown";
}

// The client protocol's encoding on the wire: JSON messages joined by '\n' in text frames, or
// protobuf messages, each with its varint length prefix, concatenated in binary frames.
enum class WireFormat : std::uint8_t { json, protobuf };

struct UpgradeInfo {
  std::string_view target;  // path and query
  std::string_view origin;
  std::string remote_address;
  std::size_t thread_index = 0;
  TransportKind transport = TransportKind::websocket;
  std::string_view emulation_session{};  // emulated transports: the id POST /emulation names
  WireFormat format = WireFormat::json;
  std::string_view subprotocol{};  // the Sec-WebSocket-Protocol chosen from the client's offer
};

class SessionFactory {
 public:
  virtual ~SessionFactory() = default;
  virtual std::unique_ptr<SessionHandler> create(Connection& connection,
                                                 const UpgradeInfo& info) = 0;
};

}  // namespace neo::transport
