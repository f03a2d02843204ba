// Listener: accepts TCP connections and spreads them round-robin over the I/O threads; each
// connection then lives on its thread for good.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <vector>

#include "transport/http_session.h"

namespace neo::transport {

class Listener {
 public:
  // `contexts[i]` is I/O thread i; the acceptor itself runs on contexts[0].
  Listener(std::vector<boost::asio::io_context*> contexts, const HttpLimits& limits,
           Endpoints endpoints);
  // Throws boost::system::system_error when the address cannot be bound.
  boost::asio::ip::tcp::endpoint listen(const std::string& host, std::uint16_t port);
  void stop();

 private:
  void accept();

  std::vector<boost::asio::io_context*> contexts_;
  const HttpLimits& limits_;
  Endpoints endpoints_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t next_ = 0;
};

}  // namespace neo::transport
