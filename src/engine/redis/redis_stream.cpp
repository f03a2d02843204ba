#include "engine/redis/redis_stream.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

namespace neo::engine::redis {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

bool is_ip(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// "certificate verify failed (unable to get local issuer certificate)": OpenSSL's reason
// alone does not say which check failed.
std::string handshake_error(const boost::system::error_code& ec, SSL* ssl) {
  std::string why = "TLS handshake failed: " + ec.message();
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  return why;
}

}  // namespace

RedisStream::RedisStream(asio::io_context& io, std::shared_ptr<ssl::context> tls,
                         std::string server_name)
    : resolver_(io), socket_(io), context_(std::move(tls)), server_name_(std::move(server_name)) {}

void RedisStream::connect(const Address& address, Done done) {
  if (server_name_.empty()) server_name_ = address.host;
  resolver_.async_resolve(
      address.host, std::to_string(address.port),
      [this, done = std::move(done)](boost::system::error_code ec,
                                     tcp::resolver::results_type endpoints) mutable {
        if (ec == asio::error::operation_aborted) return;
        if (ec) return done("cannot resolve: " + ec.message());
        asio::async_connect(socket_, endpoints,
                            [this, done = std::move(done)](boost::system::error_code ec,
                                                           const tcp::endpoint&) mutable {
                              if (ec == asio::error::operation_aborted) return;
                              if (ec) return done(ec.message());
                              socket_.set_option(tcp::no_delay(true), ec);
                              if (!context_) return done("");
                              handshake(std::move(done));
                            });
      });
}

void RedisStream::handshake(Done done) {
  tls_ = std::make_unique<ssl::stream<tcp::socket&>>(socket_, *context_);
  SSL* ssl = tls_->native_handle();
  // SNI carries a name, never an address (RFC 6066).
  if (!is_ip(server_name_)) SSL_set_tlsext_host_name(ssl, server_name_.c_str());
  if (SSL_CTX_get_verify_mode(context_->native_handle()) != SSL_VERIFY_NONE)
    tls_->set_verify_callback(ssl::host_name_verification(server_name_));
  tls_->async_handshake(ssl::stream_base::client,
                        [this, done = std::move(done)](boost::system::error_code ec) mutable {
                          if (ec == asio::error::operation_aborted) return;
                          if (ec) return done(handshake_error(ec, tls_->native_handle()));
                          done("");
                        });
}

void RedisStream::read_some(asio::mutable_buffer buffer, Transferred done) {
  if (tls_) return tls_->async_read_some(buffer, std::move(done));
  socket_.async_read_some(buffer, std::move(done));
}

void RedisStream::write(asio::const_buffer buffer, Transferred done) {
  if (tls_) return asio::async_write(*tls_, buffer, std::move(done));
  asio::async_write(socket_, buffer, std::move(done));
}

void RedisStream::close() {
  resolver_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);  // no TLS close_notify: the peer may be the stalled one
}

}  // namespace neo::engine::redis
