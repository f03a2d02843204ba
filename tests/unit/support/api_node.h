// The node's HTTP side as src/node/node.cpp wires it (memory engine, Policy, TokenVerifier,
// InterestMap, Dispatcher, one Shard on an io_context the test polls), minus the listener and
// the threads. Shared by the API unit tests and the API fuzz target.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "api/http_handler.h"
#include "engine/memory/memory_engine.h"
#include "session/dispatcher.h"

namespace neo::test {

struct ApiNode {
  explicit ApiNode(const config::Config& config, api::Routes routes = {})
      : policy(config),
        verifier(config.client.token),
        services{config, engine, policy, verifier, interest, {}, "node-id", "node", "0.0.0"},
        dispatcher(services),
        shard(0, io),
        http(services, routes) {
    services.shards.push_back(&shard);
    engine.start(dispatcher);
  }
  engine::MemoryEngine engine;
  auth::Policy policy;
  auth::TokenVerifier verifier;
  hub::InterestMap interest;
  session::Services services;
  session::Dispatcher dispatcher;
  boost::asio::io_context io{1};
  session::Shard shard;
  api::ApiHttpHandler http;
};

}  // namespace neo::test
