#include "transport/stream_connection.h"

#include <fmt/format.h>

#include <boost/asio/socket_base.hpp>
#include <boost/beast/http/status.hpp>

#include "core/json_writer.h"
#include "transport/origin.h"
#include "transport/push_framing.h"
#include "transport/wire_metrics.h"

namespace neo::transport {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

// After the last bytes are written, the peer has this long to close before the socket is.
constexpr auto kEndTimeout = std::chrono::seconds(5);
constexpr std::size_t kMaxPushesPerWrite = 64;
constexpr std::size_t kMaxWritesPerTurn = 8;  // then let the other connections have the thread
constexpr std::size_t kReadChunk = 4096;
constexpr std::string_view kFinalChunk = "0\r\n\r\n";

// Batches are framed here, one buffer per thread for all its connections.
std::string& thread_scratch() {
  static thread_local std::string scratch;
  return scratch;
}
std::string& thread_chunk_body() {
  static thread_local std::string body;
  return body;
}
char* thread_discard_buffer() {
  static thread_local char buffer[kReadChunk];
  return buffer;
}

void append_message(std::string& body, TransportKind kind, WireFormat format,
                    std::string_view message) {
  if (server_sent_events(kind)) {
    body.append("data: ").append(message).append("\n\n");
  } else if (format == WireFormat::protobuf) {
    body.append(message);  // delimited by its own length prefix
  } else {
    body.append(message).append("\n");
  }
}

void append_chunk(std::string& out, std::string_view body) {
  fmt::format_to(std::back_inserter(out), "{:x}\r\n", body.size());
  out.append(body).append("\r\n");
}

}  // namespace

unsigned http_status_for_disconnect(std::uint16_t code) {
  switch (code) {
    case 3500:  // invalid token
    case 3005:  // token expired
      return 401;
    case 3504:  // tenant connection quota
    case 3013:  // too many requests
      return 429;
    case 3507:  // permission denied
      return 403;
    case 3501:  // bad request
    case 3505:  // channel limit
      return 400;
    case 3001:  // shutdown
    case 3508:  // not available
      return 503;
    default:
      return 500;
  }
}

StreamConnection::StreamConnection(NetSocket&& socket, const WsLimits& limits,
                                   std::string remote_address, TransportKind kind,
                                   std::string origin, EmulationRegistry* registry,
                                   WireFormat format)
    : socket_(std::move(socket)),
      flushes_(FlushScheduler::of(socket_.get_executor())),
      queue_(limits.queue_max_bytes),
      remote_address_(std::move(remote_address)),
      origin_(std::move(origin)),
      registry_(emulated(kind) ? registry : nullptr),
      kind_(kind),
      format_(format) {}

StreamConnection::~StreamConnection() = default;

void StreamConnection::start(std::string_view connect_request, SessionFactory& factory,
                             const UpgradeInfo& info) {
  error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  UpgradeInfo with_session = info;
  if (registry_) {
    emulation_session_ = registry_->add(socket_.get_executor(), weak_from_this());
    with_session.emulation_session = emulation_session_;
  }
  session_ = factory.create(*this, with_session);
  session_->on_message(connect_request);
  if (!finished_) wait_readable();
}

void StreamConnection::take_commands(std::string_view commands) {
  if (finished_ || ending_queued_ || !session_) return;
  session_->on_message(commands);
}

std::string_view StreamConnection::wire(std::string_view message) const {
  return unidirectional(kind_) ? bare_push(message) : message;
}

