// The member definitions of BasicWsConnection (ws_connection.h). Included by ws_connection.cpp,
// which compiles them for the TCP socket, and by tests that run them over an in-memory stream.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/container/static_vector.hpp>
#include <span>

#include "core/uri.h"
#include "transport/websocket/deflate.h"
#include "transport/wire_metrics.h"
#include "transport/ws_connection.h"

namespace neo::transport {

// Only the files that compile the connection include this header.
namespace asio = boost::asio;
namespace ws = websocket;
using boost::system::error_code;
using ws::Opcode;

namespace ws_detail {

inline constexpr std::string_view kSeparator = "\n";
inline constexpr std::size_t kReadChunk = 64 * 1024;
inline constexpr std::size_t kMaxReadsPerTurn = 4;    // then let other connections have the thread
inline constexpr std::size_t kMaxBatchesPerTurn = 8;  // likewise for writes
inline constexpr auto kCloseHandshakeTimeout = std::chrono::seconds(5);
inline constexpr auto kAbortTimeout = std::chrono::seconds(2);

// One read buffer per thread, shared by all its connections: reading is synchronous once the
// socket is readable, so no connection needs a buffer of its own between frames.
inline char* thread_read_buffer() {
  static thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}

}  // namespace ws_detail

template <class Socket, class Timer>
BasicWsConnection<Socket, Timer>::BasicWsConnection(Socket&& socket, const WsLimits& limits,
                                                    std::string remote_address)
    : socket_(std::move(socket)),
      flushes_(FlushScheduler::of(socket_.get_executor())),
      queue_(limits.queue_max_bytes),
      remote_address_(std::move(remote_address)),
      max_message_bytes_(limits.max_message_bytes),
      compression_level_(static_cast<std::int8_t>(limits.compression.level)),
      compression_min_size_(limits.compression.min_size),
      decompressed_limit_(limits.compression.decompressed_limit) {}

template <class Socket, class Timer>
BasicWsConnection<Socket, Timer>::~BasicWsConnection() = default;

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::start(std::string_view accept, std::string early,
                                             SessionFactory& factory, const UpgradeInfo& info,
                                             bool deflate) {
  error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  std::string& answer = rare().control;
  answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  answer += "Sec-WebSocket-Accept: ";
  answer += accept;
  if (deflate) {
    answer += "\r\nSec-WebSocket-Extensions: ";
    answer += ws::kDeflateResponse;
  }
  if (!info.subprotocol.empty()) {
    answer += "\r\nSec-WebSocket-Protocol: ";
    answer += info.subprotocol;
  }
  answer += "\r\nServer: neo-events\r\n\r\n";
  deflate_ = deflate;
  uni_ = info.transport == TransportKind::uni_websocket;
  binary_ = info.format == WireFormat::protobuf;
  session_ = factory.create(*this, info);
  flush();
  // uni_websocket: the connect request comes in cf_connect, else as the first message.
  if (uni_) {
    if (auto request = query_value(info.target, "cf_connect")) deliver(*request, true);
  }
  if (!early.empty()) take_bytes(early.data(), early.size());
  if (input_ != Input::stopped && !finished_) wait_readable();
}

// --- reading -----------------------------------------------------------------------------------

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::wait_readable() {
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = this->shared_from_this()](error_code ec) { self->on_readable(ec); });
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::on_readable(error_code ec) {
  if (ec || finished_) return finish();
  char* buffer = ws_detail::thread_read_buffer();
  bool drained = false;
  for (std::size_t i = 0; i < ws_detail::kMaxReadsPerTurn && input_ != Input::stopped; ++i) {
    std::size_t n = socket_.read_some(asio::buffer(buffer, ws_detail::kReadChunk), ec);
    drained = ec == asio::error::would_block || ec == asio::error::try_again;
    if (drained) break;
    if (ec) return finish();  // reset, or closed (after our close frame, or without one)
    if (input_ != Input::blind) take_bytes(buffer, n);
    if (finished_) return;
    drained = n < ws_detail::kReadChunk;
    if (drained) break;
  }
  if (input_ == Input::stopped) return;
  if (drained) return wait_readable();
  // Bytes are still waiting: Asio's epoll reactor is edge-triggered, so a wait now would not
  // complete until more arrived. Continue after the thread's other handlers instead.
  asio::post(socket_.get_executor(),
             [self = this->shared_from_this()] { self->on_readable(error_code()); });
}

