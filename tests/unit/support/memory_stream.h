// MemoryStream: an in-memory stand-in for a non-blocking tcp::socket, offering exactly what
// BasicWsConnection uses of it (async_wait for readiness, read_some, gathered write_some,
// shutdown, close, non_blocking, set_option, get_executor), with failures injected where the
// test says: the peer's bytes in chunks down to one byte, spurious would_block on reads and
// writes, short writes, a reset (ECONNRESET) or EOF at a chosen byte offset. MemoryPeer is the
// other end, kept by the test: it writes the client's bytes, sees everything the server wrote,
// and notes any use a real socket would punish (a read on a blocking socket, two waits).
// Every completion is posted to the io_context, as Asio does: nothing calls back inline.
//
// Why not Beast's test::stream (boost/beast/_experimental/test/stream.hpp): it models
// async_read_some/async_write_some. Its read_some blocks on a condition variable until bytes
// arrive, it has no async_wait and no non-blocking mode, write_some never says would_block, and
// its fail_count fails the n-th call rather than at a byte offset. WsConnection waits for
// readiness and then reads and writes without blocking: just what that stream does not model.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neo::test {

namespace asio = boost::asio;
using boost::system::error_code;

struct StreamFaults {
  std::size_t read_chunk = 0;   // the most bytes one read_some returns (0: all there are)
  std::size_t write_chunk = 0;  // the most bytes one write_some takes (0: all): short writes
  // n >= 2: calls 1, 1+n, 1+2n... fail with would_block. A blocked write is writable again one
  // turn later (the peer read); a blocked read is still readable (a spurious wake-up).
  std::size_t read_would_block_every = 0;
  std::size_t write_would_block_every = 0;
  std::optional<std::size_t> reset_at_read;   // the peer's RST follows its first N bytes
  std::optional<std::size_t> eof_at_read;     // the peer's FIN follows its first N bytes
  std::optional<std::size_t> reset_at_write;  // the peer resets after N bytes of the server's
  std::optional<std::size_t> stall_at_write;  // the peer stops reading after N bytes: blocked
};

class MemoryPeer : public std::enable_shared_from_this<MemoryPeer> {
 public:
  using Handler = std::function<void(error_code)>;

  MemoryPeer(asio::any_io_executor executor, StreamFaults faults)
      : executor_(std::move(executor)), faults_(faults) {}

  // --- the client's side -----------------------------------------------------------------------
  void write(std::string_view bytes) {
    input_.append(bytes);
    wake();
  }
  void shutdown_write() {  // FIN after what was written
    fin_ = true;
    wake();
  }
  // Runs after every write_some that took bytes (a client answering what it reads).
  std::function<void()> on_output;

  const std::string& output() const { return output_; }
  std::size_t input_read() const { return input_read_; }
  bool closed_by_server() const { return closed_by_server_; }  // not only destroyed
  bool reset() const { return reset_; }
  std::size_t pending_waits() const { return (read_waiter_ ? 1 : 0) + (write_waiter_ ? 1 : 0); }
  // What a real socket would have punished: empty when the connection used it well.
  const std::vector<std::string>& misuse() const { return misuse_; }
  // For a test that failed with the connection alive: its waits own it, it owns them.
  void drop_waiters() {
    Handler read = std::exchange(read_waiter_, nullptr);
    Handler write = std::exchange(write_waiter_, nullptr);
  }

