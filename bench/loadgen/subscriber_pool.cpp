#include "subscriber_pool.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net.h"
#include "payload.h"

namespace bench {
namespace {

constexpr size_t kReadBufferBytes = 256 * 1024;
constexpr int kMaxEvents = 512;
constexpr int kMaxSamples = 8;
constexpr int kReadsPerEvent = 8;  // then let other connections have a turn
// A compressed message inflating past this is taken for garbage rather than buffered.
constexpr size_t kMaxInflatedBytes = 16 * 1024 * 1024;

bool waiting_for_subscription(const SubConn& c) {
  return c.state == SubConn::State::kConnecting || c.state == SubConn::State::kHandshaking ||
         c.state == SubConn::State::kUpgrading || c.state == SubConn::State::kOpen;
}

}  // namespace

SubscriberThread::SubscriberThread(const SubscriberOptions& options, const TargetOptions& target,
                                   uint32_t thread_index)
    : options_(options),
      adapter_(make_subscriber_adapter(target)),
      inflater_(options.deflate ? std::make_unique<ws::Inflater>() : nullptr),
      tls_(options.tls ? std::make_unique<TlsClient>() : nullptr),
      stats_(std::make_unique<SubscriberStats>()),
      host_port_(options.host + ":" + std::to_string(options.port)),
      read_buffer_(kReadBufferBytes) {
  stats_->subscribed_per_channel = std::vector<Counter>(options.channels);
  for (uint32_t i = thread_index; i < options.subscribers; i += options.threads) {
    SubConn& conn = conns_.emplace_back();
    conn.index = i;
    conn.channel = i % options.channels;
  }
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

SubscriberThread::~SubscriberThread() {
  stop();
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void SubscriberThread::stop() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> SubscriberThread::error_samples() const {
  std::lock_guard lock(samples_mutex_);
  return samples_;
}

void SubscriberThread::run() {
  std::vector<epoll_event> events(kMaxEvents);
  while (!stop_.load(std::memory_order_acquire)) {
    uint64_t now = now_ns();
    if (go_.load(std::memory_order_acquire)) open_more(now);
    int n = epoll_wait(epoll_fd_, events.data(), kMaxEvents, 20);
    for (int i = 0; i < n; ++i)
      on_event(*static_cast<SubConn*>(events[static_cast<size_t>(i)].data.ptr),
               events[static_cast<size_t>(i)].events);
    housekeeping(now_ns());
  }
  for (auto& conn : conns_) {
    TlsClient::release(conn.tls);
    if (conn.fd >= 0) close_abortive(conn.fd);
  }
}

void SubscriberThread::open_more(uint64_t now) {
  while (next_to_open_ < conns_.size() && in_progress_ < options_.connect_concurrency)
    open(conns_[next_to_open_++], now);
}

void SubscriberThread::open(SubConn& conn, uint64_t now) {
  conn.started_ns = now;
  int fd = start_connect(options_.host, options_.port, conn.index);
  if (fd < 0) {
    sample("connect", std::strerror(-fd));
    stats_->connect_failed.add();
    stats_->failed.add();
    conn.state = SubConn::State::kClosed;
    return;
  }
  conn.fd = fd;
  conn.state = SubConn::State::kConnecting;
  ++in_progress_;
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = &conn;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void SubscriberThread::on_event(SubConn& conn, uint32_t events) {
  if (conn.state == SubConn::State::kClosed) return;
  if (conn.state == SubConn::State::kConnecting) {
    int err = connect_result(conn.fd);
    if (err != 0) {
      end(conn, stats_->connect_failed, std::strerror(err));
      return;
    }
    on_connected(conn);
    return;
  }
  if (conn.state == SubConn::State::kHandshaking) {
    on_handshake(conn);
    return;
  }
  if ((events & EPOLLIN) != 0) on_readable(conn);
  if (conn.state == SubConn::State::kClosed) return;
  if ((events & EPOLLOUT) != 0 && conn.writing) flush(conn);
  if ((events & (EPOLLERR | EPOLLHUP)) != 0 && conn.state != SubConn::State::kClosed)
    end(conn, stats_->closed_by_server, "socket error or hang-up");
}

void SubscriberThread::on_connected(SubConn& conn) {
  if (!tls_) {
    conn.state = SubConn::State::kUpgrading;
    watch(conn, false);
    send_upgrade(conn);
    return;
  }
  conn.tls = tls_->attach(conn.fd);
  if (!conn.tls) {
    end(conn, stats_->connect_failed, "cannot create a TLS session");
    return;
  }
  conn.state = SubConn::State::kHandshaking;
  on_handshake(conn);
}

void SubscriberThread::on_handshake(SubConn& conn) {
  std::string error;
  switch (TlsClient::handshake(conn.tls, error)) {
    case TlsClient::Step::kDone:
      conn.state = SubConn::State::kUpgrading;
      watch(conn, false);
      send_upgrade(conn);
      return;
    case TlsClient::Step::kWantRead:
      return watch(conn, false);
    case TlsClient::Step::kWantWrite:
      return watch(conn, true);
    case TlsClient::Step::kFailed:
      return end(conn, stats_->connect_failed, error);
  }
}

void SubscriberThread::send_upgrade(SubConn& conn) {
  scratch_.clear();
  std::string channel = channel_name(options_.channel_pattern, conn.channel);
  ws::append_upgrade_request(scratch_, host_port_, adapter_->path(channel), adapter_->subprotocol(),
                             inflater_ ? ws::kDeflateOffer : "");
  write_bytes(conn, scratch_);
}

void SubscriberThread::watch(SubConn& conn, bool writable) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (writable ? EPOLLOUT : 0u);
  ev.data.ptr = &conn;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd, &ev);
}

ssize_t SubscriberThread::receive(SubConn& conn, char* data, size_t size) {
  return conn.tls ? TlsClient::read(conn.tls, data, size) : recv(conn.fd, data, size, 0);
}

ssize_t SubscriberThread::transmit(SubConn& conn, const char* data, size_t size) {
  return conn.tls ? TlsClient::write(conn.tls, data, size)
                  : ::send(conn.fd, data, size, MSG_NOSIGNAL);
}

void SubscriberThread::on_readable(SubConn& conn) {
  // TLS returns one record (16 KiB at most) per read, so a short read does not mean drained;
  // and bytes OpenSSL already holds raise no epoll event, so they are always taken.
  int reads = conn.tls ? kReadsPerEvent * 16 : kReadsPerEvent;
  for (int i = 0; conn.state != SubConn::State::kClosed; ++i) {
    if (i >= reads && !(conn.tls && TlsClient::pending(conn.tls) > 0)) return;
    ssize_t n = receive(conn, read_buffer_.data(), read_buffer_.size());
    if (n > 0) {
      now_ = now_ns();
      on_bytes(conn, std::string_view(read_buffer_.data(), static_cast<size_t>(n)));
      if (!conn.tls && static_cast<size_t>(n) < read_buffer_.size()) return;  // drained
    } else if (n == 0) {
      end(conn, stats_->closed_by_server, "connection closed by the server");
    } else {
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        end(conn, stats_->closed_by_server, std::strerror(errno));
      return;
    }
  }
}

// Parses what arrived, continuing any partial frame kept in conn.in; keeps what is left over.
void SubscriberThread::on_bytes(SubConn& conn, std::string_view data) {
  bool buffered = !conn.in.empty();
  if (buffered) conn.in.append(data);
  std::string_view view = buffered ? std::string_view(conn.in) : data;
  size_t used = 0;
  if (conn.state == SubConn::State::kUpgrading) {
    size_t head = ws::response_head_length(view);
    if (head == 0) {
      if (!buffered) conn.in.assign(data);
      return;
    }
    if (!upgrade_accepted(conn, view.substr(0, head))) return;
    used = head;
    conn.state = SubConn::State::kOpen;
    adapter_->on_open(conn, channel_name(options_.channel_pattern, conn.channel), *this);
    if (adapter_->subscribed_on_upgrade()) subscribed(conn);
  }
  used += on_frames(conn, view.substr(used));
  if (conn.state == SubConn::State::kClosed) return;
  if (buffered)
    conn.in.erase(0, used);
  else if (used < data.size())
    conn.in.assign(data.substr(used));
}

// A 101 that does not take what was offered would make the run measure something else (JSON
// instead of protobuf, plain instead of compressed): it fails the connection.
bool SubscriberThread::upgrade_accepted(SubConn& conn, std::string_view head) {
  std::string_view failure;
  if (!ws::is_switching_protocols(head))
    failure = head.substr(0, head.find('\r'));
  else if (!adapter_->subprotocol().empty() &&
           ws::header_value(head, "Sec-WebSocket-Protocol") != adapter_->subprotocol())
    failure = "the server did not select the subprotocol offered";
  else if (inflater_ &&
           !ws::header_value(head, "Sec-WebSocket-Extensions").starts_with("permessage-deflate"))
    failure = "the server did not accept permessage-deflate";
  if (failure.empty()) return true;
  end(conn, stats_->upgrade_failed, failure);
  return false;
}

size_t SubscriberThread::on_frames(SubConn& conn, std::string_view data) {
  size_t pos = 0;
  ws::Frame frame;
  while (conn.state != SubConn::State::kClosed) {
    auto result = ws::parse_frame(data.substr(pos), frame);
    if (result == ws::ParseResult::kIncomplete) break;
    if (result == ws::ParseResult::kError) {
      protocol_error(conn, "bad WebSocket frame header");
      break;
    }
    pos += frame.total;
    // RSV1 only as negotiated, and only on the first frame of a data message (RFC 7692 6).
    bool data_start = frame.opcode == ws::kText || frame.opcode == ws::kBinary;
    if (frame.compressed && !(inflater_ && data_start)) {
      protocol_error(conn, "RSV1 on a frame that cannot be compressed");
      break;
    }
    switch (frame.opcode) {
      case ws::kText:
      case ws::kBinary:
      case ws::kContinuation:
        on_payload(conn, frame);
        break;
      case ws::kPing:
        send(conn, ws::kPong, frame.payload);
        break;
      case ws::kPong:
        break;
      case ws::kClose: {
        uint32_t code = frame.payload.size() >= 2 ? (static_cast<uint8_t>(frame.payload[0]) << 8) |
                                                        static_cast<uint8_t>(frame.payload[1])
                                                  : 0;
        // Built with append: g++ 12 -O3 warns (-Wrestrict, a false positive) on literal + string.
        std::string what("close frame ");
        what += std::to_string(code);
        if (frame.payload.size() > 2) {
          what += ' ';
          what += frame.payload.substr(2);
        }
        end(conn, stats_->closed_by_server, what);
        break;
      }
      default:
        protocol_error(conn, "unknown WebSocket opcode");
    }
  }
  return pos;
}

// Reassembles fragmented messages; an uncompressed stream protocol takes frames as they come.
void SubscriberThread::on_payload(SubConn& conn, const ws::Frame& frame) {
  bool first = frame.opcode != ws::kContinuation;
  if (first) conn.frag_compressed = frame.compressed;
  if (adapter_->stream() && !conn.frag_compressed) {
    on_stream_data(conn, frame.payload);
    return;
  }
  if (first && frame.fin) {
    on_message(conn, frame.payload);
    return;
  }
  conn.frag.append(frame.payload);
  if (frame.fin) {
    on_message(conn, conn.frag);
    conn.frag.clear();
  }
}

// One whole WebSocket message, inflated first when it came compressed.
void SubscriberThread::on_message(SubConn& conn, std::string_view message) {
  if (conn.frag_compressed) {
    std::string_view inflated;
    if (!inflater_->inflate(message, kMaxInflatedBytes, inflated)) {
      protocol_error(conn, "compressed message that does not inflate");
      return;
    }
    stats_->compressed_messages.add();
    stats_->compressed_bytes.add(message.size());
    stats_->inflated_bytes.add(inflated.size());
    message = inflated;
  }
  if (adapter_->stream())
    on_stream_data(conn, message);
  else
    adapter_->on_data(conn, message, *this);
}

// Frame boundaries mean nothing to a stream protocol: a partial message waits in conn.stream.
void SubscriberThread::on_stream_data(SubConn& conn, std::string_view data) {
  if (conn.stream.empty()) {
    size_t used = adapter_->on_data(conn, data, *this);
    if (used < data.size()) conn.stream.assign(data.substr(used));
  } else {
    conn.stream.append(data);
    conn.stream.erase(0, adapter_->on_data(conn, conn.stream, *this));
  }
}

void SubscriberThread::write_bytes(SubConn& conn, std::string_view bytes) {
  if (conn.fd < 0) return;
  if (!conn.out.empty()) {
    conn.out.append(bytes);
    return;
  }
  ssize_t n = transmit(conn, bytes.data(), bytes.size());
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) return;  // the read side will see the error
    n = 0;
  }
  if (static_cast<size_t>(n) == bytes.size()) return;
  conn.out.assign(bytes.substr(static_cast<size_t>(n)));
  conn.writing = true;
  watch(conn, true);
}

