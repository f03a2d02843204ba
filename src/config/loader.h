// Loading the options tree from YAML (or JSON) text, NEO_EVENTS_* environment overrides,
// and validation. Every problem names its key path, e.g. "client.ping_interval: bad duration".
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"

namespace neo::config {

struct ConfigError : std::runtime_error {
  explicit ConfigError(std::vector<std::string> problems);
  std::vector<std::string> problems;  // each "key.path: what is wrong"
};

using Environment = std::map<std::string, std::string>;

// The process environment's NEO_EVENTS_* variables.
Environment process_environment();

// Parses YAML text, applies `env` overrides, validates. Throws ConfigError listing every problem.
Config load_from_text(const std::string& yaml_text, const Environment& env = {});
Config load_from_file(const std::string& path, const Environment& env = {});

// load_from_file without throwing, for callers that add checks of their own (node/config_check.h)
// and want every problem at once: `decoded` is false when the file could not be read or parsed
// (that is then the only problem); otherwise `config` holds every value that loaded (defaults
// where one did not) and `problems` every bad value and broken rule.
struct Loaded {
  Config config;
  std::vector<std::string> problems;
  bool decoded = false;
};
Loaded load_with_problems(const std::string& path, const Environment& env = {});

// The validation rules alone (load_* runs them after decoding): every problem as
// "key.path: what is wrong", empty when `config` is valid. For configs built in code.
std::vector<std::string> validate(const Config& config);

// "25s", "1h", "500ms", "1m30s", "0" -> milliseconds; nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);

// The development setup: memory engine, 127.0.0.1:8000, allowed_origins ["*"], the NEO_STACK
// namespaces and roles of the spec, with the given fresh secrets; `env` overrides apply on top
// (e.g. NEO_EVENTS_HTTP_LISTEN). Throws ConfigError for a bad override.
Config development_config(const std::string& hmac_secret, const std::string& api_key,
                          const Environment& env = {});

// A commented YAML config with the given secrets and the NEO_STACK namespaces and roles
// (what `neo-events genconfig` writes). Loading it back gives a valid Config.
std::string generate_config_yaml(const std::string& hmac_secret, const std::string& api_key);

}  // namespace neo::config
