// NetSocket: a connection's TCP socket, with TLS on top when the listener serves https/wss.
//
// One type for both, so HttpSession, WsConnection and StreamConnection are the same code over
// plain TCP and TLS; a plain socket costs one null-pointer test per call and one pointer of
// memory. TLS runs OpenSSL directly on the socket's descriptor (SSL_set_fd), non-blocking,
// rather than through asio::ssl::stream: the connections are readiness-based (wait for the
// socket, then read or write without blocking), and ssl::stream's synchronous write_some on a
// non-blocking socket loses the tail of a record when the kernel takes only part of it.
// OpenSSL keeps a record that could not be sent in full and sends it when the write is retried,
// which the connections do with the same bytes (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
//
// What TLS changes for the callers:
// - write_some copies a gathered sequence into one per-thread buffer (SSL_write takes one
//   buffer): framing stays shared between connections, encryption is per connection.
// - read_some returns whole records' worth and fills the buffer when it can; bytes OpenSSL has
//   decrypted but not yet handed out (SSL_pending) make async_wait(wait_read) complete at once,
//   since the socket itself will not become readable for them.
// - async_handshake must complete before anything else; the caller bounds it with a deadline.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <climits>
#include <memory>

#include <sys/uio.h>

#include "transport/tls_context.h"

using SSL = struct ssl_st;

namespace neo::transport {

class NetSocket {
 public:
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;
  using executor_type = tcp::socket::executor_type;

  // Plain TCP. Implicit: a tcp::socket is a NetSocket without TLS.
  NetSocket(tcp::socket&& socket);  // NOLINT(google-explicit-constructor)
  // TLS as the server, with a new SSL object of `context` (which it keeps a reference to).
  NetSocket(tcp::socket&& socket, TlsContext& context);
  NetSocket(NetSocket&& other) noexcept;
  NetSocket& operator=(NetSocket&& other) noexcept;
  ~NetSocket();

  bool tls() const { return ssl_ != nullptr; }
  tcp::socket& lowest_layer() { return socket_; }
  executor_type get_executor() { return socket_.get_executor(); }

