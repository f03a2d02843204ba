#include "quota/redis_quota.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <stdexcept>

#include "quota/scripts.h"

namespace neo::quota {

namespace asio = boost::asio;
using engine::redis::RedisClient;

namespace {

void ignore_reply(redisReply*) {}

engine::redis::Address first_address(const config::RedisOptions& options) {
  if (options.sentinel.enabled())  // not started before the sentinels name the master
    return {"", 0, "(master \"" + options.sentinel.master_name + "\" not found yet)"};
  if (!options.cluster.empty()) return {"", 0, "redis cluster " + options.cluster.front()};
  std::string url = options.addresses.empty() ? "" : options.addresses.front();
  auto address = engine::redis::parse_address(url);
  if (!address) throw std::runtime_error("engine.redis.addresses: " + address.error);
  return *address;
}

std::vector<engine::redis::Address> cluster_seeds(const config::RedisOptions& options) {
  std::vector<engine::redis::Address> seeds;
  for (const auto& url : options.cluster) {
    auto address = engine::redis::parse_address(url);
    if (!address) throw std::runtime_error("engine.redis.cluster: " + address.error);
    seeds.push_back(*address);
  }
  return seeds;
}

// The key a quota command touches, which picks its slot on a Redis Cluster: EVAL's first key,
// else the first argument (SADD, HSET, HDEL, SREM, SMEMBERS, DEL).
std::string_view key_of(const std::vector<std::string>& args) {
  std::size_t at = args[0] == "EVAL" ? 3 : 1;
  return at < args.size() ? std::string_view(args[at]) : std::string_view();
}

engine::redis::sentinel::MasterWatcherOptions sentinel_options(
    const config::RedisOptions& options) {
  auto out = engine::redis::sentinel::MasterWatcherOptions::from(options);
  out.log_label = "tenant quotas (sentinel)";  // the engine's watcher logs the same events
  return out;
}

}  // namespace

RedisQuota::RedisQuota(const config::RedisOptions& options, std::string node_id, LocalCounts local)
    : prefix_(options.prefix),
      node_id_(std::move(node_id)),
      local_(std::move(local)),
      address_(first_address(options)),
      client_options_(engine::redis::client_options(options)) {
  if (!options.cluster.empty())
    cluster_ = std::make_unique<engine::redis::cluster::ClusterCommands>(
        io_, cluster_seeds(options), client_options_,
        engine::redis::cluster::ClusterCommands::Hooks{
            [this] { on_connect(); }, [this](std::string why) { on_disconnect(why); }});
  if (options.sentinel.enabled())
    sentinel_ = std::make_unique<engine::redis::sentinel::MasterWatcher>(
        io_, sentinel_options(options),
        engine::redis::sentinel::MasterWatcher::Hooks{
            [this](const engine::redis::Address& master) { on_master(master); }});
}

RedisQuota::~RedisQuota() {
  stop();
  sentinel_.reset();
  retired_.clear();
  cluster_.reset();
  client_.reset();  // its socket and timers belong to io_, which is destroyed next
}

std::unique_ptr<RedisClient> RedisQuota::client_to(const engine::redis::Address& address) {
  return std::make_unique<RedisClient>(
      io_, address,
      RedisClient::Hooks{
          [this] { on_connect(); }, [this](std::string why) { on_disconnect(why); }, {}},
      client_options_);
}

void RedisQuota::start() {
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  if (!cluster_) client_ = client_to(address_);  // sentinel: fails commands until on_master
  asio::post(io_, [this] {
    if (cluster_) return cluster_->start();
    sentinel_ ? sentinel_->start() : client_->start();
  });
  thread_ = std::thread([this] { io_.run(); });
}

// A failover: the new master's connection resyncs this node's counts once it is up.
void RedisQuota::on_master(const engine::redis::Address& master) {
  if (client_->connected()) on_disconnect("the sentinels name " + master.text + " instead");
  retired_.add(std::move(client_));
  address_ = master;
  client_ = client_to(master);
  client_->start();
}

void RedisQuota::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    if (sentinel_) sentinel_->stop();
    if (cluster_) cluster_->stop();
    if (client_) client_->stop();
    work_.reset();
  });
  thread_.join();
}

void RedisQuota::send(std::vector<std::string> args, engine::redis::ReplyHandler handler) {
  if (cluster_) {
    std::string key(key_of(args));
    return cluster_->command(key, std::move(args), std::move(handler));
  }
  std::vector<std::string_view> argv(args.begin(), args.end());
  client_->command(argv, std::move(handler));
}

std::string RedisQuota::tenant_key(std::string_view tenant) const {
  std::string key;
  key.append(prefix_).append(".quota.{").append(tenant).append("}");
  return key;
}

std::string RedisQuota::node_key(std::string_view node) const {
  std::string key;
  key.append(prefix_).append(".quota.nodes.{").append(node).append("}");
  return key;
}

