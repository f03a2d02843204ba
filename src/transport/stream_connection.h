// StreamConnection: an HTTP streaming connection. The request carried the connect request; the
// answer is one long chunked response whose chunks carry messages, `data: M\n\n` for
// Server-Sent Events or `M\n` for the HTTP stream.
// - Unidirectional (uni_sse, uni_http_stream): the messages are bare pushes. The response head
//   waits for the session's first message: a connect the session refuses before that (bad
//   token, quota, ...) is answered with a plain HTTP status instead (401, 429, ...), which a
//   browser's EventSource takes as final rather than reconnecting in a loop.
// - Emulated (centrifuge-js's http_stream and sse): replies and pushes as over WebSocket; later
//   commands arrive through POST /emulation and the EmulationRegistry. A refused connect is a
//   disconnect push in the stream, which centrifuge-js understands (a status would only make it
//   retry).
//
// Writes follow WsConnection: queued shared frames, flushed in the thread's FlushScheduler
// rounds, several pushes per write. A batch is framed into a per-thread scratch buffer and
// written with one send; only the unsent tail of a partial write is kept by the connection.
// After the last push (a disconnect push, then the terminating chunk) the socket is shut
// down for sending and closed when the peer closes or after a deadline.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "transport/connection.h"
#include "transport/emulation.h"
#include "transport/flush_scheduler.h"
#include "transport/outbound_queue.h"
#include "transport/ws_connection.h"

namespace neo::transport {

// The HTTP status that answers a connect refused before the stream started, by disconnect
// code: 401 for token problems, 429 for quotas and rates, 403 for permissions, ...
unsigned http_status_for_disconnect(std::uint16_t code);

class StreamConnection final : public Connection,
                               public Flushable,
                               public EmulatedConnection,
                               public std::enable_shared_from_this<StreamConnection> {
 public:
  // `registry`: required for the emulated kinds, unused otherwise.
  StreamConnection(NetSocket&& socket, const WsLimits& limits, std::string remote_address,
                   TransportKind kind, std::string origin, EmulationRegistry* registry,
                   WireFormat format = WireFormat::json);
  ~StreamConnection() override;

  // Creates the session and hands it the connect request.
  void start(std::string_view connect_request, SessionFactory& factory, const UpgradeInfo& info);

  bool send(FrameRef message) override;
  void close(std::uint16_t code, std::string_view reason) override;
  void abort(std::uint16_t code, std::string_view reason) override;
  const std::string& remote_address() const override { return remote_address_; }
  boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
  std::weak_ptr<void> lifetime() override { return weak_from_this(); }
  void flush_now() override;
  void count_deliveries_in(std::uint32_t cell) override { tenant_cell_ = cell; }
  void take_commands(std::string_view commands) override;

 private:
  void wait_readable();
  void on_readable(boost::system::error_code ec);
  void schedule_flush();
  void flush();
  // Frames what goes next into `out`: the head, queued pushes, the end of the stream.
  void frame_batch(std::string& out);
  std::string response_head() const;
  void append_cors(std::string& head) const;
  std::string refusal(std::uint16_t code, std::string_view reason) const;
  // What message bytes go on the wire: bare pushes on the unidirectional kinds.
  std::string_view wire(std::string_view message) const;
  bool write(std::string_view bytes);  // false: blocked or failed
  void end_stream(std::uint16_t code, std::string_view reason);
  void arm_deadline();
  void finish();

  NetSocket socket_;  // TCP, or TLS over it
  FlushScheduler& flushes_;
  std::unique_ptr<SessionHandler> session_;
  OutboundQueue queue_;
  std::string remote_address_;
  std::string origin_;
  std::string unsent_;  // the tail of a partial write
  std::string ending_;  // the last bytes: a refusal, or the disconnect push and final chunk
  std::unique_ptr<boost::asio::steady_timer> deadline_;  // only while ending
  EmulationRegistry* registry_;
  std::string emulation_session_;  // registered under this id while alive
  TransportKind kind_;
  WireFormat format_;
  bool head_sent_ = false;
  bool ending_queued_ = false;  // close or abort: ending_ follows the queue
  bool ended_ = false;          // everything is written
  bool flush_scheduled_ = false;
  bool write_blocked_ = false;
  bool finished_ = false;
  std::uint32_t tenant_cell_ = 0xFFFFFFFF;  // metrics::Tenants::kNone
};

}  // namespace neo::transport
