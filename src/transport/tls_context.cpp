#include "transport/tls_context.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>

#include "core/tls_files.h"

namespace neo::transport {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 list without DHE: forward secrecy and AEAD only. TLS 1.3
// suites are OpenSSL's defaults (all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// We speak HTTP/1.1 only: a client offering h2 alone goes on without ALPN (and then speaks
// HTTP/1.1, as browsers do), rather than failing the handshake.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11, offered,
                            offered_length) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

void configure(ssl::context& context) {
  SSL_CTX* ctx = context.native_handle();
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_cipher_list(ctx, kTls12Ciphers);
  // Non-blocking writes: a write that would block is retried later from wherever the
  // connection's buffers then are (same bytes), and completed records count as written.
  // Idle connections give their read and write buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
}

}  // namespace

std::shared_ptr<TlsContext> make_tls_context(const config::TlsOptions& options,
                                             std::vector<std::string>& problems) {
  auto context = std::make_shared<TlsContext>(ssl::context::tls_server);
  configure(*context);
  const std::size_t before = problems.size();
  tls_files::load_key_pair(*context, "http.tls", options.cert_file, options.key_file, problems);
  ERR_clear_error();  // nothing of this may show up in a later, unrelated SSL_get_error
  return problems.size() == before ? context : nullptr;
}

std::string certificate_fingerprint(const TlsContext& context) {
  X509* cert = SSL_CTX_get0_certificate(const_cast<TlsContext&>(context).native_handle());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), digest, &length) != 1) return "";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    char byte[3];
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

}  // namespace neo::transport
