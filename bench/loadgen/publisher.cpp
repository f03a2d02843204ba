#include "publisher.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "net.h"
#include "payload.h"

namespace bench {
namespace {

constexpr size_t kReadBufferBytes = 256 * 1024;
constexpr int kMaxSamples = 8;
constexpr int kConnectTimeoutMs = 3000;

// Waits for a non-blocking connect to finish; 0 or an errno.
int wait_connected(int fd) {
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, kConnectTimeoutMs) != 1) return ETIMEDOUT;
  return connect_result(fd);
}

}  // namespace

Publisher::Publisher(const PublisherOptions& options, const TargetOptions& target)
    : options_(options),
      stats_(std::make_unique<PublisherStats>()),
      read_buffer_(kReadBufferBytes) {
  options_.connections = std::clamp(options_.connections, 1u, kMaxPublisherConns);
  stats_->acked_per_channel = std::vector<Counter>(options_.channels);
  for (uint32_t c = 0; c < options_.channels; ++c)
    channel_names_.push_back(channel_name(options_.channel_pattern, c));
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  connected_ok_ = connect_all(target);
  uint32_t batch = std::max(1u, std::min(options_.batch, conns_.front().adapter->max_batch()));
  options_.batch = batch;
  payloads_.resize(batch * (kMaxStampBytes + options_.pad_bytes + 8));
  messages_.resize(batch);
  thread_ = std::thread([this] { run(); });
}

Publisher::~Publisher() {
  stop();
  for (auto& conn : conns_)
    if (conn.fd >= 0) close_abortive(conn.fd);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

void Publisher::stop() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> Publisher::error_samples() const {
  std::lock_guard lock(samples_mutex_);
  return samples_;
}

void Publisher::set_rate(uint32_t step, double rate) {
  step_.store(step, std::memory_order_relaxed);
  rate_.store(rate, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
}

bool Publisher::connect_all(const TargetOptions& target) {
  conns_.reserve(options_.connections);  // epoll keeps pointers into conns_
  bool all_ok = true;
  for (uint32_t i = 0; i < options_.connections; ++i) {
    Conn& conn = conns_.emplace_back();
    conn.index = i;
    conn.adapter = make_publisher_adapter(target);
    int fd = start_connect(options_.host, options_.port, 1000 + i);
    int err = fd < 0 ? -fd : wait_connected(fd);
    if (err != 0) {
      if (fd >= 0) close(fd);
      sample(std::string("publisher connect: ") + std::strerror(err));
      stats_->dead_conns.add();
      conn.dead = true;
      all_ok = false;
      continue;
    }
    conn.fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = &conn;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    conn.out = conn.adapter->greeting();
    flush(conn);
  }
  return all_ok;
}

void Publisher::run() {
  std::vector<epoll_event> events(conns_.size() + 1);
  while (!stop_.load(std::memory_order_acquire)) {
    uint64_t now = now_ns();
    uint64_t generation = generation_.load(std::memory_order_acquire);
    if (generation != seen_generation_) {
      seen_generation_ = generation;
      step_start_ns_ = now;
      issued_in_step_ = 0;
    }
    issue(now);
    int timeout_ms = rate_.load(std::memory_order_relaxed) != 0 ? 1 : 20;
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      auto& ev = events[static_cast<size_t>(i)];
      Conn& conn = *static_cast<Conn*>(ev.data.ptr);
      if (conn.dead) continue;
      if ((ev.events & EPOLLIN) != 0) on_readable(conn);
      if (!conn.dead && (ev.events & EPOLLOUT) != 0) flush(conn);
      if (!conn.dead && (ev.events & (EPOLLERR | EPOLLHUP)) != 0) kill(conn, "socket error");
    }
  }
}

// Interval pacing: by now `rate * elapsed` publications should have been issued in this step;
// issue the difference over connections that have room in their pipeline, one request per
// connection in turn, so that with one publication per request the requests spread over all
// connections (the server works on each connection's requests one after the other) instead of
// filling the first connection's pipeline before the next gets any.
void Publisher::issue(uint64_t now) {
  double rate = rate_.load(std::memory_order_relaxed);
  if (rate == 0) return;
  uint64_t budget = std::numeric_limits<uint64_t>::max();
  if (rate > 0) {
    // +1: the first publication goes at the start of the step, the n-th at (n-1)/rate.
    auto due = static_cast<uint64_t>(rate * static_cast<double>(now - step_start_ns_) / 1e9) + 1;
    budget = due > issued_in_step_ ? due - issued_in_step_ : 0;
  }
  auto has_room = [this](const Conn& conn) {
    return !conn.dead && conn.inflight.size() < options_.pipeline && conn.out.empty();
  };
  bool any = true;
  while (budget > 0 && any) {
    any = false;
    for (size_t k = 0; k < conns_.size() && budget > 0; ++k) {
      Conn& conn = conns_[next_conn_ % conns_.size()];
      ++next_conn_;
      if (!has_room(conn)) continue;
      auto count = static_cast<uint32_t>(std::min<uint64_t>(budget, options_.batch));
      send_request(conn, count, now);
      budget -= count;
      issued_in_step_ += count;
      any = true;
    }
  }
}

uint32_t Publisher::channel_of(const Conn& conn, uint64_t publication) const {
  return static_cast<uint32_t>((conn.index + publication * options_.connections) %
                               options_.channels);
}

void Publisher::send_request(Conn& conn, uint32_t count, uint64_t now) {
  uint32_t step = step_.load(std::memory_order_relaxed);
  char* p = payloads_.data();
  for (uint32_t i = 0; i < count; ++i) {
    Stamp stamp{conn.published + i + 1, now, conn.index, step};
    size_t len = write_stamp(p, stamp, options_.pad_bytes);
    messages_[i] = {channel_names_[channel_of(conn, conn.published + i)], {p, len}};
    p += len;
  }
  conn.adapter->append_request(conn.out, std::span(messages_.data(), count));
  conn.inflight.push_back(Request{conn.published, count, 0, step, now});
  conn.published += count;
  stats_->issued.add(count);
  stats_->steps[std::min(step, kMaxSteps - 1)].max_in_flight.raise_to(++in_flight_);
  flush(conn);
}

void Publisher::flush(Conn& conn) {
  bool was_waiting = !conn.out.empty();
  while (!conn.out.empty()) {
    ssize_t n = ::send(conn.fd, conn.out.data(), conn.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      conn.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    kill(conn, std::string("send: ") + std::strerror(errno));
    return;
  }
  // EPOLLOUT only while bytes wait, so an idle connection does not wake the loop.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (conn.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT));
  ev.data.ptr = &conn;
  if (was_waiting || !conn.out.empty()) epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd, &ev);
}

void Publisher::on_readable(Conn& conn) {
  while (!conn.dead) {
    ssize_t n = recv(conn.fd, read_buffer_.data(), read_buffer_.size(), 0);
    if (n == 0) {
      kill(conn, "connection closed by the server");
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) kill(conn, std::strerror(errno));
      return;
    }
    current_ = &conn;
    std::string_view data(read_buffer_.data(), static_cast<size_t>(n));
    if (conn.in.empty()) {
      size_t used = conn.adapter->on_data(data, *this);
      if (used < data.size()) conn.in.assign(data.substr(used));
    } else {
      conn.in.append(data);
      conn.in.erase(0, conn.adapter->on_data(conn.in, *this));
    }
    if (static_cast<size_t>(n) < read_buffer_.size()) return;
  }
}

