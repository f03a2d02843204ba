#include "transport/ws_connection.h"

#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

namespace neo::transport {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
constexpr std::string_view kSeparator = "\n";
// Read buffers grow to the largest message; give the memory back after big ones.
constexpr std::size_t kKeptReadCapacity = 4096;
}  // namespace

WsConnection::WsConnection(beast::tcp_stream&& stream, const WsLimits& limits,
                           std::string remote_address)
    : ws_(std::move(stream)),
      queue_(limits.queue_max_bytes),
      remote_address_(std::move(remote_address)) {
  ws_.read_message_max(limits.max_message_bytes);
  ws_.auto_fragment(false);
}

WsConnection::~WsConnection() = default;

void WsConnection::start(Request request, SessionFactory& factory, UpgradeInfo info) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket layer has its own timeouts
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(5);  // upgrade and closing handshake
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;  // the protocol has its own pings
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "neo-events"); }));
  session_ = factory.create(*this, info);
  ws_.async_accept(request,
                   [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void WsConnection::on_accept(beast::error_code ec) {
  if (ec) return finish();
  read();
}

void WsConnection::read() {
  ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void WsConnection::on_read(beast::error_code ec, std::size_t) {
  if (ec) return finish();  // closed by peer, too big (Beast sent 1009), or socket error
  if (!closing_) {
    auto data = read_buffer_.cdata();
    session_->on_message({static_cast<const char*>(data.data()), data.size()});
  }
  read_buffer_.consume(read_buffer_.size());
  if (read_buffer_.capacity() > kKeptReadCapacity) read_buffer_ = beast::flat_buffer();
  read();
}

bool WsConnection::send(FrameRef message) {
  if (closing_ || finished_) return true;  // going away: nothing more is delivered
  if (!queue_.push(std::move(message))) return false;
  schedule_flush();
  return true;
}

// Deferred to the end of this loop turn so that messages queued together share one frame.
void WsConnection::schedule_flush() {
  if (writing_ || flush_scheduled_ || finished_) return;
  flush_scheduled_ = true;
  boost::asio::post(ws_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->write();
  });
}

void WsConnection::write() {
  if (writing_ || finished_) return;
  if (queue_.empty()) {
    if (closing_ && !close_sent_) send_close();
    return;
  }
  messages_in_flight_ = std::min(queue_.size(), kMaxMessagesPerFrame);
  write_buffers_.clear();
  for (std::size_t i = 0; i < messages_in_flight_; ++i) {
    if (i) write_buffers_.emplace_back(kSeparator.data(), kSeparator.size());
    const FrameRef& frame = queue_.at(i);
    write_buffers_.emplace_back(frame.data(), frame.size());
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(write_buffers_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_write(ec);
  });
}

void WsConnection::on_write(beast::error_code ec) {
  writing_ = false;
  queue_.pop(messages_in_flight_);
  messages_in_flight_ = 0;
  if (ec) {
    queue_.clear();
    beast::get_lowest_layer(ws_).socket().close(ec);
    return;  // the pending read fails and finishes the connection
  }
  write();
}

void WsConnection::close(std::uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
  if (!writing_) schedule_flush();
}

void WsConnection::abort(std::uint16_t code, std::string_view reason) {
  if (finished_) return;
  queue_.truncate(messages_in_flight_);  // the frames being written must stay alive
  // The write in flight may never finish for a stuck reader: bound it.
  if (writing_) beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(2));
  if (closing_) return;
  closing_ = true;
  close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
  if (!writing_) schedule_flush();
}

void WsConnection::send_close() {
  close_sent_ = true;
  ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code ec) {
    if (ec) beast::get_lowest_layer(self->ws_).socket().close(ec);
    // On success the pending read completes with `closed` and finishes the connection.
  });
}

void WsConnection::finish() {
  if (finished_) return;
  finished_ = true;
  queue_.truncate(messages_in_flight_);
  if (session_) session_->on_close();
}

}  // namespace neo::transport
