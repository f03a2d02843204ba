#include "transport/listener.h"

#include <boost/asio/post.hpp>

namespace neo::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

Listener::Listener(std::vector<asio::io_context*> contexts, const HttpLimits& limits,
                   Endpoints endpoints)
    : contexts_(std::move(contexts)),
      limits_(limits),
      endpoints_(endpoints),
      acceptor_(*contexts_.at(0)),
      pacer_(*contexts_.at(0)) {}

std::optional<tcp::endpoint> Listener::resolve(const std::string& listen, std::string& error) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    error = "expected host:port, got \"" + listen + "\"";
    return std::nullopt;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = 65536;
  }
  if (port > 65535) {
    error = "bad port in \"" + listen + "\"";
    return std::nullopt;
  }
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, static_cast<std::uint16_t>(port));
  asio::io_context io;
  auto found = tcp::resolver(io).resolve(host, "", ec);
  if (ec || found.empty()) {
    error = "cannot resolve host \"" + host + "\": " + (ec ? ec.message() : "no address");
    return std::nullopt;
  }
  return tcp::endpoint(found.begin()->endpoint().address(), static_cast<std::uint16_t>(port));
}

tcp::endpoint Listener::listen(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  accept();
  return acceptor_.local_endpoint();
}

void Listener::stop() {
  error_code ec;
  acceptor_.close(ec);
  pacer_.stop();
}

void Listener::accept() {
  std::size_t thread = next_++ % contexts_.size();
  acceptor_.async_accept(*contexts_[thread], [this, thread](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec)
      return pacer_.on_error(ec, [this] {
        if (acceptor_.is_open()) accept();
      });
    pacer_.on_success();
    start_session(std::move(socket), thread);
    accept();
  });
}

void Listener::start_session(tcp::socket socket, std::size_t thread) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  NetSocket stream = tls_ ? NetSocket(std::move(socket), *tls_) : NetSocket(std::move(socket));
  auto session = std::make_shared<HttpSession>(std::move(stream), limits_, endpoints_, thread);
  asio::post(*contexts_[thread], [session] { session->start(); });
}

}  // namespace neo::transport