// The client sends nothing after its request; reading only notices that it went away.
void StreamConnection::wait_readable() {
  socket_.async_wait(asio::socket_base::wait_read,
                     [self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

void StreamConnection::on_readable(error_code ec) {
  if (ec || finished_) return finish();
  std::size_t n = socket_.read_some(asio::buffer(thread_discard_buffer(), kReadChunk), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return wait_readable();
  if (ec || n == 0) return finish();  // closed or reset
  wait_readable();
}

bool StreamConnection::send(FrameRef message) {
  if (ending_queued_ || finished_) return true;  // going away: nothing more is delivered
  if (!queue_.push(std::move(message))) return false;
  schedule_flush();
  return true;
}

void StreamConnection::close(std::uint16_t code, std::string_view reason) {
  if (ending_queued_ || finished_) return;
  end_stream(code, reason);
}

void StreamConnection::abort(std::uint16_t code, std::string_view reason) {
  if (finished_) return;
  queue_.clear();  // framed pushes have left the queue: what is cut here is whole
  if (!ending_queued_) end_stream(code, reason);
}

// The disconnect push and the final chunk once the stream started; else a plain refusal.
void StreamConnection::end_stream(std::uint16_t code, std::string_view reason) {
  ending_queued_ = true;
  std::string& ending = ending_;
  if (head_sent_ || !queue_.empty() || !unidirectional(kind_)) {
    std::string body;
    if (!head_sent_ && queue_.empty()) {  // emulated: the head and preamble open the stream
      ending = response_head();
      head_sent_ = true;
      if (server_sent_events(kind_)) body.append("\r\n");
    }
    append_message(body, kind_, format_, wire(disconnect_push(code, reason, format_).view()));
    append_chunk(ending, body);
    ending.append(kFinalChunk);
  } else {
    ending = refusal(code, reason);
  }
  arm_deadline();
  schedule_flush();
}

void StreamConnection::schedule_flush() {
  if (write_blocked_ || flush_scheduled_ || finished_ || ended_) return;
  flush_scheduled_ = true;
  flushes_.add(shared_from_this());
}

void StreamConnection::flush_now() {
  flush_scheduled_ = false;
  flush();
}

void StreamConnection::flush() {
  if (finished_ || write_blocked_) return;
  if (!unsent_.empty()) {
    std::string pending = std::move(unsent_);
    unsent_.clear();
    if (!write(pending)) return;
  }
  for (std::size_t turn = 0; turn < kMaxWritesPerTurn && !ended_; ++turn) {
    std::string& out = thread_scratch();
    out.clear();
    frame_batch(out);
    if (out.empty()) return;
    if (!write(out)) return;
  }
  if (!ended_) return schedule_flush();  // more to write: continue next turn
  error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_send, ec);  // the peer sees the end; we read on
}

void StreamConnection::frame_batch(std::string& out) {
  std::string& body = thread_chunk_body();
  body.clear();
  if (!head_sent_ && !queue_.empty()) {
    out.append(response_head());
    head_sent_ = true;
    if (server_sent_events(kind_)) body.append("\r\n");  // the preamble EventSource skips
  }
  std::size_t n = std::min(queue_.size(), kMaxPushesPerWrite);
  for (std::size_t i = 0; i < n; ++i)
    append_message(body, kind_, format_, wire(queue_.at(i).view()));
  count_written(
      flushes_.metrics(), kind_, n,
      [this](std::size_t i) -> const FrameRef& { return queue_.at(i); }, tenant_cell_);
  queue_.pop(n);
  if (!body.empty()) append_chunk(out, body);
  if (queue_.empty() && ending_queued_) {
    out.append(ending_);
    std::string().swap(ending_);
    ended_ = true;
  }
}

void StreamConnection::append_cors(std::string& head) const {
  for (const auto& [name, value] : cors_headers(origin_)) head += name + ": " + value + "\r\n";
}

std::string StreamConnection::response_head() const {
  std::string head = "HTTP/1.1 200 OK\r\nServer: neo-events\r\n";
  head += server_sent_events(kind_)         ? "Content-Type: text/event-stream; charset=utf-8\r\n"
          : format_ == WireFormat::protobuf ? "Content-Type: application/octet-stream\r\n"
                                            : "Content-Type: application/x-ndjson\r\n";
  head +=
      "Cache-Control: private, no-cache, no-store, must-revalidate, max-age=0\r\n"
      "Pragma: no-cache\r\nExpires: 0\r\nX-Accel-Buffering: no\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n";
  append_cors(head);
  return head + "\r\n";
}

// A connect refused before the stream started: a status the browser does not retry in a loop,
// and the disconnect as the JSON body.
std::string StreamConnection::refusal(std::uint16_t code, std::string_view reason) const {
  std::string body;
  JsonWriter w(body);
  w.begin_object().field_u64("code", code).field("reason", reason).end_object();
  unsigned status = http_status_for_disconnect(code);
  std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nServer: neo-events\r\nContent-Type: application/json\r\n"
      "Cache-Control: no-store\r\nContent-Length: {}\r\nConnection: close\r\n",
      status, std::string_view(bhttp::obsolete_reason(static_cast<bhttp::status>(status))),
      body.size() + 1);
  if (status == 429 || status == 503) out += "Retry-After: 5\r\n";
  if (!origin_.empty())
    out += "Access-Control-Allow-Origin: " + origin_ +
           "\r\nAccess-Control-Allow-Credentials: true\r\n";
  return out + "\r\n" + body + "\n";
}

// Sends what the socket takes of `bytes`; the rest waits in unsent_ for the socket to become
// writable. True when everything left.
bool StreamConnection::write(std::string_view bytes) {
  error_code ec;
  std::size_t n = socket_.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    n = 0;
  } else if (ec) {
    finish();
    return false;
  }
  if (n == bytes.size()) return true;
  unsent_.assign(bytes.substr(n));
  write_blocked_ = true;
  socket_.async_wait(asio::socket_base::wait_write, [self = shared_from_this()](error_code e) {
    self->write_blocked_ = false;
    if (e) return self->finish();
    self->flush();
  });
  return false;
}

// Bounds the ending: a peer that never reads or never closes does not keep the socket.
void StreamConnection::arm_deadline() {
  deadline_ = std::make_unique<asio::steady_timer>(socket_.get_executor());
  deadline_->expires_after(kEndTimeout);
  deadline_->async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->finish();
  });
}

void StreamConnection::finish() {
  if (finished_) return;
  finished_ = true;
  error_code ec;
  socket_.close(ec);
  if (deadline_) deadline_->cancel();
  queue_.clear();
  if (registry_) registry_->remove(emulation_session_);
  if (session_) session_->on_close();
}

}  // namespace neo::transport
