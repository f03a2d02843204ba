// neo-events command line: serve, checkconfig, genconfig, gentoken, publish, events (spec §2),
// demo (scripts/dev.sh).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "auth/token.h"
#include "cli/demo_command.h"
#include "cli/event_builder.h"
#include "cli/logging.h"
#include "config/loader.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "node/config_check.h"
#include "node/node.h"
#include "node/reload.h"

namespace {

using neo::config::Config;
constexpr const char* kDefaultConfig = "neo-events.yaml";

Config load_or_exit(const std::string& path) {
  try {
    return neo::config::load_from_file(path, neo::config::process_environment());
  } catch (const neo::config::ConfigError& error) {
    std::cerr << "config " << path << " has problems:\n";
    for (const auto& problem : error.problems) std::cerr << "  " << problem << "\n";
    std::exit(1);
  }
}

std::string describe_origins(const Config& config) {
  if (config.http.allowed_origins == std::vector<std::string>{"*"})
    return "[\"*\"]: any browser origin (development only)";
  std::string out;
  for (const auto& origin : config.http.allowed_origins) out += (out.empty() ? "" : ", ") + origin;
  return "[" + out + "]";
}

void print_development_banner(const Config& config, std::uint16_t port) {
  std::string token = neo::auth::sign_connection_token(config.client.token, "demo", "1",
                                                       {"tenant_admin"}, 24 * 3600);
  std::cout
      << "neo-events development setup (no " << kDefaultConfig << " found):\n"
      << "  memory engine; allowed_origins " << describe_origins(config) << "\n"
      << "  WebSocket:   ws://127.0.0.1:" << port << "/connection/websocket\n"
      << "  Server API:  http://127.0.0.1:" << port << "/api   (X-API-Key below)\n"
      << "  API key:     " << config.api.key << "\n"
      << "  HMAC secret: " << config.client.token.hmac_secret << "\n"
      << "  Example token (user demo, tenant 1, role tenant_admin, valid 24h):\n    " << token
      << "\n  Try it in a browser console with centrifuge-js:\n"
      << "    const c = new Centrifuge('ws://127.0.0.1:" << port
      << "/connection/websocket', {token: '<token above>'});\n"
      << "    const s = c.newSubscription('tenant:1:deployments');\n"
      << "    s.on('publication', ctx => console.log(ctx.data)); s.subscribe(); c.connect();\n"
      << "  Publish a catalogue event (docs/events.md): curl -s -H 'X-API-Key: " << config.api.key
      << "' -d '{\"channel\":\"tenant:1:deployments\",\"data\":{\"type\":\"deployment_update\","
         "\"deploymentId\":\"d1\",\"status\":\"running\",\"progress\":40,"
         "\"timestamp\":\"2026-12-05T10:00:00Z\"}}' "
      << "http://127.0.0.1:" << port << "/api/publish\n"
      << std::flush;
}

// Every problem, in the one format checkconfig and serve share (so a test can compare them).
int report_problems(const std::string& source, const std::vector<std::string>& problems) {
  std::cerr << "config " << source << " has problems:\n";
  for (const auto& problem : problems) std::cerr << "  " << problem << "\n";
  return 1;
}

// The development setup, or the file; checked as checkconfig checks it (node/config_check.h).
std::optional<Config> checked_config(const std::string& path, bool development, std::string& source,
                                     std::vector<std::string>& problems) {
  auto env = neo::config::process_environment();
  if (!development) {
    source = path.empty() ? kDefaultConfig : path;
    auto loaded = neo::node::load_checked(source, env);
    problems = std::move(loaded.problems);
    if (!problems.empty()) return std::nullopt;
    return std::move(loaded.config);
  }
  source = "(development setup)";
  try {
    Config config =
        neo::config::development_config(neo::random_secret(), neo::random_secret(), env);
    problems = neo::node::check_config(config);
    if (problems.empty()) return config;
  } catch (const neo::config::ConfigError& error) {
    problems = error.problems;
  }
  return std::nullopt;
}

int serve(const std::string& path) {
  bool development = path.empty() && !std::filesystem::exists(kDefaultConfig);
  std::string source;
  std::vector<std::string> problems;
  auto config = checked_config(path, development, source, problems);
  if (!config) return report_problems(source, problems);
  neo::cli::setup_logging(config->log);
  try {
    neo::node::Node node(*config);
    if (!development) node.set_config_file(source, neo::config::process_environment());
    auto endpoint = node.start();
    if (development) print_development_banner(*config, endpoint.port());
    node.run_until_signal();
  } catch (const std::exception& error) {
    spdlog::critical("cannot start: {}", error.what());
    return 1;
  }
  return 0;
}

// The config's catalogue (its catalogue_file, else the built-in one), or exit 1 saying why.
std::shared_ptr<const neo::catalogue::Catalogue> catalogue_or_exit(const Config& config) {
  try {
    return neo::catalogue::Catalogue::load(config.catalogue_file);
  } catch (const neo::catalogue::CatalogueError& error) {
    std::cerr << "catalogue_file: " << error.what() << "\n";
    std::exit(1);
  }
}

int checkconfig(const std::string& path) {
  auto loaded = neo::node::load_checked(path, neo::config::process_environment());
  if (!loaded.problems.empty()) return report_problems(path, loaded.problems);
  std::cout << path << ": ok\n";
  return 0;
}

// Checks the file as the server will (refusing to signal when it would refuse it), then sends
// SIGHUP to the pid in its node.pid_file. The server logs the outcome.
int reload(const std::string& path) {
  auto loaded = neo::node::load_checked(path, neo::config::process_environment());
  if (!loaded.problems.empty()) return report_problems(path, loaded.problems);
  const std::string& pid_file = loaded.config.node.pid_file;
  if (pid_file.empty()) {
    std::cerr << "node.pid_file is not set in " << path
              << ": reload finds the server through it (or send the server SIGHUP yourself)\n";
    return 1;
  }
  std::string error;
  auto pid = neo::node::read_pid(pid_file, error);
  if (!pid) {
    std::cerr << "node.pid_file: " << error << " (is the server running?)\n";
    return 1;
  }
  if (::kill(static_cast<pid_t>(*pid), SIGHUP) != 0) {
    std::cerr << "cannot signal pid " << *pid << " from " << pid_file << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }
  std::cout << "sent SIGHUP to pid " << *pid
            << ": the server logs \"config reloaded\" or every problem it refused\n";
  return 0;
}

int list_events(const std::string& path) {
  // Not a conditional expression: g++ 12 -O3 then reports the defaulted Config's strings as
  // maybe-uninitialized (a false positive) and the release build stops.
  Config config;
  if (!path.empty()) config = load_or_exit(path);
  std::cout << neo::cli::describe_catalogue(*catalogue_or_exit(config));
  return 0;
}

int genconfig(const std::string& path) {
  std::string yaml = neo::config::generate_config_yaml(neo::random_secret(), neo::random_secret());
  if (path == "-") {
    std::cout << yaml;
    return 0;
  }
  if (std::filesystem::exists(path)) {
    std::cerr << path << " exists; not overwriting it\n";
    return 1;
  }
  std::ofstream(path) << yaml;
  std::cout << "wrote " << path << "\n";
  return 0;
}

int gentoken(const std::string& path, const std::string& user, const std::string& tenant,
             const std::vector<std::string>& roles, const std::string& ttl) {
  Config config = load_or_exit(path);
  if (config.client.token.hmac_secret.empty()) {
    std::cerr << "client.token.hmac_secret is not set: gentoken signs with HMAC only\n";
    return 1;
  }
  auto duration = neo::config::parse_duration(ttl);
  if (!duration) {
    std::cerr << "--ttl: expected a duration like 1h, got \"" << ttl << "\"\n";
    return 1;
  }
  if (!neo::auth::valid_identity_value(user) ||
      (!tenant.empty() && !neo::auth::valid_identity_value(tenant))) {
    std::cerr << "--user/--tenant must not contain ':', '*', '{', '}', '#' or whitespace\n";
    return 1;
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*duration).count();
  std::cout << neo::auth::sign_connection_token(config.client.token, user, tenant, roles, seconds)
            << "\n";
  return 0;
}

int publish(const Config& config, const std::string& channel, const std::string& data) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  auto colon = config.http.listen.rfind(':');
  std::string host = config.http.listen.substr(0, colon);
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "[::]") host = "::1";
  std::string port = config.http.listen.substr(colon + 1);
  std::string body;
  neo::JsonWriter w(body);
  w.begin_object().field("channel", channel).field_raw("data", data).end_object();
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    boost::asio::ip::tcp::resolver resolver(io);
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> request{http::verb::post, "/api/publish", 11};
    request.set(http::field::host, host);
    request.set(http::field::content_type, "application/json");
    request.set("X-API-Key", config.api.key);
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    std::cout << response.body() << "\n";
    bool failed = response.result() != http::status::ok ||
                  response.body().find("\"error\"") != std::string::npos;
    return failed ? 1 : 0;
  } catch (const std::exception& error) {
    std::cerr << "cannot reach the server at " << host << ":" << port << ": " << error.what()
              << "\n";
    return 1;
  }
}

