#include "tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <stdexcept>

namespace bench {
namespace {

std::string last_error() {
  char text[256];
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  return text;
}

// Maps SSL_read/SSL_write's outcome to recv/send's: a TLS record may need the other direction
// (a key update), which the caller's level-triggered epoll sees as "would block" then retries.
ssize_t as_syscall(SSL* tls, int result) {
  if (result > 0) return result;
  switch (SSL_get_error(tls, result)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_SYSCALL:
      if (errno == 0) errno = ECONNRESET;
      return -1;
    default:
      ERR_clear_error();
      errno = EPROTO;
      return -1;
  }
}

}  // namespace

TlsClient::TlsClient() : context_(SSL_CTX_new(TLS_client_method())) {
  if (!context_) throw std::runtime_error("SSL_CTX_new: " + last_error());
  SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
  SSL_CTX_set_verify(context_, SSL_VERIFY_NONE, nullptr);
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(context_, kAlpn, sizeof kAlpn - 1);
  // conn.out shrinks from the front between retries: the buffer moves.
  SSL_CTX_set_mode(context_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                 SSL_MODE_RELEASE_BUFFERS);
}

TlsClient::~TlsClient() { SSL_CTX_free(context_); }

ssl_st* TlsClient::attach(int fd) const {
  SSL* tls = SSL_new(context_);
  if (tls && SSL_set_fd(tls, fd) == 1) {
    SSL_set_connect_state(tls);
    return tls;
  }
  SSL_free(tls);
  return nullptr;
}

void TlsClient::release(ssl_st*& tls) {
  SSL_free(tls);  // no close_notify: the socket is reset right after, as for plain runs
  tls = nullptr;
}

TlsClient::Step TlsClient::handshake(ssl_st* tls, std::string& error) {
  int result = SSL_do_handshake(tls);
  if (result == 1) return Step::kDone;
  switch (SSL_get_error(tls, result)) {
    case SSL_ERROR_WANT_READ:
      return Step::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Step::kWantWrite;
    default:
      error = "TLS handshake failed: " + last_error();
      ERR_clear_error();
      return Step::kFailed;
  }
}

ssize_t TlsClient::read(ssl_st* tls, char* data, size_t size) {
  int chunk = size > 1 << 30 ? 1 << 30 : static_cast<int>(size);
  return as_syscall(tls, SSL_read(tls, data, chunk));
}

ssize_t TlsClient::write(ssl_st* tls, const char* data, size_t size) {
  int chunk = size > 1 << 30 ? 1 << 30 : static_cast<int>(size);
  return as_syscall(tls, SSL_write(tls, data, chunk));
}

size_t TlsClient::pending(ssl_st* tls) { return static_cast<size_t>(SSL_pending(tls)); }

}  // namespace bench