void SubscriberThread::flush(SubConn& conn) {
  ssize_t n = transmit(conn, conn.out.data(), conn.out.size());
  if (n > 0) conn.out.erase(0, static_cast<size_t>(n));
  if (!conn.out.empty()) return;
  conn.writing = false;
  watch(conn, false);
}

// Ends a connection. One that had not reached "subscribed" counts as failed; either way the
// reason is counted and a few samples kept for the report.
void SubscriberThread::end(SubConn& conn, Counter& reason, std::string_view what) {
  if (conn.state == SubConn::State::kClosed) return;
  if (stop_.load(std::memory_order_relaxed)) return;  // our own shutdown is no error
  reason.add();
  sample("connection ended", what);
  if (waiting_for_subscription(conn)) {
    stats_->failed.add();
    --in_progress_;
  }
  conn.state = SubConn::State::kClosed;
  TlsClient::release(conn.tls);
  close_abortive(conn.fd);  // also removes it from the epoll set
  conn.fd = -1;
  conn.out.clear();  // not `in`: the caller may still be parsing a view of it
}

void SubscriberThread::housekeeping(uint64_t now) {
  if (in_progress_ > 0 && next_to_open_ == conns_.size()) {
    for (auto& conn : conns_)
      if (waiting_for_subscription(conn) && now - conn.started_ns > options_.subscribe_timeout_ns)
        end(conn, stats_->timed_out, "not subscribed before the timeout");
  }
  uint32_t every = adapter_->keepalive_seconds();
  if (every == 0 || now - last_keepalive_ns_ < every * 1'000'000'000ull) return;
  last_keepalive_ns_ = now;
  for (auto& conn : conns_)
    if (conn.state == SubConn::State::kSubscribed) adapter_->keepalive(conn, *this);
}

void SubscriberThread::sample(std::string_view kind, std::string_view what) {
  std::lock_guard lock(samples_mutex_);
  if (samples_.size() < kMaxSamples)
    samples_.push_back(std::string(kind) + ": " + std::string(what.substr(0, 300)));
}

void SubscriberThread::delivery(SubConn& conn, std::string_view message) {
  if (conn.state == SubConn::State::kClosed) return;  // rest of a frame after an error
  Stamp stamp;
  if (!parse_stamp(message, stamp) || stamp.step >= kMaxSteps) {
    stats_->unparsable.add();
    sample("unparsable delivery", message);
    return;
  }
  StepCounters& step = stats_->steps[stamp.step];
  step.delivered.add();
  step.latency.record(now_ > stamp.sent_ns ? now_ - stamp.sent_ns : 0);
  if (stamp.publisher >= kMaxPublisherConns) return;
  uint64_t& last = conn.last_seq[stamp.publisher];
  if (stamp.seq > last)
    last = stamp.seq;
  else if (stamp.seq == last)
    step.duplicates.add();
  else
    step.out_of_order.add();
}

void SubscriberThread::subscribed(SubConn& conn) {
  if (conn.state != SubConn::State::kOpen) return;
  conn.state = SubConn::State::kSubscribed;
  --in_progress_;
  stats_->subscribed.add();
  stats_->subscribed_per_channel[conn.channel].add();
  stats_->last_subscribed_ns.raise_to(now_ns());
}

// An error reply before the subscription is confirmed means it never will be: end it.
void SubscriberThread::server_error(SubConn& conn, std::string_view what) {
  if (conn.state == SubConn::State::kSubscribed) {
    stats_->server_errors.add();
    sample("server error", what);
    return;
  }
  end(conn, stats_->server_errors, what);
}

void SubscriberThread::protocol_error(SubConn& conn, std::string_view what) {
  end(conn, stats_->protocol_errors, what);
}

void SubscriberThread::send(SubConn& conn, ws::Opcode opcode, std::string_view payload) {
  scratch_.clear();
  ws::append_frame(scratch_, opcode, payload);
  write_bytes(conn, scratch_);
}

}  // namespace bench