// The tenant is listed for this node first (same connection, so before the script runs; on a
// Redis Cluster both leave in the same write, to their two masters): a crash right after the
// count must still leave a way to find it.
void RedisQuota::acquire(std::string_view tenant, std::uint32_t max, Done done) {
  asio::post(io_, [this, tenant = std::string(tenant), max, done = std::move(done)] {
    send({"SADD", node_key(node_id_), tenant}, ignore_reply);
    send({"EVAL", std::string(scripts::kAcquire), "1", tenant_key(tenant), node_id_,
          std::to_string(max)},
         [done](redisReply* r) {
           if (!r || r->type != REDIS_REPLY_INTEGER) return done(Answer::unreachable);
           done(r->integer == 1 ? Answer::admitted : Answer::refused);
         });
  });
}

std::string RedisQuota::rate_key(std::string_view tenant) const {
  std::string key;
  key.append(prefix_).append(".rate.{").append(tenant).append("}");
  return key;
}

namespace {

limits::SharedRate::Grant grant_of(const redisReply* r) {
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return {};
  const redisReply* tokens = r->element[0];
  const redisReply* left = r->element[1];
  if (tokens->type != REDIS_REPLY_INTEGER || left->type != REDIS_REPLY_INTEGER) return {};
  return {true, static_cast<std::uint32_t>(tokens->integer),
          std::chrono::milliseconds(left->integer)};
}

}  // namespace

void RedisQuota::lease(std::string_view tenant, std::uint32_t rate, std::uint32_t wanted,
                       limits::SharedRate::OnGrant done) {
  asio::post(io_, [this, tenant = std::string(tenant), rate, wanted, done = std::move(done)] {
    send({"EVAL", std::string(scripts::kLease), "1", rate_key(tenant), std::to_string(rate),
          std::to_string(wanted)},
         [done](redisReply* r) { done(grant_of(r)); });
  });
}

void RedisQuota::release(std::string_view tenant) {
  asio::post(io_, [this, tenant = std::string(tenant)] {
    send({"EVAL", std::string(scripts::kRelease), "1", tenant_key(tenant), node_id_}, ignore_reply);
  });
}

void RedisQuota::forget_node(std::string_view node) {
  asio::post(io_, [this, node = std::string(node)] { forget_on_thread(node); });
}

// Every node that noticed the crash does this; deleting a field twice is harmless.
void RedisQuota::forget_on_thread(const std::string& node) {
  send({"SMEMBERS", node_key(node)}, [this, node](redisReply* members) {
    if (!members || members->type != REDIS_REPLY_ARRAY) return;
    for (std::size_t i = 0; i < members->elements; ++i) {
      std::string_view tenant{members->element[i]->str, members->element[i]->len};
      send({"HDEL", tenant_key(tenant), node}, ignore_reply);
    }
    send({"DEL", node_key(node)}, ignore_reply);
  });
}

// On a Redis Cluster: once every master's connection is up (again), so the re-sync runs once
// and reaches every master.
void RedisQuota::on_connect() {
  if (cluster_ && !cluster_->all_masters_up()) return;
  resync();
  up_.store(true, std::memory_order_relaxed);
  if (reported_down_) {
    reported_down_ = false;
    spdlog::info("tenant quotas: redis {} reachable again, this node's counts re-synced",
                 address_.text);
  }
}

void RedisQuota::on_disconnect(const std::string& why) {
  if (cluster_ && cluster_->all_masters_up()) return;  // a seed that is a replica
  up_.store(false, std::memory_order_relaxed);
  if (reported_down_) return;
  reported_down_ = true;
  spdlog::warn("tenant quotas: redis unreachable, counting locally ({}: {})", address_.text, why);
}

// This node's fields become its local counts; tenants it no longer has lose their field.
void RedisQuota::resync() {
  TenantCounts local = local_ ? local_() : TenantCounts{};
  for (const auto& [tenant, n] : local) {
    send({"SADD", node_key(node_id_), tenant}, ignore_reply);
    send({"HSET", tenant_key(tenant), node_id_, std::to_string(n)}, ignore_reply);
  }
  send({"SMEMBERS", node_key(node_id_)},
       [this, local = std::move(local)](redisReply* r) { drop_stale(local, r); });
}

void RedisQuota::drop_stale(const TenantCounts& local, redisReply* members) {
  if (!members || members->type != REDIS_REPLY_ARRAY) return;
  for (std::size_t i = 0; i < members->elements; ++i) {
    std::string tenant{members->element[i]->str, members->element[i]->len};
    if (local.count(tenant)) continue;
    send({"HDEL", tenant_key(tenant), node_id_}, ignore_reply);
    send({"SREM", node_key(node_id_), tenant}, ignore_reply);
  }
}

}  // namespace neo::quota
