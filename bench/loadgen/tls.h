// TLS for the subscribers (--tls), with OpenSSL: one client context per subscriber thread and
// one SSL per connection, driven over the thread's non-blocking sockets and epoll.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

struct ssl_st;
struct ssl_ctx_st;

namespace bench {

class TlsClient {
 public:
  TlsClient();  // TLS 1.2+, ALPN http/1.1, no certificate verification (throwaway bench cert)
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  ssl_st* attach(int fd) const;  // a client session on a connected socket; nullptr on failure
  static void release(ssl_st*& tls);

  enum class Step { kDone, kWantRead, kWantWrite, kFailed };
  static Step handshake(ssl_st* tls, std::string& error);
  // As recv/send: > 0 bytes, 0 closed by the peer, -1 with errno (EAGAIN when it would block).
  static ssize_t read(ssl_st* tls, char* data, size_t size);
  static ssize_t write(ssl_st* tls, const char* data, size_t size);
  static size_t pending(ssl_st* tls);

 private:
  ssl_ctx_st* context_ = nullptr;
};

}  // namespace bench
