#include "engine/redis/client_options.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

#include "core/tls_files.h"

namespace neo::engine::redis {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_tls_context(const config::RedisTlsOptions& tls,
                                               std::vector<std::string>& problems) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  const std::size_t before = problems.size();
  if (tls.insecure_skip_verify) {
    context->set_verify_mode(ssl::verify_none);
  } else {
    context->set_verify_mode(ssl::verify_peer);
    if (tls.ca_file.empty()) {
      boost::system::error_code ignored;  // no system store: every peer then fails to verify
      context->set_default_verify_paths(ignored);
    } else {
      tls_files::load_ca(*context, "engine.redis.tls.ca_file", tls.ca_file, problems);
    }
  }
  if (!tls.cert_file.empty() && !tls.key_file.empty())
    tls_files::load_key_pair(*context, "engine.redis.tls", tls.cert_file, tls.key_file, problems);
  ERR_clear_error();  // nothing of this may show up in a later, unrelated SSL_get_error
  return problems.size() == before ? context : nullptr;
}

bool wants_tls(const config::RedisOptions& options) {
  if (options.sentinel.master_tls) return true;
  for (const auto* list : {&options.addresses, &options.cluster, &options.sentinel.addresses})
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
