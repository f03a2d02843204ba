#include "engine/redis/client_options.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

#include "core/file.h"

namespace neo::engine::redis {
namespace {

namespace ssl = boost::asio::ssl;

// Encrypted keys are refused rather than OpenSSL asking for a password on the terminal.
int no_password(char*, int, int, void*) { return 0; }

// The file's bytes, or a problem naming the key.
bool read_pem(const char* key, const std::string& path, std::string& text,
              std::vector<std::string>& problems) {
  if (auto error = read_file(path, text)) {
    problems.push_back(std::string("engine.redis.tls.") + key + ": cannot read " + path + ": " +
                       *error);
    return false;
  }
  return true;
}

void load_ca(ssl::context& context, const std::string& path, std::vector<std::string>& problems) {
  std::string pem;
  if (!read_pem("ca_file", path, pem, problems)) return;
  boost::system::error_code ec;
  context.add_certificate_authority(boost::asio::buffer(pem), ec);
  if (ec) problems.push_back("engine.redis.tls.ca_file: no PEM certificate in " + path);
}

void load_client_certificate(ssl::context& context, const config::RedisTlsOptions& tls,
                             std::vector<std::string>& problems) {
  std::string cert, key;
  bool have_cert = read_pem("cert_file", tls.cert_file, cert, problems);
  bool have_key = read_pem("key_file", tls.key_file, key, problems);
  boost::system::error_code ec;
  if (have_key) context.use_private_key(boost::asio::buffer(key), ssl::context::pem, ec);
  if (have_key && ec) {
    problems.push_back("engine.redis.tls.key_file: no unencrypted PEM private key in " +
                       tls.key_file);
    have_key = false;
  }
  ec.clear();
  if (have_cert) context.use_certificate_chain(boost::asio::buffer(cert), ec);
  if (have_cert && ec) {
    problems.push_back("engine.redis.tls.cert_file: no PEM certificate in " + tls.cert_file);
    have_cert = false;
  }
  if (have_cert && have_key && SSL_CTX_check_private_key(context.native_handle()) != 1)
    problems.push_back("engine.redis.tls.key_file: the key in " + tls.key_file +
                       " does not match the certificate in " + tls.cert_file);
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const config::RedisTlsOptions& tls,
                                               std::vector<std::string>& problems) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_default_passwd_cb(context->native_handle(), no_password);
  const std::size_t before = problems.size();
  if (tls.insecure_skip_verify) {
    context->set_verify_mode(ssl::verify_none);
  } else {
    context->set_verify_mode(ssl::verify_peer);
    if (tls.ca_file.empty()) {
      boost::system::error_code ignored;  // no system store: every peer then fails to verify
      context->set_default_verify_paths(ignored);
    } else {
      load_ca(*context, tls.ca_file, problems);
    }
  }
  if (!tls.cert_file.empty() && !tls.key_file.empty())
    load_client_certificate(*context, tls, problems);
  ERR_clear_error();  // nothing of this may show up in a later, unrelated SSL_get_error
  return problems.size() == before ? context : nullptr;
}

bool wants_tls(const config::RedisOptions& options) {
  for (const auto* list : {&options.addresses, &options.cluster})
    for (const auto& url : *list)
      if (url.starts_with("rediss://")) return true;
  const auto& tls = options.tls;
  return !tls.ca_file.empty() || !tls.cert_file.empty() || !tls.key_file.empty();
}

ClientOptions client_options(const config::RedisOptions& options) {
  ClientOptions out;
  out.command_timeout = options.command_timeout;
  out.connect_timeout = options.connect_timeout;
  out.max_in_flight = options.max_in_flight;
  out.server_name = options.tls.server_name;
  if (wants_tls(options)) {
    std::vector<std::string> problems;
    out.tls = make_tls_context(options.tls, problems);
    if (!out.tls) {
      std::string all;
      for (const auto& problem : problems) all += (all.empty() ? "" : "; ") + problem;
      throw std::runtime_error(all);
    }
  }
  return out;
}

}  // namespace neo::engine::redis
