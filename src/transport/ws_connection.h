// WsConnection: one WebSocket connection, living on one I/O thread for its whole life.
//
// Small when idle: no read buffer and no timer while nothing is in flight. Readiness is awaited
// with async_wait and bytes are read into a per-thread buffer; only the tail of a frame that has
// not fully arrived is kept (in Rare), and only until it completes. Writes go straight from the
// queue of shared frames: up to kMaxMessagesPerFrame messages joined with '\n' into one text
// frame, written with one gathered send (sendmsg) per flush; the rest of a partial write waits
// for the socket to become writable. Flushes wait in the thread's FlushScheduler, so a
// connection that several publications reach while the thread is busy writes them together.
// Kept alive by its pending operations (shared_from_this).
//
// The socket and the deadline timer are template parameters so that tests can run the very
// same code over an in-memory stream with injected failures and a virtual clock
// (tests/unit/support/memory_stream.h). The member definitions are in ws_connection_impl.h,
// compiled once, in ws_connection.cpp, for NetSocket (TCP, or TLS over it): no virtual call and
// no indirection. A Socket needs what tcp::socket offers here: async_wait,
// non-blocking read_some and gathered write_some, shutdown, close, non_blocking, set_option,
// get_executor.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "transport/connection.h"
#include "transport/flush_scheduler.h"
#include "transport/net_socket.h"
#include "transport/outbound_queue.h"
#include "transport/push_framing.h"
#include "transport/websocket/frame.h"

