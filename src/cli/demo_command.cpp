#include "cli/demo_command.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/logging.h"
#include "config/loader.h"
#include "core/ids.h"
#include "demo/demo_http.h"
#include "demo/demo_users.h"
#include "demo/services_process.h"
#include "node/node.h"

namespace neo::cli {

namespace {

std::string local_url(const config::Config& config, std::uint16_t port) {
  auto host = config.http.listen.substr(0, config.http.listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return "http://" + host + ":" + std::to_string(port);
}

void print_banner(const config::Config& config, const std::string& url, bool portals) {
  std::cout << "neo-events demo (development setup, engine " << config.engine.type << "):\n"
            << "  Portals:     " << url << "/"
            << (portals ? "" : "   (not built: run scripts/setup.sh, or pass --web DIR)") << "\n"
            << "  WebSocket:   ws" << url.substr(4) << "/connection/websocket\n"
            << "  Server API:  " << url << "/api   (X-API-Key below)\n"
            << "  API key:     " << config.api.key << "\n"
            << "  Demo users (POST /demo/login {\"user\":\"<id>\"}):\n";
  for (const auto& user : demo::demo_users())
    std::cout << "    " << user.id << "  " << user.name << "\n";
  std::cout << std::flush;
}

std::unique_ptr<demo::ServicesProcess> start_services(const DemoArgs& args,
                                                      const config::Config& config,
                                                      const std::string& url) {
  std::string why;
  auto services = demo::ServicesProcess::start(args.services, url, config.api.key, why);
  if (services)
    spdlog::info("simulated services started: node {}", args.services);
  else
    spdlog::warn("simulated services not started: {}; the server runs without them", why);
  return services;
}

}  // namespace

int run_demo(const DemoArgs& args) {
  config::Config config;
  try {
    config =
        config::development_config(random_secret(), random_secret(), config::process_environment());
  } catch (const config::ConfigError& error) {
    std::cerr << "config problems:\n";
    for (const auto& problem : error.problems) std::cerr << "  " << problem << "\n";
    return 1;
  }
  demo::add_demo_roles(config);
  setup_logging(config.log);
  demo::StaticFiles files(args.web);
  if (!files.available())
    spdlog::warn("{} not found: the portals are not served (scripts/setup.sh builds them)",
                 args.web);
  bool portals = files.available();
  try {
    node::Node node(config, [&](transport::HttpHandler& api) {
      return std::make_unique<demo::DemoHttpHandler>(api, config, std::move(files));
    });
    auto url = local_url(config, node.start().port());
    print_banner(config, url, portals);
    auto services = start_services(args, config, url);
    node.run_until_signal();
    if (services) services->stop();
  } catch (const std::exception& error) {
    spdlog::critical("cannot start: {}", error.what());
    return 1;
  }
  return 0;
}

}  // namespace neo::cli
