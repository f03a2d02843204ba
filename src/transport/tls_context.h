// The listener's TLS server context (http.tls): built from the certificate chain and key files,
// with TLS 1.2 as the minimum (1.3 is what OpenSSL picks whenever the client speaks it), ALPN
// "http/1.1", forward-secret AEAD ciphers only for TLS 1.2, no renegotiation. A certificate
// reload builds a new context for new connections; each connection's SSL object holds a
// reference to the context it was made from, so existing connections keep theirs.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace neo::transport {

using TlsContext = boost::asio::ssl::context;

// The context for `options`, or nullptr with every problem appended to `problems`, each as
// "http.tls.<key>: what is wrong" (e.g. a file that cannot be read, no PEM certificate, a key
// that does not match the certificate). The same function serves checkconfig, start and reload.
std::shared_ptr<TlsContext> make_tls_context(const config::TlsOptions& options,
                                             std::vector<std::string>& problems);

// SHA-256 of the leaf certificate (hex, lower case, no separators): logged at start and on
// reload so an operator can tell which certificate is being served.
std::string certificate_fingerprint(const TlsContext& context);

}  // namespace neo::transport
