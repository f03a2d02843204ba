// Listener: accepts TCP connections and spreads them round-robin over the I/O threads; each
// connection then lives on its thread for good. When accept() fails for want of descriptors or
// memory, accepting pauses with a backoff (AcceptPacer) while the connections there are keep
// being served; new ones wait in the kernel's queue meanwhile.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "transport/accept_pacer.h"
#include "transport/http_session.h"
#include "transport/tls_context.h"

namespace neo::transport {

class Listener {
 public:
  // `contexts[i]` is I/O thread i; the acceptor itself runs on contexts[0].
  Listener(std::vector<boost::asio::io_context*> contexts, const HttpLimits& limits,
           Endpoints endpoints);
  // Throws boost::system::system_error when the address cannot be bound.
  boost::asio::ip::tcp::endpoint listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void stop();
  // https/wss from now on, with `context` for every new connection (nullptr: plain). Call on
  // contexts[0]; connections made earlier keep the context they were made with.
  void set_tls(std::shared_ptr<TlsContext> context) { tls_ = std::move(context); }

  // http.listen ("host:port", "[v6]:port") as an address to bind: a host that is not an IP
  // address is resolved (its first address). nullopt with `error` set when it cannot be.
  static std::optional<boost::asio::ip::tcp::endpoint> resolve(const std::string& listen,
                                                               std::string& error);
  // Safe to read from any thread.
  const AcceptStats& accept_stats() const { return pacer_.stats(); }

 private:
  void accept();
  void start_session(boost::asio::ip::tcp::socket socket, std::size_t thread);

  std::vector<boost::asio::io_context*> contexts_;
  const HttpLimits& limits_;
  Endpoints endpoints_;
  boost::asio::ip::tcp::acceptor acceptor_;
  AcceptPacer pacer_;
  std::shared_ptr<TlsContext> tls_;
  std::size_t next_ = 0;
};

}  // namespace neo::transport