  // --- the server's socket (MemoryStream forwards here) ----------------------------------------
  template <class WaitHandler>
  void async_wait(asio::socket_base::wait_type type, WaitHandler&& handler) {
    if (closed_)
      return complete(Handler(std::forward<WaitHandler>(handler)), asio::error::bad_descriptor);
    Handler& waiter = type == asio::socket_base::wait_read ? read_waiter_ : write_waiter_;
    if (waiter) misuse_.push_back("a second wait of the same kind");
    waiter = std::forward<WaitHandler>(handler);
    wake();
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    if (!usable("read_some", ec)) return 0;
    if (shut_read_) return fail(ec, asio::error::eof);
    if (every(faults_.read_would_block_every, ++reads_)) return fail(ec, asio::error::would_block);
    if (reset_) return fail(ec, asio::error::connection_reset);
    std::size_t end = input_end();
    if (input_read_ == end) {
      if (faults_.reset_at_read == end) {
        set_reset();
        return fail(ec, asio::error::connection_reset);
      }
      if (faults_.eof_at_read == end || fin_) return fail(ec, asio::error::eof);
      return fail(ec, asio::error::would_block);
    }
    std::size_t n = limit(end - input_read_, faults_.read_chunk);
    n = asio::buffer_copy(buffers, asio::buffer(input_.data() + input_read_, n));
    input_read_ += n;
    ec = {};
    return n;
  }

  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    if (!usable("write_some", ec)) return 0;
    if (shut_write_) return fail(ec, asio::error::broken_pipe);
    if (reset_) return fail(ec, asio::error::connection_reset);
    if (stalled() || write_blocked_ || every(faults_.write_would_block_every, ++writes_)) {
      block_writes();
      return fail(ec, asio::error::would_block);
    }
    std::size_t n = limit(asio::buffer_size(buffers), faults_.write_chunk);
    if (faults_.stall_at_write) n = std::min(n, *faults_.stall_at_write - output_.size());
    if (faults_.reset_at_write) {
      std::size_t room =
          *faults_.reset_at_write - std::min(*faults_.reset_at_write, output_.size());
      if (room == 0) {
        set_reset();
        return fail(ec, asio::error::connection_reset);
      }
      n = std::min(n, room);
    }
    std::size_t old = output_.size();
    output_.resize(old + n);
    asio::buffer_copy(asio::buffer(output_.data() + old, n), buffers, n);
    ec = {};
    if (on_output) on_output();
    return n;
  }

  void shutdown(asio::socket_base::shutdown_type type, error_code& ec) {
    if (!usable("shutdown", ec, false)) return;
    if (type != asio::socket_base::shutdown_send) shut_read_ = true;
    if (type != asio::socket_base::shutdown_receive) shut_write_ = true;
    wake();
  }
  void close(bool by_server) {
    closed_by_server_ |= by_server;
    if (closed_) return;
    closed_ = true;
    if (read_waiter_)
      complete(std::exchange(read_waiter_, nullptr), asio::error::operation_aborted);
    if (write_waiter_)
      complete(std::exchange(write_waiter_, nullptr), asio::error::operation_aborted);
  }
  void non_blocking(bool mode) { non_blocking_ = mode; }
  const asio::any_io_executor& executor() const { return executor_; }

 private:
  static bool every(std::size_t n, std::size_t call) { return n >= 2 && (call - 1) % n == 0; }
  static std::size_t limit(std::size_t n, std::size_t most) { return most ? std::min(n, most) : n; }
  static std::size_t fail(error_code& ec, error_code error) {
    ec = error;
    return 0;
  }
  bool usable(const char* what, error_code& ec, bool needs_non_blocking = true) {
    if (closed_) {
      misuse_.push_back(std::string(what) + " after close");
      ec = asio::error::bad_descriptor;
      return false;
    }
    if (needs_non_blocking && !non_blocking_) {
      misuse_.push_back(std::string(what) + " on a blocking socket");
    }
    return true;
  }
  // The input the server may read: the peer's bytes up to its FIN or RST, if it sends one.
  std::size_t input_end() const {
    std::size_t end = input_.size();
    if (faults_.reset_at_read) end = std::min(end, *faults_.reset_at_read);
    if (faults_.eof_at_read) end = std::min(end, *faults_.eof_at_read);
    return end;
  }
  bool readable() const {
    std::size_t end = input_end();
    return reset_ || shut_read_ || input_read_ < end || fin_ || faults_.reset_at_read == end ||
           faults_.eof_at_read == end;
  }
  bool writable() const { return reset_ || shut_write_ || (!write_blocked_ && !stalled()); }
  bool stalled() const {
    return faults_.stall_at_write && output_.size() >= *faults_.stall_at_write;
  }
  void set_reset() {
    reset_ = true;
    wake();
  }
  // The peer reads what is in flight: writable again next turn (unless it stalled).
  void block_writes() {
    if (write_blocked_ || stalled()) return;
    write_blocked_ = true;
    asio::post(executor_, [self = shared_from_this()] {
      self->write_blocked_ = false;
      self->wake();
    });
  }
  void wake() {
    if (read_waiter_ && readable()) complete(std::exchange(read_waiter_, nullptr), {});
    if (write_waiter_ && writable()) complete(std::exchange(write_waiter_, nullptr), {});
  }
  void complete(Handler handler, error_code ec) {
    asio::post(executor_, [handler = std::move(handler), ec] { handler(ec); });
  }

  asio::any_io_executor executor_;
  StreamFaults faults_;
  std::string input_;
  std::size_t input_read_ = 0;
  std::string output_;
  std::size_t reads_ = 0;
  std::size_t writes_ = 0;
  Handler read_waiter_;
  Handler write_waiter_;
  std::vector<std::string> misuse_;
  bool fin_ = false;
  bool reset_ = false;
  bool write_blocked_ = false;
  bool shut_read_ = false;
  bool shut_write_ = false;
  bool closed_ = false;
  bool closed_by_server_ = false;
  bool non_blocking_ = false;
};

// The server's end, owned by the connection; all state lives in the shared MemoryPeer.
class MemoryStream {
 public:
  using executor_type = asio::any_io_executor;

  explicit MemoryStream(std::shared_ptr<MemoryPeer> peer) : peer_(std::move(peer)) {}
  MemoryStream(MemoryStream&&) noexcept = default;
  MemoryStream& operator=(MemoryStream&&) noexcept = default;
  ~MemoryStream() {
    if (peer_) peer_->close(false);  // as a socket's destructor does
  }

  executor_type get_executor() const { return peer_->executor(); }
  template <class Handler>
  void async_wait(asio::socket_base::wait_type type, Handler&& handler) {
    peer_->async_wait(type, std::forward<Handler>(handler));
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    return peer_->read_some(buffers, ec);
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    return peer_->write_some(buffers, ec);
  }
  void shutdown(asio::socket_base::shutdown_type type, error_code& ec) {
    peer_->shutdown(type, ec);
  }
  void close(error_code& ec) {
    peer_->close(true);
    ec = {};
  }
  void non_blocking(bool mode, error_code& ec) {
    peer_->non_blocking(mode);
    ec = {};
  }
  template <class Option>
  void set_option(const Option&, error_code& ec) {
    ec = {};
  }

 private:
  std::shared_ptr<MemoryPeer> peer_;
};

}  // namespace neo::test