// `publish --channel C --data JSON`, or `publish --event TYPE [--tenant|--user|--channel]
// --field name=value...` (built, validated and routed by the catalogue).
int publish_command(const std::string& path, const neo::cli::EventRequest& event,
                    const std::string& data) {
  if (event.type.empty() == data.empty() || (event.type.empty() && event.channel.empty())) {
    std::cerr << "publish: give --channel with --data, or --event with its --field values\n";
    return 1;
  }
  Config config = load_or_exit(path);
  if (event.type.empty()) return publish(config, event.channel, data);
  std::string error;
  auto built = neo::cli::build_event(*catalogue_or_exit(config), event, error);
  if (!built) {
    std::cerr << error << "\n";
    return 1;
  }
  std::cerr << "publishing to " << built->channel << ": " << built->data << "\n";
  return publish(config, built->channel, built->data);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"neo-events: the real-time event service of NEO_STACK (Centrifugo-compatible)"};
  app.set_version_flag("--version", std::string("neo-events ") + NEO_EVENTS_VERSION);
  app.require_subcommand(1);

  std::string config_path, user, tenant, ttl = "1h", data, out_path = kDefaultConfig;
  std::vector<std::string> roles;

  auto* serve_cmd = app.add_subcommand("serve", "run the server");
  serve_cmd->add_option("-c,--config", config_path, "config file (YAML or JSON)");
  auto* check_cmd = app.add_subcommand("checkconfig", "validate a config file");
  check_cmd->add_option("-c,--config", config_path, "config file")->required();
  auto* reload_cmd =
      app.add_subcommand("reload", "check a config file, then make the running server reload it");
  reload_cmd->add_option("-c,--config", config_path, "config file (its node.pid_file)")->required();
  auto* gen_cmd = app.add_subcommand("genconfig", "write a commented config with fresh secrets");
  gen_cmd->add_option("file", out_path, "where to write it ('-' for stdout)");
  auto* token_cmd = app.add_subcommand("gentoken", "print a connection JWT");
  token_cmd->add_option("-c,--config", config_path, "config file")->required();
  token_cmd->add_option("--user", user, "user id (sub)")->required();
  token_cmd->add_option("--tenant", tenant, "tenant id");
  token_cmd->add_option("--role", roles, "role (repeatable)");
  token_cmd->add_option("--ttl", ttl, "lifetime, e.g. 1h");
  neo::cli::EventRequest event;
  auto* publish_cmd = app.add_subcommand("publish", "publish through a running server's API");
  publish_cmd->add_option("-c,--config", config_path, "config file")->required();
  publish_cmd->add_option("--channel", event.channel, "channel (derived from --event if omitted)");
  publish_cmd->add_option("--data", data, "JSON data");
  publish_cmd->add_option("--event", event.type, "a catalogue event type (see `events`)");
  publish_cmd->add_option("--tenant", event.tenant, "tenant for the event's channel");
  publish_cmd->add_option("--user", event.user, "user for the event's channel");
  publish_cmd->add_option("--field", event.fields, "name=value of the event (repeatable)");
  neo::cli::DemoArgs demo;
  auto* demo_cmd = app.add_subcommand(
      "demo", "development setup + the built portals, demo login and simulated services");
  demo_cmd->add_option("--web", demo.web, "the built portals (default web/dist)");
  demo_cmd->add_option("--services", demo.services,
                       "the simulated services' script (default examples/services/run.mjs)");
  auto* events_cmd = app.add_subcommand("events", "list the event catalogue");
  events_cmd->add_option("-c,--config", config_path, "config file (for its catalogue_file)");

  CLI11_PARSE(app, argc, argv);
  if (*serve_cmd) return serve(config_path);
  if (*check_cmd) return checkconfig(config_path);
  if (*reload_cmd) return reload(config_path);
  if (*gen_cmd) return genconfig(out_path);
  if (*token_cmd) return gentoken(config_path, user, tenant, roles, ttl);
  if (*publish_cmd) return publish_command(config_path, event, data);
  if (*events_cmd) return list_events(config_path);
  if (*demo_cmd) return neo::cli::run_demo(demo);
  return 1;
}
