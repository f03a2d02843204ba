#include "node/config_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "auth/token.h"
#include "catalogue/catalogue.h"
#include "engine/redis/address.h"
#include "engine/redis/client_options.h"
#include "transport/listener.h"
#include "transport/tls_context.h"

namespace neo::node {
namespace {

void check_listen(const config::Config& config, std::vector<std::string>& problems) {
  std::string error;
  if (!transport::Listener::resolve(config.http.listen, error))
    problems.push_back("http.listen: " + error);
}

void check_tls(const config::Config& config, std::vector<std::string>& problems) {
  const auto& tls = config.http.tls;
  if (tls.cert_file.empty() || tls.key_file.empty()) return;  // off, or the rules said so
  transport::make_tls_context(tls, problems);
}

// Each key type on its own, so that a bad RSA key does not hide a bad EC key.
void check_token_keys(const config::Config& config, std::vector<std::string>& problems) {
  const auto& token = config.client.token;
  for (auto key :
       {&config::TokenOptions::rsa_public_key, &config::TokenOptions::ecdsa_public_key}) {
    if ((token.*key).empty()) continue;
    config::TokenOptions alone;
    alone.*key = token.*key;
    try {
      auth::TokenVerifier verifier(alone);
    } catch (const std::exception& error) {
      problems.push_back(std::string("client.token.") + error.what());
    }
  }
}

// A file the server appends to or writes (fopen "a"/"w"): writable if it exists, else its
// directory exists and is writable. Nothing is created or touched.
void check_writable(const std::string& key, const std::string& path,
                    std::vector<std::string>& problems) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return problems.push_back(key + ": " + path + " is a directory");
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
      return problems.push_back(key + ": cannot write " + path + ": " + std::strerror(errno));
    ::close(fd);
    return;
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (::stat(parent.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    return problems.push_back(key + ": cannot create " + path + ": directory " + parent.string() +
                              " does not exist");
  if (::access(parent.c_str(), W_OK | X_OK) != 0)
    problems.push_back(key + ": cannot create " + path + ": " + std::strerror(errno));
}

void check_files(const config::Config& config, std::vector<std::string>& problems) {
  if (config.audit.enabled && !config.audit.file.empty())
    check_writable("audit.file", config.audit.file, problems);
  if (!config.node.pid_file.empty())
    check_writable("node.pid_file", config.node.pid_file, problems);
}

// Each address with the engine's own parser (its message masks any password), and the TLS
// files whenever an address or a file asks for TLS.
void check_redis_urls(std::string_view path, const std::vector<std::string>& urls,
                      std::vector<std::string>& problems) {
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto parsed = engine::redis::parse_address(urls[i]);
    if (!parsed)
      problems.push_back(std::string(path) + "[" + std::to_string(i) + "]: " + parsed.error);
  }
}

void check_redis(const config::Config& config, std::vector<std::string>& problems) {
  const auto& redis = config.engine.redis;
  check_redis_urls("engine.redis.addresses", redis.addresses, problems);
  check_redis_urls("engine.redis.cluster", redis.cluster, problems);
  check_redis_urls("engine.redis.sentinel.addresses", redis.sentinel.addresses, problems);
  if (engine::redis::wants_tls(redis)) engine::redis::make_tls_context(redis.tls, problems);
}

void check_catalogue(const config::Config& config, std::vector<std::string>& problems) {
  if (config.catalogue_file.empty()) return;
  try {
    catalogue::Catalogue::load(config.catalogue_file);
  } catch (const catalogue::CatalogueError& error) {
    problems.push_back(std::string("catalogue_file: ") + error.what());
  }
}

std::string_view key_of(std::string_view problem) { return problem.substr(0, problem.find(": ")); }

// Adds the environment's problems but those about a key the rules already refused.
void add_new(std::vector<std::string>& problems, std::vector<std::string> more) {
  const std::size_t rules = problems.size();
  for (auto& problem : more) {
    bool known = false;
    for (std::size_t i = 0; i < rules && !known; ++i)
      known = key_of(problems[i]) == key_of(problem);
    if (!known) problems.push_back(std::move(problem));
  }
}

}  // namespace

std::vector<std::string> check_environment(const config::Config& config) {
  std::vector<std::string> problems;
  using Check = void (*)(const config::Config&, std::vector<std::string>&);
  for (Check check :
       {check_listen, check_tls, check_token_keys, check_files, check_redis, check_catalogue})
    check(config, problems);
  return problems;
}

std::vector<std::string> check_config(const config::Config& config) {
  std::vector<std::string> problems = config::validate(config);
  add_new(problems, check_environment(config));
  return problems;
}

config::Loaded load_checked(const std::string& path, const config::Environment& env) {
  config::Loaded loaded = config::load_with_problems(path, env);
  if (!loaded.decoded) return loaded;
  add_new(loaded.problems, check_environment(loaded.config));
  return loaded;
}

}  // namespace neo::node