template <class Socket, class Timer>
auto BasicWsConnection<Socket, Timer>::rare() -> Rare& {
  if (!rare_) rare_ = std::make_unique<Rare>();
  return *rare_;
}

// Gives the rare state back once nothing is in it (never while closing: the deadline lives there).
template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::trim_rare() {
  if (!rare_ || closing_ || rare_->deadline || rare_->in_message || rare_->skip) return;
  const Rare& r = *rare_;
  if (r.partial.empty() && r.message.empty() && r.control.empty() && r.control_out.empty())
    rare_.reset();
}

// Frames are parsed in place; only an incomplete tail is copied into the rare state.
template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::take_bytes(char* data, std::size_t size) {
  if (!rare_ || rare_->partial.empty()) {
    std::size_t used = consume(data, size);
    if (framing() && used < size) rare().partial.assign(data + used, size - used);
  } else {
    std::string& partial = rare_->partial;
    partial.append(data, size);
    std::size_t used = consume(partial.data(), partial.size());
    if (!framing() || used == partial.size()) {
      std::string().swap(partial);
    } else {
      partial.erase(0, used);
    }
  }
  trim_rare();
}

template <class Socket, class Timer>
std::size_t BasicWsConnection<Socket, Timer>::consume(char* data, std::size_t size) {
  std::size_t pos = 0;
  while (framing() && pos < size) {
    if (rare_ && rare_->skip > 0) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(rare_->skip, size - pos));
      pos += n;
      rare_->skip -= n;
      continue;
    }
    ws::FrameHeader header;
    auto parsed = ws::parse_header(reinterpret_cast<const std::uint8_t*>(data + pos), size - pos,
                                   header, deflate_);
    if (parsed == ws::ParseResult::need_more) break;
    if (parsed == ws::ParseResult::protocol_error) {
      if (input_ == Input::parse) fail(1002, "protocol error");
      if (header.size == 0) {
        input_ = Input::blind;  // no frame boundary can be trusted any more
        return size;
      }
      pos += header.size;
      rare().skip = header.length;  // a refused frame of known size: skip it, stay in step
      continue;
    }
    pos += header.size;
    if (header.length > max_message_bytes_) {
      if (input_ == Input::parse) fail(1009, "message too big");
      rare().skip = header.length;  // still in step with the framing: skip its payload
      continue;
    }
    if (size - pos < header.length) {  // the payload is still coming
      pos -= header.size;
      break;
    }
    char* payload = data + pos;
    ws::unmask(payload, header.length, header.mask, 0);
    pos += header.length;
    if (input_ == Input::discard) {
      if (header.opcode == Opcode::close) on_control_frame(Opcode::close, {payload, header.length});
      continue;
    }
    on_frame(header, payload);  // may stop or discard the input: the loop condition sees it
  }
  return pos;
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::on_frame(const ws::FrameHeader& header, char* payload) {
  std::string_view body(payload, header.length);
  if (ws::is_control(header.opcode)) return on_control_frame(header.opcode, body);
  return on_data_frame(header, body);
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::on_control_frame(Opcode opcode, std::string_view payload) {
  if (opcode == Opcode::ping) {
    if (!close_queued_) queue_control(Opcode::pong, payload);
    return;
  }
  if (opcode == Opcode::pong) return;
  // Close: answer with the peer's code, unless ours is decided already (a protocol error's, the
  // session's), sent or not: which code leaves must not depend on how reads split the bytes.
  std::uint16_t code = 0;
  peer_closed_ = true;
  input_ = Input::stopped;
  if (close_sent_) return shut();
  if (!ws::parse_close_payload(payload, code)) code = 1002;
  if (code == 1005) code = 1000;
  if (!close_queued_) {
    queue_.truncate(batching_ && !batch_control_ ? batch_messages_ : 0);
    if (!closing_) rare().close_frame = ws::close_payload(code, "");
    closing_ = true;
    schedule_flush();
  }
  arm_deadline(ws_detail::kAbortTimeout);  // a peer that closes but never reads must not keep us
  return;
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::on_data_frame(const ws::FrameHeader& header,
                                                     std::string_view payload) {
  if (header.opcode == Opcode::continuation) {
    if (!rare_ || !rare_->in_message || header.rsv1) {  // RSV1 marks a message's first frame only
      fail(1002, "protocol error");
      return;
    }
    Rare& r = *rare_;
    if (r.message.size() + payload.size() > max_message_bytes_) {
      fail(1009, "message too big");
      return;
    }
    r.message.append(payload);
    if (!header.fin) return;
    r.in_message = false;
    std::string message = std::move(r.message);  // delivery may abort and touch rare_
    r.message = std::string();
    deliver(message, r.message_text, r.message_compressed);
    return;
  }
  if (rare_ && rare_->in_message) {  // a new message before the fragmented one ended
    fail(1002, "protocol error");
    return;
  }
  bool text = header.opcode == Opcode::text;
  if (header.fin) return deliver(payload, text, header.rsv1);
  Rare& r = rare();
  r.in_message = true;
  r.message_text = text;
  r.message_compressed = header.rsv1;
  r.message.assign(payload);
  return;
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::deliver(std::string_view message, bool text,
                                               bool compressed) {
  if (compressed) {
    // Inflated into a per-thread buffer, never past the limit: a small bomb stays small.
    static thread_local std::string inflated;
    auto result = ws::inflate_message(message, decompressed_limit_, inflated);
    if (result == ws::InflateResult::too_big) return fail(1009, "message too big");
    if (result == ws::InflateResult::corrupt) return fail(1007, "invalid compressed data");
    message = inflated;
  }
  if (text && !ws::valid_utf8(message)) {
    fail(1007, "invalid utf-8");
    return;
  }
  if (!closing_ && session_) session_->on_message(message);
}

// A broken frame: only a close is read from now on; drop what is queued, close with `code`.
template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::fail(std::uint16_t code, std::string_view reason) {
  input_ = Input::discard;
  abort(code, reason);
}

// --- writing -----------------------------------------------------------------------------------

template <class Socket, class Timer>
bool BasicWsConnection<Socket, Timer>::send(FrameRef message) {
  if (closing_ || finished_) return true;  // going away: nothing more is delivered
  bool ping = uni_ && message.view() == "{}";
  if (!queue_.push(std::move(message))) return false;
  if (ping) queue_control(Opcode::ping, "");  // proxies see traffic that WebSocket knows
  schedule_flush();
  return true;
}

// Deferred to the thread's flush round, so that messages queued meanwhile share one write.
template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::schedule_flush() {
  if (write_blocked_ || flush_scheduled_ || finished_) return;
  flush_scheduled_ = true;
  flushes_.add(this->shared_from_this());
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::flush_now() {
  flush_scheduled_ = false;
  flush();
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::queue_control(Opcode opcode, std::string_view payload) {
  std::uint8_t header[ws::kMaxHeaderSize];
  std::size_t n = ws::write_header(header, opcode, payload.size());
  std::string& control = rare().control;
  control.append(reinterpret_cast<const char*>(header), n);
  control.append(payload);
  schedule_flush();
}

// Picks what the next send carries: control bytes first, then up to kMaxMessagesPerFrame
// queued messages as one frame, then (closing, queue empty) our close frame.
template <class Socket, class Timer>
bool BasicWsConnection<Socket, Timer>::start_batch() {
  if (rare_ && !rare_->control.empty()) {
    rare_->control_out.swap(rare_->control);
    rare_->control.clear();
    batch_control_ = true;
    batch_has_close_ = close_queued_;
    batch_bytes_ = rare_->control_out.size();
  } else if (!queue_.empty() && !close_queued_) {
    batch_control_ = false;
    batch_messages_ = static_cast<std::uint8_t>(messages_for_next_frame());
    if (separate_frames()) {
      batch_bytes_ = 0;
      std::uint8_t header[ws::kMaxHeaderSize];
      std::string_view payload;
      for (std::size_t i = 0; i < batch_messages_; ++i)
        batch_bytes_ += own_frame(i, header, payload) + payload.size();
    } else {
      std::size_t payload = binary_ ? 0 : batch_messages_ - 1;  // the '\n' separators
      for (std::size_t i = 0; i < batch_messages_; ++i) payload += wire_message(i).size();
      header_size_ = static_cast<std::uint8_t>(ws::write_header(header_, data_opcode(), payload));
      batch_bytes_ = header_size_ + payload;
    }
  } else if (closing_ && !close_queued_ && rare_ && !rare_->close_frame.empty()) {
    close_queued_ = true;
    queue_control(Opcode::close, rare_->close_frame);
    return start_batch();
  } else {
    return false;
  }
  batching_ = true;
  batch_sent_ = 0;
  return true;
}

// As many queued messages as fit kMaxMessagesPerFrame and kFullFrameBytes (at least one).
template <class Socket, class Timer>
std::size_t BasicWsConnection<Socket, Timer>::messages_for_next_frame() const {
  std::size_t limit = std::min(queue_.size(), kMaxMessagesPerFrame);
  std::size_t n = 1;
  for (std::size_t bytes = queue_.at(0).size(); n < limit; ++n) {
    bytes += queue_.at(n).size();
    if (bytes > kFullFrameBytes) break;
  }
  return n;
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::finish_batch() {
  batching_ = false;
  if (batch_control_) {
    std::string().swap(rare_->control_out);  // control frames are rare: keep no buffer
    trim_rare();
    if (batch_has_close_ && !close_sent_) {
      close_sent_ = true;
      if (peer_closed_) return shut();  // we answered their close: done
      arm_deadline(ws_detail::kCloseHandshakeTimeout);
    }
    return;
  }
  count_written(
      flushes_.metrics(), uni_ ? TransportKind::uni_websocket : TransportKind::websocket,
      batch_messages_, [this](std::size_t i) -> const FrameRef& { return queue_.at(i); },
      tenant_cell_);
  queue_.pop(batch_messages_);
  batch_messages_ = 0;
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::flush() {
  if (finished_ || write_blocked_) return;
  for (std::size_t turn = 0; turn < ws_detail::kMaxBatchesPerTurn; ++turn) {
    if (!batching_ && !start_batch()) return;
    boost::container::static_vector<asio::const_buffer, 2 * kMaxMessagesPerFrame + 1> buffers;
    // Headers of separate frames: rebuilt on every call (they depend only on the queue), so a
    // connection keeps none between partial writes.
    static thread_local std::uint8_t own_headers[kMaxMessagesPerFrame][ws::kMaxHeaderSize];
    if (batch_control_) {
      buffers.emplace_back(rare_->control_out.data(), rare_->control_out.size());
    } else if (separate_frames()) {
      for (std::size_t i = 0; i < batch_messages_; ++i) {
        std::string_view payload;
        std::size_t n = own_frame(i, own_headers[i], payload);
        buffers.emplace_back(own_headers[i], n);
        buffers.emplace_back(payload.data(), payload.size());
      }
    } else {
      buffers.emplace_back(header_, header_size_);
      for (std::size_t i = 0; i < batch_messages_; ++i) {
        if (i && !binary_)
          buffers.emplace_back(ws_detail::kSeparator.data(), ws_detail::kSeparator.size());
        std::string_view message = wire_message(i);
        buffers.emplace_back(message.data(), message.size());
      }
    }
    // Skip what an earlier, partial send already wrote.
    std::size_t skip = batch_sent_, first = 0;
    while (first < buffers.size() && skip >= buffers[first].size()) skip -= buffers[first++].size();
    if (first == buffers.size()) {  // nothing left of this batch (an empty one cannot be started)
      finish_batch();
      continue;
    }
    buffers[first] += skip;
    error_code ec;
    std::size_t n =
        socket_.write_some(std::span(buffers.data() + first, buffers.size() - first), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      write_blocked_ = true;
      socket_.async_wait(asio::socket_base::wait_write,
                         [self = this->shared_from_this()](error_code e) {
                           self->write_blocked_ = false;
                           if (!e) self->flush();
                         });
      return;
    }
    if (ec) return shut();  // the read side notices and finishes the connection
    batch_sent_ += n;
    if (batch_sent_ == batch_bytes_) finish_batch();
    if (finished_) return;
  }
  schedule_flush();  // more to write: continue next turn, after the other connections
}

template <class Socket, class Timer>
std::size_t BasicWsConnection<Socket, Timer>::own_frame(std::size_t i, std::uint8_t* header,
                                                        std::string_view& payload) const {
  payload = wire_message(i);
  bool compressed = false;
  if (deflate_ && payload.size() >= compression_min_size_) {
    int level = compression_level_;
    const Frame* deflated =
        queue_.at(i).companion([&] { return Frame::create(ws::deflate_message(payload, level)); });
    if (deflated) {
      payload = deflated->view();
      compressed = true;
    }
  }
  return ws::write_header(header, data_opcode(), payload.size(), compressed);
}

// --- closing -----------------------------------------------------------------------------------

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::start_closing(std::uint16_t code, std::string_view reason) {
  if (uni_) queue_.push(disconnect_push(code, reason));  // full: the close frame still says it
  closing_ = true;
  rare().close_frame = ws::close_payload(code, reason);
  schedule_flush();
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::close(std::uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  arm_deadline(ws_detail::kCloseHandshakeTimeout);  // bounds the flush too: a peer may never read
  start_closing(code, reason);
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::abort(std::uint16_t code, std::string_view reason) {
  if (finished_) return;
  // Frames of a send in progress stay queued: their bytes are partly on the wire.
  queue_.truncate(batching_ && !batch_control_ ? batch_messages_ : 0);
  arm_deadline(ws_detail::kAbortTimeout);
  if (closing_) return;
  start_closing(code, reason);
}

// A timer exists only for connections that are closing: a peer that never answers our close or
// never reads must not hold its socket for ever.
template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::arm_deadline(std::chrono::seconds after) {
  if (finished_) return;
  auto& deadline = rare().deadline;
  if (!deadline) deadline = std::make_unique<Timer>(socket_.get_executor());
  deadline->expires_after(after);
  deadline->async_wait([self = this->shared_from_this()](error_code ec) {
    if (!ec) self->shut();
  });
}

// Closes the socket; the pending wait fails and finish() runs from there.
template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::shut() {
  error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_both, ec);
  socket_.close(ec);
  input_ = Input::stopped;
  finish();
}

template <class Socket, class Timer>
void BasicWsConnection<Socket, Timer>::finish() {
  if (finished_) return;
  finished_ = true;
  input_ = Input::stopped;
  error_code ec;
  socket_.close(ec);
  if (rare_ && rare_->deadline) rare_->deadline->cancel();
  queue_.clear();
  if (session_) session_->on_close();
}

}  // namespace neo::transport
