// One connection to Redis: TCP, or TLS over TCP for rediss://. Resolves, connects and does the
// TLS handshake (SNI, the peer's certificate and name verified as the context says); then
// reads and writes bytes. Knows nothing of RESP. Every handler runs on the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <functional>
#include <memory>
#include <string>

#include "engine/redis/address.h"

namespace neo::engine::redis {

class RedisStream {
 public:
  using Done = std::function<void(std::string error)>;  // "" = connected
  using Transferred = std::function<void(boost::system::error_code, std::size_t)>;

  // `tls` for a rediss:// address (nullptr: plain TCP); `server_name` empty = the host.
  RedisStream(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls,
              std::string server_name);

  void connect(const Address& address, Done done);
  void read_some(boost::asio::mutable_buffer buffer, Transferred done);
  void write(boost::asio::const_buffer buffer, Transferred done);  // all of it
  void close();

 private:
  void handshake(Done done);

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  std::string server_name_;
};

}  // namespace neo::engine::redis
