#include "transport/net_socket.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <csignal>

#include <sys/socket.h>
#include <mutex>

namespace neo::transport {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace {

// What a failed SSL call means for the caller. The error queue is per thread and is cleared
// before every call, so SSL_get_error reads this call's outcome only.
error_code tls_error(SSL* ssl, int result) {
  int error = SSL_get_error(ssl, result);
  switch (error) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return asio::error::would_block;
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
      return asio::error::eof;
    case SSL_ERROR_SYSCALL:
      if (errno != 0 && ERR_peek_error() == 0)
        return error_code(errno, asio::error::get_system_category());
      return asio::error::eof;  // the peer went away mid-record
    default: {
      unsigned long reason = ERR_get_error();
      ERR_clear_error();
      return error_code(static_cast<int>(reason), asio::error::get_ssl_category());
    }
  }
}

// OpenSSL writes to the descriptor with write(), not send(MSG_NOSIGNAL) as Asio does: a peer
// that has gone away would kill the process with SIGPIPE instead of failing the write (EPIPE).
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

NetSocket::NetSocket(tcp::socket&& socket) : socket_(std::move(socket)) {}

NetSocket::NetSocket(tcp::socket&& socket, TlsContext& context) : socket_(std::move(socket)) {
  ignore_sigpipe();
  ssl_ = SSL_new(context.native_handle());  // holds a reference to the context (SSL_CTX_up_ref)
  if (!ssl_) throw std::bad_alloc();
  SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
  SSL_set_accept_state(ssl_);
}

NetSocket::NetSocket(NetSocket&& other) noexcept
    : socket_(std::move(other.socket_)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      read_failed_(other.read_failed_) {}

NetSocket& NetSocket::operator=(NetSocket&& other) noexcept {
  if (this != &other) {
    if (ssl_) SSL_free(ssl_);
    socket_ = std::move(other.socket_);
    ssl_ = std::exchange(other.ssl_, nullptr);
    read_failed_ = other.read_failed_;
  }
  return *this;
}

NetSocket::~NetSocket() {
  if (ssl_) SSL_free(ssl_);
}

bool NetSocket::readable_now() const { return read_failed_ || SSL_pending(ssl_) > 0; }

// Reads record after record until the buffer is full or the socket has nothing more, so that a
// short read means "drained", as with TCP: the caller then waits for readiness again.
std::size_t NetSocket::read_some(asio::mutable_buffer buffer, error_code& ec) {
  if (!ssl_) return socket_.read_some(buffer, ec);
  ec = {};
  if (read_failed_) {
    ec = asio::error::eof;
    return 0;
  }
  auto* data = static_cast<char*>(buffer.data());
  std::size_t total = 0;
  while (total < buffer.size()) {
    ERR_clear_error();
    std::size_t n = 0;
    int result = SSL_read_ex(ssl_, data + total, buffer.size() - total, &n);
    if (result == 1) {
      total += n;
      continue;
    }
    error_code error = tls_error(ssl_, result);
    if (total == 0) {
      ec = error;
    } else if (error != asio::error::would_block) {
      read_failed_ = true;  // hand out what arrived first; the next read reports the end
    }
    break;
  }
  return total;
}

std::size_t NetSocket::tls_write(const char* data, std::size_t size, error_code& ec) {
  ec = {};
  ERR_clear_error();
  std::size_t written = 0;
  int result = SSL_write_ex(ssl_, data, size, &written);
  if (result == 1) return written;
  ec = tls_error(ssl_, result);
  return 0;
}

iovec* NetSocket::iov_scratch() {
  static thread_local iovec iov[kMaxIov];
  return iov;
}

// Non-blocking like Asio's send in non-blocking mode: EAGAIN is would_block; no SIGPIPE.
std::size_t NetSocket::send_iov(const iovec* iov, std::size_t count, error_code& ec) {
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(iov);
  message.msg_iovlen = count;
  for (;;) {
    ssize_t sent = ::sendmsg(socket_.native_handle(), &message, MSG_NOSIGNAL);
    if (sent >= 0) {
      ec = {};
      return static_cast<std::size_t>(sent);
    }
    if (errno == EINTR) continue;
    ec = (errno == EAGAIN || errno == EWOULDBLOCK)
             ? error_code(asio::error::would_block)
             : error_code(errno, boost::system::system_category());
    return 0;
  }
}

char* NetSocket::write_scratch() {
  static thread_local std::unique_ptr<char[]> buffer(new char[kWriteChunk]);
  return buffer.get();
}

void NetSocket::shutdown(asio::socket_base::shutdown_type what, error_code& ec) {
  if (ssl_ && SSL_is_init_finished(ssl_)) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // queues and tries to send close_notify; never waits for the peer's
    ERR_clear_error();
  }
  socket_.shutdown(what, ec);
}

void NetSocket::close(error_code& ec) { socket_.close(ec); }

auto NetSocket::handshake_step(error_code& ec) -> Want {
  ec = {};
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_);
  if (result == 1) return Want::done;
  int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ) return Want::read;
  if (error == SSL_ERROR_WANT_WRITE) return Want::write;
  ec = tls_error(ssl_, result);
  if (!ec) ec = asio::error::eof;
  return Want::done;
}

bool NetSocket::plain_http(const error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
}

}  // namespace neo::transport