namespace neo::transport {

// permessage-deflate (websocket.compression): negotiated when a client offers it.
struct WsCompression {
  bool enabled = false;
  std::uint32_t min_size = 0;  // messages shorter than this are sent uncompressed
  int level = 1;
  std::uint64_t decompressed_limit = 65536;  // an incoming message may inflate to this much
};

struct WsLimits {
  std::uint64_t max_message_bytes = 65536;
  std::uint64_t queue_max_bytes = 1 << 20;
  WsCompression compression;
};

template <class Socket, class Timer = boost::asio::steady_timer>
class BasicWsConnection final
    : public Connection,
      public Flushable,
      public std::enable_shared_from_this<BasicWsConnection<Socket, Timer>> {
 public:
  BasicWsConnection(Socket&& socket, const WsLimits& limits, std::string remote_address);
  ~BasicWsConnection() override;

  // Sends the 101 answer for a validated upgrade (`accept` = Sec-WebSocket-Accept), creates the
  // session and starts reading; `early` holds bytes the client sent after its request.
  // `deflate`: permessage-deflate was negotiated (the answer confirms it).
  void start(std::string_view accept, std::string early, SessionFactory& factory,
             const UpgradeInfo& info, bool deflate = false);

  bool send(FrameRef message) override;
  void close(std::uint16_t code, std::string_view reason) override;
  void abort(std::uint16_t code, std::string_view reason) override;
  const std::string& remote_address() const override { return remote_address_; }
  boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
  std::weak_ptr<void> lifetime() override { return this->weak_from_this(); }
  void flush_now() override;
  void count_deliveries_in(std::uint32_t cell) override { tenant_cell_ = cell; }

 private:
  // One send carries up to 255 messages (1 header + 255 messages + 254 separators: within
  // Linux's IOV_MAX of 1024), and a frame stops growing past kFullFrameBytes unless it holds a
  // single message. Asio gathers only 64 buffers per send, which capped a frame at 31 messages:
  // a connection behind by more than that paid one send (and one reader wake-up) per 31, so
  // NetSocket sends plain TCP through sendmsg directly (TLS copies the frame into records).
  static constexpr std::size_t kMaxMessagesPerFrame = 255;
  static constexpr std::size_t kFullFrameBytes = 256 * 1024;

  // Reading.
  void wait_readable();
  void on_readable(boost::system::error_code ec);
  void take_bytes(char* data, std::size_t size);
  std::size_t consume(char* data, std::size_t size);
  void on_frame(const websocket::FrameHeader& header, char* payload);
  void on_control_frame(websocket::Opcode opcode, std::string_view payload);
  void on_data_frame(const websocket::FrameHeader& header, std::string_view payload);
  void deliver(std::string_view message, bool text, bool compressed = false);
  void fail(std::uint16_t code, std::string_view reason);
  bool framing() const { return input_ == Input::parse || input_ == Input::discard; }
  // What message `i` of the queue puts on the wire: bare pushes on uni_websocket.
  std::string_view wire_message(std::size_t i) const {
    std::string_view message = queue_.at(i).view();
    return uni_ ? bare_push(message) : message;
  }
  // uni_websocket and permessage-deflate send each message in a frame of its own.
  bool separate_frames() const { return uni_ || deflate_; }
  // Protobuf messages carry their own length prefix: binary frames, no separator.
  websocket::Opcode data_opcode() const {
    return binary_ ? websocket::Opcode::binary : websocket::Opcode::text;
  }
  // Message `i` as its own frame: the payload (compressed once per publication and shared when
  // deflate applies) and its header, written to `header`; returns the header's size.
  std::size_t own_frame(std::size_t i, std::uint8_t* header, std::string_view& payload) const;

  // Writing.
  void schedule_flush();
  void flush();
  bool start_batch();
  std::size_t messages_for_next_frame() const;
  void finish_batch();
  void queue_control(websocket::Opcode opcode, std::string_view payload);
  void start_closing(std::uint16_t code, std::string_view reason);
  void arm_deadline(std::chrono::seconds after);
  void shut();
  void finish();

  Socket socket_;
  FlushScheduler& flushes_;
  std::unique_ptr<SessionHandler> session_;
  OutboundQueue queue_;
  std::string remote_address_;
  std::uint64_t max_message_bytes_;
  // What only a connection in the middle of something needs: an incomplete frame, a fragmented
  // message, control frames (and the 101 answer) to write, the closing state. Allocated on first
  // use and freed when idle again, so an idle connection carries one pointer for all of it.
  struct Rare {
    std::string partial;              // the start of a frame whose rest has not arrived
    std::string message;              // a fragmented message being assembled
    std::string control;              // control frames waiting to be written
    std::string control_out;          // ... and being written
    std::string close_frame;          // our close, sent once the queue is written
    std::unique_ptr<Timer> deadline;  // only while closing
    std::uint64_t skip = 0;           // payload bytes of a refused (oversized) frame still to drop
    bool message_text = false;
    bool message_compressed = false;
    bool in_message = false;
  };
  Rare& rare();
  void trim_rare();
  std::unique_ptr<Rare> rare_;
  std::uint8_t header_[websocket::kMaxHeaderSize] = {};
  std::uint8_t header_size_ = 0;
  std::uint8_t batch_messages_ = 0;  // queue messages in the batch being written
  bool batch_control_ = false;
  bool batching_ = false;
  std::size_t batch_bytes_ = 0;
  std::size_t batch_sent_ = 0;
  bool flush_scheduled_ = false;
  bool write_blocked_ = false;  // waiting for the socket to become writable
  bool closing_ = false;        // no more messages are taken; close follows the queue
  bool close_queued_ = false;
  bool close_sent_ = false;
  bool peer_closed_ = false;
  bool batch_has_close_ = false;
  // uni_websocket: one bare push per frame, a native ping with every {} ping, a disconnect push
  // before the close frame.
  bool uni_ = false;
  std::uint32_t tenant_cell_ = 0xFFFFFFFF;  // metrics::Tenants::kNone
  bool deflate_ = false;                    // permessage-deflate negotiated
  bool binary_ = false;                     // the protobuf protocol
  std::int8_t compression_level_ = 1;
  std::uint32_t compression_min_size_ = 0;
  std::uint64_t decompressed_limit_ = 0;
  // parse: frames are read and handled. discard: after an error in a frame, frames are still
  // parsed but only a close is acted on (closing with unread input would reset the connection
  // and lose our close frame). blind: the framing itself broke; bytes are read and dropped until
  // EOF or the deadline. stopped: the peer sent its close.
  enum class Input : std::uint8_t { parse, discard, blind, stopped } input_ = Input::parse;
  bool finished_ = false;
};

// The server's connection, over TCP or TLS (NetSocket): compiled once, in ws_connection.cpp.
extern template class BasicWsConnection<NetSocket>;
using WsConnection = BasicWsConnection<NetSocket>;

}  // namespace neo::transport
