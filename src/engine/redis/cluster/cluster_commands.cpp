#include "engine/redis/cluster/cluster_commands.h"

#include <stdexcept>

#include "engine/redis/cluster/slot_map.h"

namespace neo::engine::redis::cluster {

ClusterCommands::ClusterCommands(boost::asio::io_context& io, std::vector<Address> seeds,
                                 ClientOptions options, Hooks hooks)
    : io_(io),
      seeds_(std::move(seeds)),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      router_(io, SlotRouter::Hooks{[this]() -> RedisClient* {
                                      for (auto& c : clients_)
                                        if (c->connected()) return c.get();
                                      return nullptr;
                                    },
                                    [this] { on_map_changed(); }}) {
  if (seeds_.empty()) throw std::invalid_argument("a Redis Cluster needs at least one seed");
  for (const auto& seed : seeds_) client_at(seed);
}

ClusterCommands::~ClusterCommands() { stop(); }

void ClusterCommands::start() {
  started_ = true;
  router_.start();
  for (auto& c : clients_) c->start();
}

void ClusterCommands::stop() {
  if (!started_) return;
  started_ = false;
  router_.stop();
  for (auto& c : clients_) c->stop();
}

bool ClusterCommands::all_masters_up() const {
  if (!router_.known()) return false;
  for (const auto& m : router_.map().masters()) {
    bool up = false;
    for (const auto& c : clients_) up = up || (same_node(c->address(), m) && c->connected());
    if (!up) return false;
  }
  return true;
}

// Every master gets its connection, so that all_masters_up says what the next command meets;
// a map that finds them all up already is a connect too (the seed was the only master).
void ClusterCommands::on_map_changed() {
  for (const auto& m : router_.map().masters()) client_at(m);
  if (all_masters_up() && hooks_.on_connect) hooks_.on_connect();
}

// Nodes found in the map or a redirect take the first seed's credentials, db and TLS.
RedisClient& ClusterCommands::client_at(const Address& node) {
  for (auto& c : clients_)
    if (same_node(c->address(), node)) return *c;
  clients_.push_back(std::make_unique<RedisClient>(
      io_, with_access(node, seeds_.front()),
      RedisClient::Hooks{[this] {
                           router_.refresh();
                           if (hooks_.on_connect) hooks_.on_connect();
                         },
                         [this](std::string why) {
                           router_.refresh();  // a failover may be under way
                           if (hooks_.on_disconnect) hooks_.on_disconnect(std::move(why));
                         },
                         {}},
      options_));
  if (started_) clients_.back()->start();
  return *clients_.back();
}

RedisClient& ClusterCommands::client_for_key(std::string_view key) {
  const Address* master = router_.master_of_key(key);
  return master ? client_at(*master) : *clients_.front();
}

void ClusterCommands::command(std::string_view key, std::vector<std::string> args,
                              ReplyHandler handler) {
  send(client_for_key(key), std::move(args), std::move(handler), 0);
}

void ClusterCommands::send(RedisClient& to, std::vector<std::string> args, ReplyHandler handler,
                           int hops) {
  std::vector<std::string_view> argv(args.begin(), args.end());
  // Moving the vector keeps its strings where they are, so `argv` stays valid.
  to.command(argv, [this, &to, args = std::move(args), handler = std::move(handler),
                    hops](redisReply* r) mutable {
    auto redirect = hops < kMaxRedirects ? redirect_in(r, to.address().host) : std::nullopt;
    if (!redirect) return handler(r);
    follow(*redirect, std::move(args), std::move(handler), hops + 1);
  });
}

// MOVED: the slot has a new master for good; ASK: this key only, while its slot migrates.
void ClusterCommands::follow(const Redirect& redirect, std::vector<std::string> args,
                             ReplyHandler handler, int hops) {
  const Address& to = redirect.to;
  RedisClient& target = client_at(to);
  if (redirect.kind == Redirect::Kind::moved)
    router_.moved(redirect.slot, to);
  else
    target.command({"ASKING"}, [](redisReply*) {});
  send(target, std::move(args), std::move(handler), hops);
}

}  // namespace neo::engine::redis::cluster