// A lost connection fails whatever it had outstanding; the others carry on.
void Publisher::kill(Conn& conn, std::string_view why) {
  if (conn.dead) return;
  sample(why);
  conn.dead = true;
  stats_->dead_conns.add();
  for (const auto& request : conn.inflight) stats_->failed.add(request.count - request.acked);
  in_flight_ -= conn.inflight.size();
  conn.inflight.clear();
  close(conn.fd);
  conn.fd = -1;
}

void Publisher::ack(Conn& conn, Request& request, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    stats_->acked_per_channel[channel_of(conn, request.first + request.acked + i)].add();
  request.acked += n;
  stats_->acked.add(n);
}

void Publisher::request_done(uint32_t succeeded) {
  Conn& conn = *current_;
  if (conn.inflight.empty()) {
    error("a reply without an outstanding request");
    return;
  }
  Request& request = conn.inflight.front();
  uint32_t remaining = request.count - request.acked;
  uint32_t ok = succeeded == kAll ? remaining : std::min(succeeded, remaining);
  ack(conn, request, ok);
  stats_->failed.add(remaining - ok);
  answered(request);
  conn.inflight.pop_front();
}

void Publisher::message_acked() {
  Conn& conn = *current_;
  if (conn.inflight.empty()) {
    error("an acknowledgement without an outstanding publication");
    return;
  }
  Request& request = conn.inflight.front();
  ack(conn, request, 1);
  if (request.acked == request.count) {
    answered(request);
    conn.inflight.pop_front();
  }
}

void Publisher::answered(const Request& request) {
  --in_flight_;
  uint64_t now = now_ns();
  stats_->steps[std::min(request.step, kMaxSteps - 1)].ack_latency.record(
      now > request.sent_ns ? now - request.sent_ns : 0);
}

void Publisher::error(std::string_view what) {
  stats_->errors.add();
  sample(what);
}

void Publisher::reply(std::string_view bytes) {
  current_->out.append(bytes);
  flush(*current_);
}

void Publisher::sample(std::string_view what) {
  std::lock_guard lock(samples_mutex_);
  if (samples_.size() < kMaxSamples) samples_.emplace_back(what.substr(0, 300));
}

}  // namespace bench
