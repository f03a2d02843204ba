// WsConnection: one WebSocket connection (Beast), living on one I/O thread for its whole life.
// Reads messages and hands them to the session; writes what the session queues, joining up to
// kMaxMessagesPerFrame messages with '\n' into one frame and one gathered write, with at most
// one write in flight. Kept alive by its pending operations (shared_from_this).
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <memory>
#include <vector>

#include "transport/connection.h"
#include "transport/outbound_queue.h"

namespace neo::transport {

struct WsLimits {
  std::uint64_t max_message_bytes = 65536;
  std::uint64_t queue_max_bytes = 1 << 20;
};

class WsConnection final : public Connection, public std::enable_shared_from_this<WsConnection> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  WsConnection(boost::beast::tcp_stream&& stream, const WsLimits& limits,
               std::string remote_address);
  ~WsConnection() override;

  // Completes the upgrade and starts reading; `factory` creates the session once accepted.
  void start(Request request, SessionFactory& factory, UpgradeInfo info);

  bool send(FrameRef message) override;
  void close(std::uint16_t code, std::string_view reason) override;
  void abort(std::uint16_t code, std::string_view reason) override;
  const std::string& remote_address() const override { return remote_address_; }
  boost::asio::any_io_executor executor() override { return ws_.get_executor(); }
  std::weak_ptr<void> lifetime() override { return weak_from_this(); }

 private:
  static constexpr std::size_t kMaxMessagesPerFrame = 16;

  void on_accept(boost::beast::error_code ec);
  void read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void schedule_flush();
  void write();
  void on_write(boost::beast::error_code ec);
  void send_close();
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer read_buffer_;
  std::unique_ptr<SessionHandler> session_;
  OutboundQueue queue_;
  std::vector<boost::asio::const_buffer> write_buffers_;
  std::size_t messages_in_flight_ = 0;
  std::string remote_address_;
  boost::beast::websocket::close_reason close_reason_;
  bool writing_ = false;
  bool flush_scheduled_ = false;
  bool closing_ = false;  // no more messages are taken; close follows the queue
  bool close_sent_ = false;
  bool finished_ = false;
};

}  // namespace neo::transport