  // --- readiness-based I/O (WsConnection, StreamConnection) -----------------------------------
  template <class Handler>
  void async_wait(boost::asio::socket_base::wait_type what, Handler&& handler) {
    if (ssl_ && what == boost::asio::socket_base::wait_read && readable_now()) {
      boost::asio::post(socket_.get_executor(),
                        [h = std::forward<Handler>(handler)]() mutable { h(error_code()); });
      return;
    }
    socket_.async_wait(what, std::forward<Handler>(handler));
  }
  // Non-blocking (after non_blocking(true)): would_block when nothing can be read now.
  std::size_t read_some(boost::asio::mutable_buffer buffer, error_code& ec);
  // Plain TCP sends the whole sequence with one sendmsg (up to IOV_MAX buffers): Asio's own
  // write_some gathers only the first 64, which capped a WebSocket frame at 31 messages.
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    if (ssl_) {
      auto [data, size] = linearise(buffers);
      return tls_write(data, size, ec);
    }
    iovec* iov = iov_scratch();
    std::size_t count = 0;
    auto end = boost::asio::buffer_sequence_end(buffers);
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end && count < kMaxIov;
         ++it) {
      boost::asio::const_buffer buffer(*it);
      iov[count++] = {const_cast<void*>(buffer.data()), buffer.size()};
    }
    return send_iov(iov, count, ec);
  }
  // Sends TLS's close_notify first (best effort, never blocking).
  void shutdown(boost::asio::socket_base::shutdown_type what, error_code& ec);
  void close(error_code& ec);
  void non_blocking(bool mode, error_code& ec) { socket_.non_blocking(mode, ec); }
  template <class Option>
  void set_option(const Option& option, error_code& ec) {
    socket_.set_option(option, ec);
  }

  // --- Asio stream operations (HttpSession, Beast's HTTP writes) ------------------------------
  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (!ssl_) return socket_.async_read_some(buffers, std::forward<Handler>(handler));
    boost::asio::async_compose<Handler, void(error_code, std::size_t)>(
        Retry<ReadStep<MutableBuffers>>{{this, buffers}}, handler, socket_);
  }
  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (!ssl_) return socket_.async_write_some(buffers, std::forward<Handler>(handler));
    boost::asio::async_compose<Handler, void(error_code, std::size_t)>(
        Retry<WriteStep<ConstBuffers>>{{this, buffers}}, handler, socket_);
  }
  // The server side of the TLS handshake; `handler(ec, 0)`. The socket must be non-blocking.
  template <class Handler>
  void async_handshake(Handler&& handler) {
    boost::asio::async_compose<Handler, void(error_code, std::size_t)>(Retry<HandshakeStep>{{this}},
                                                                       handler, socket_);
  }
  // The handshake failed because the client spoke plain HTTP to the TLS port.
  static bool plain_http(const error_code& ec);

 private:
  // One attempt of an operation: done (result set), or the readiness to wait for.
  enum class Want { done, read, write };

  template <class MutableBuffers>
  struct ReadStep {
    NetSocket* s;
    MutableBuffers buffers;
    Want operator()(error_code& ec, std::size_t& n) {
      n = s->read_some(*boost::asio::buffer_sequence_begin(buffers), ec);
      return ec == boost::asio::error::would_block ? Want::read : Want::done;
    }
  };
  template <class ConstBuffers>
  struct WriteStep {
    NetSocket* s;
    ConstBuffers buffers;
    Want operator()(error_code& ec, std::size_t& n) {
      n = s->write_some(buffers, ec);
      return ec == boost::asio::error::would_block ? Want::write : Want::done;
    }
  };
  // Runs `step` (first from a post, so the handler never runs inside the initiating call) until
  // it is done, waiting for the readiness it asks for in between.
  template <class Step>
  struct Retry {
    Step step;
    bool started = false;
    template <class Self>
    void operator()(Self& self, error_code wait_error = {}) {
      if (!started) {
        started = true;
        return boost::asio::post(step.s->get_executor(), std::move(self));
      }
      if (wait_error) return self.complete(wait_error, 0);
      error_code ec;
      std::size_t n = 0;
      Want want = step(ec, n);
      if (want == Want::done) return self.complete(ec, n);
      step.s->async_wait(want == Want::read ? boost::asio::socket_base::wait_read
                                            : boost::asio::socket_base::wait_write,
                         std::move(self));
    }
  };
  struct HandshakeStep {
    NetSocket* s;
    Want operator()(error_code& ec, std::size_t&) { return s->handshake_step(ec); }
  };

  bool readable_now() const;
  Want handshake_step(error_code& ec);
  std::size_t tls_write(const char* data, std::size_t size, error_code& ec);
  // The first bytes of `buffers` (up to one per-thread buffer's worth) in one piece.
  template <class ConstBuffers>
  static std::pair<const char*, std::size_t> linearise(const ConstBuffers& buffers) {
    auto first = boost::asio::buffer_sequence_begin(buffers);
    if (std::next(first) == boost::asio::buffer_sequence_end(buffers)) {
      boost::asio::const_buffer only(*first);
      return {static_cast<const char*>(only.data()), only.size()};
    }
    char* scratch = write_scratch();
    return {scratch, boost::asio::buffer_copy(boost::asio::buffer(scratch, kWriteChunk), buffers)};
  }
  static char* write_scratch();
  static constexpr std::size_t kMaxIov = IOV_MAX;
  static iovec* iov_scratch();  // kMaxIov entries, per thread
  std::size_t send_iov(const iovec* iov, std::size_t count, error_code& ec);
  // Four TLS records: what one write_some encrypts at most.
  static constexpr std::size_t kWriteChunk = 64 * 1024;

  tcp::socket socket_;
  SSL* ssl_ = nullptr;
  // A TLS error met after some bytes were already returned: reported by the next read (the
  // socket may never become readable again for it).
  bool read_failed_ = false;
};

}  // namespace neo::transport
