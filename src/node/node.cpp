#include "node/node.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <cmath>
#include <cstdio>
#include <future>
#include <iterator>

#include "api/http_handler.h"
#include "api/local_node.h"
#include "cluster/cluster.h"
#include "core/ids.h"
#include "engine/memory/memory_engine.h"
#include "engine/redis/redis_engine.h"
#include "node/config_check.h"
#include "node/reload.h"
#include "protocol/codes.h"
#include "quota/redis_quota.h"
#include "session/client_session.h"
#include "session/dispatcher.h"
#include "session/factory.h"
#include "transport/flush_scheduler.h"
#include "transport/listener.h"

namespace neo::node {

namespace asio = boost::asio;
namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(250);
// Set on the node's I/O threads: they pick up reloaded settings between handlers (LiveSettings).
thread_local bool t_io_thread = false;
// Kept from shutdown.timeout for stopping the threads, the cluster goodbye (1 s at most) and the
// engine.
constexpr auto kStopReserve = std::chrono::milliseconds(1500);
// How often the spread of disconnects is advanced.
constexpr auto kSpreadStep = std::chrono::milliseconds(10);

std::size_t thread_count(const config::Config& config) {
  std::size_t n = config.node.threads ? config.node.threads : std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(n, 1, hub::kMaxThreads);
}

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "node";
  return name;
}

// The other nodes forget this one at once instead of after Cluster::kNodeExpiry (its tenants'
// connections stop counting against their quotas). Bounded: a broker that is down must not
// hold the shutdown up.
void say_goodbye(cluster::Cluster& cluster) {
  auto sent = std::make_shared<std::promise<void>>();
  cluster.leave([sent](Result<Unit>) { sent->set_value(); });
  sent->get_future().wait_for(std::chrono::seconds(1));
}

std::unique_ptr<engine::Engine> make_engine(const config::Config& config,
                                            const std::string& node_id) {
  if (config.engine.type == "redis") {
    return std::make_unique<engine::redis::RedisEngine>(config.engine.redis, node_id);
  }
  return std::make_unique<engine::MemoryEngine>(SteadyClock::now, config.api.idempotency_max_keys);
}

// What the engine hands the node: deliveries to the dispatcher, control messages to the
// cluster (when there is one).
class EngineEvents final : public engine::EventHandler {
 public:
  EngineEvents(session::Dispatcher& dispatcher, cluster::Cluster* cluster,
               const session::LiveSettings& live)
      : dispatcher_(dispatcher), cluster_(cluster), live_(live) {}
  void on_publication(std::string_view channel, const Publication& pub,
                      const StreamPosition& position) override {
    pin();
    dispatcher_.on_publication(channel, pub, position);
  }
  void on_join(std::string_view channel, const ClientInfo& info) override {
    pin();
    dispatcher_.on_join(channel, info);
  }
  void on_leave(std::string_view channel, const ClientInfo& info) override {
    pin();
    dispatcher_.on_leave(channel, info);
  }
  void on_control(std::string_view message) override {
    pin();
    if (cluster_) cluster_->receive(message);
  }

 private:
  // The Redis engine calls from its own thread, at the start of its work: a safe point to pick
  // up reloaded settings. The memory engine calls from inside an I/O thread's handler, which
  // must keep the settings it started with (its thread pins between handlers).
  void pin() const {
    if (!t_io_thread) live_.pin();
  }

  session::Dispatcher& dispatcher_;
  cluster::Cluster* cluster_;
  const session::LiveSettings& live_;
};

}  // namespace

struct Node::Parts {
  explicit Parts(const config::Config& config)
      : metrics(std::make_unique<metrics::ServerMetrics>(config)),
        node_id(random_uuid()),
        engine(make_engine(config, node_id)),
        settings(std::make_shared<const session::Settings>(config)),
        live(settings),
        services{settings->config, *engine, settings->policy,  settings->verifier, interest, {},
                 node_id,          "",      NEO_EVENTS_VERSION},
        dispatcher(services),
        sessions(services),
        quotas(config),
        audit(config.audit, config.node.name.empty() ? hostname() : config.node.name),
        catalogue(catalogue::Catalogue::load(config.catalogue_file)) {
    services.limits = &quotas;
    services.audit = &audit;
    services.catalogue = catalogue.get();
    services.live = &live;
    services.metrics = metrics.get();
  }

  // First, so destroyed last: every other part may count into it until it goes.
  std::unique_ptr<metrics::ServerMetrics> metrics;

  // Declared before the io_contexts, so destroyed after them: HTTP connections still waiting on
  // a write when the threads stop are destroyed with their context, and their body leases
  // return to this budget then.
  transport::HttpLimits limits;
  std::unique_ptr<transport::http::BodyBudget> bodies;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::unique_ptr<session::Shard>> shards;
  std::vector<std::unique_ptr<asio::steady_timer>> tickers;
  std::unique_ptr<asio::steady_timer> maintenance;
  std::string node_id;
  transport::EmulationRegistry emulation{node_id};  // http_stream / sse sessions of this node
  std::unique_ptr<engine::Engine> engine;
  std::shared_ptr<const session::Settings> settings;  // those at start; `live` has the latest
  session::LiveSettings live;
  hub::InterestMap interest;
  session::Services services;
  session::Dispatcher dispatcher;
  session::ClientSessionFactory sessions;
  limits::Limits quotas;
  // The count every node shares (Redis engine only); destroyed before `quotas`, after it was
  // detached from them in shutdown().
  std::unique_ptr<quota::RedisQuota> shared_quota;
  audit::AuditLog audit;
  std::shared_ptr<const catalogue::Catalogue> catalogue;
  std::unique_ptr<cluster::Cluster> cluster;  // only when the engine joins several nodes
  std::unique_ptr<api::ClusterBridge> bridge;
  std::unique_ptr<EngineEvents> events;
  std::unique_ptr<api::ApiHttpHandler> http;
  std::unique_ptr<transport::HttpHandler> front;  // the demo's, in front of `http`
  std::unique_ptr<transport::Listener> listener;
  std::unique_ptr<api::ApiHttpHandler> internal_http;  // http.internal_listen
  std::unique_ptr<transport::Listener> internal_listener;
};

Node::Node(config::Config config, const HttpFront& front) : config_(std::move(config)) {
  parts_ = std::make_unique<Parts>(config_);
  auto& p = *parts_;
  std::size_t n = thread_count(config_);
  for (std::size_t i = 0; i < n; ++i) {
    p.contexts.push_back(std::make_unique<asio::io_context>(1));
    p.guards.push_back(asio::make_work_guard(*p.contexts.back()));
    p.shards.push_back(std::make_unique<session::Shard>(i, *p.contexts.back()));
    p.services.shards.push_back(p.shards.back().get());
    session::Dispatcher::attach(*p.shards.back());
  }
  const bool public_api = !config_.http.internal_only_api;
  p.http = std::make_unique<api::ApiHttpHandler>(
      p.services, api::Routes{public_api, public_api && config_.metrics.enabled});
  if (front) p.front = front(*p.http);
  p.limits.allowed_origins = config_.http.allowed_origins;
  p.limits.max_body_bytes = config_.http.max_body_bytes;
  p.bodies = std::make_unique<transport::http::BodyBudget>(config_.http.max_bodies_in_flight_bytes);
  p.limits.bodies = p.bodies.get();
  p.limits.tls_handshake_timeout = config_.http.tls.handshake_timeout;
  p.limits.ws.max_message_bytes = config_.client.max_message_bytes;
  p.limits.ws.queue_max_bytes = config_.client.queue_max_bytes;
  const auto& websocket = config_.websocket;
  p.limits.ws.compression = {websocket.compression, websocket.compression_min_size,
                             static_cast<int>(websocket.compression_level),
                             websocket.decompressed_message_size_limit
                                 ? websocket.decompressed_message_size_limit
                                 : config_.client.max_message_bytes};
  std::vector<asio::io_context*> raw;
  for (auto& c : p.contexts) raw.push_back(c.get());
  p.listener = std::make_unique<transport::Listener>(
      raw, p.limits,
      transport::Endpoints{p.front ? p.front.get() : p.http.get(), &p.sessions, &p.emulation});
  if (config_.engine.type == "redis") start_cluster();
  wire_metrics();
  p.events = std::make_unique<EngineEvents>(p.dispatcher, p.cluster.get(), p.live);
  p.engine->start(*p.events);
}

void Node::start_cluster() {
  auto& p = *parts_;
  p.cluster = std::make_unique<cluster::Cluster>(*p.engine, *p.contexts[0], p.node_id);
  p.bridge = std::make_unique<api::ClusterBridge>(p.services);
  p.cluster->start(*p.bridge, [&quotas = p.quotas](const cluster::TenantCounts& counts) {
    quotas.set_remote_connections(counts);
  });
  p.services.cluster = p.cluster.get();
  start_shared_quota();
}

// Exact tenant connection quotas across the nodes: counted in Redis, a crashed node's share
// freed when the cluster forgets it. Tenant publish rates are shared there too.
void Node::start_shared_quota() {
  auto& p = *parts_;
  p.shared_quota = std::make_unique<quota::RedisQuota>(
      config_.engine.redis, p.node_id, [&quotas = p.quotas] { return quotas.local_connections(); });
  p.quotas.set_shared_quota(p.shared_quota.get());
  p.quotas.set_shared_rate(p.shared_quota.get());
  p.cluster->on_node_gone(
      [shared = p.shared_quota.get()](const std::string& node) { shared->forget_node(node); });
  p.shared_quota->start();
}

Node::~Node() { shutdown(); }

asio::ip::tcp::endpoint Node::start() {
  auto& p = *parts_;
  start_tls();
  std::string error;
  auto address = transport::Listener::resolve(config_.http.listen, error);
  if (!address) throw std::runtime_error("http.listen: " + error);
  auto endpoint = p.listener->listen(*address);
  start_internal_listener();
  p.services.node_name = config_.node.name.empty()
                             ? hostname() + "_" + std::to_string(endpoint.port())
                             : config_.node.name;
  for (std::size_t i = 0; i < p.contexts.size(); ++i) start_ticker(i);
  start_maintenance();
  write_pid_file();
  for (auto& context : p.contexts) {
    asio::post(*context, [live = &p.live] { live->pin(); });
    threads_.emplace_back([ctx = context.get()] {
      t_io_thread = true;
      ctx->run();
    });
  }
  spdlog::info("listening on {}:{} ({}) with {} I/O threads, engine {}",
               endpoint.address().to_string(), endpoint.port(),
               config_.http.tls.cert_file.empty() ? "http, ws" : "https, wss", p.contexts.size(),
               config_.engine.type);
  return endpoint;
}

// https/wss when http.tls is set. The caller validated the files (node/config_check.h); a
// failure here (a file changed since) stops the start rather than falling back to plain text.
void Node::start_tls() {
  if (config_.http.tls.cert_file.empty()) return;
  std::vector<std::string> problems;
  auto context = transport::make_tls_context(config_.http.tls, problems);
  if (!context) throw std::runtime_error(problems.front());
  spdlog::info("TLS certificate {} (sha256 {})", config_.http.tls.cert_file,
               transport::certificate_fingerprint(*context));
  parts_->listener->set_tls(std::move(context));  // the threads do not run yet
}

// One timer per thread advances the thread's timer wheel, which hands over only the sessions
// whose next deadline (ping, pong, stale, expiry) has come: no per-connection timers, and no
// pass over every connection.
void Node::start_ticker(std::size_t index) {
  auto& p = *parts_;
  if (p.tickers.size() <= index) p.tickers.resize(index + 1);
  p.tickers[index] = std::make_unique<asio::steady_timer>(*p.contexts[index]);
  auto* timer = p.tickers[index].get();
  auto* shard = p.shards[index].get();
  auto tick = std::make_shared<std::function<void(boost::system::error_code)>>();
  *tick = [timer, shard, tick_weak = std::weak_ptr(tick)](boost::system::error_code ec) {
    if (ec) return;
    auto now = Clock::now();
    auto unix_now = unix_seconds();
    shard->wheel.advance(now, [&](TimerWheel::Hook& due) {
      static_cast<session::ClientSession&>(due).tick(now, unix_now);
    });
    timer->expires_after(kTickInterval);
    if (auto self = tick_weak.lock()) timer->async_wait([self](auto e) { (*self)(e); });
  };
  timer->expires_after(kTickInterval);
  timer->async_wait([tick](auto e) { (*tick)(e); });
}

void Node::start_maintenance() {
  auto& p = *parts_;
  p.maintenance = std::make_unique<asio::steady_timer>(*p.contexts[0]);
  auto loop = std::make_shared<std::function<void(boost::system::error_code)>>();
  *loop = [this, weak = std::weak_ptr(loop)](boost::system::error_code ec) {
    if (ec) return;
    parts_->engine->maintain();
    if (parts_->cluster) parts_->cluster->tick();
    parts_->quotas.sweep(Clock::now());
    parts_->maintenance->expires_after(std::chrono::seconds(1));
    if (auto self = weak.lock()) parts_->maintenance->async_wait([self](auto e) { (*self)(e); });
  };
  p.maintenance->expires_after(std::chrono::seconds(1));
  p.maintenance->async_wait([loop](auto e) { (*loop)(e); });
}

// SIGHUP reloads the config file (node/reload.cpp) and waits on; SIGINT/SIGTERM shut down.
void Node::run_until_signal() {
  asio::io_context signals_context;
  asio::signal_set signals(signals_context, SIGINT, SIGTERM, SIGHUP);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload();
      return signals.async_wait(on_signal);
    }
    spdlog::info("signal {} received, shutting down", signal);
  };
  signals.async_wait(on_signal);
  signals_context.run();
  shutdown();
}

// SIGTERM (spec: exit within shutdown.timeout): readiness off, drain_delay, then 3001 to every
// client spread over `spread`, then wait for their close handshakes until shortly before the
// timeout; what remains is cut when the threads stop.
void Node::shutdown() {
  if (stopped_ || !parts_) return;
  stopped_ = true;
  auto& p = *parts_;
  const config::ShutdownOptions options = config_.shutdown;
  const auto deadline = Clock::now() + options.timeout;
  const bool running = !threads_.empty();
  if (running) {
    begin_drain();
    std::this_thread::sleep_for(options.drain_delay);
  }
  p.services.shutting_down = true;
  std::promise<void> closed_listener;
  asio::post(*p.contexts[0], [&] {
    p.listener->stop();
    if (p.internal_listener) p.internal_listener->stop();
    closed_listener.set_value();
  });
  if (running) closed_listener.get_future().wait();
  if (running) disconnect_spread(options.spread, deadline);
  while (running && open_connections() > 0 && Clock::now() < deadline - kStopReserve) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& guard : p.guards) guard.reset();
  for (auto& context : p.contexts) context->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  if (p.cluster) say_goodbye(*p.cluster);
  if (p.shared_quota) {  // every I/O thread has stopped: no release can race this
    p.quotas.set_shared_quota(nullptr);
    p.quotas.set_shared_rate(nullptr);
    p.shared_quota->stop();
  }
  p.engine->stop();
  remove_pid_file();
  spdlog::info("stopped");
}

void Node::begin_drain() {
  if (!parts_ || parts_->services.draining.exchange(true)) return;
  spdlog::info("draining: /ready answers 503; clients are told to reconnect in {} ms",
               config_.shutdown.drain_delay.count());
}

std::uint64_t Node::open_connections() const {
  std::uint64_t n = 0;
  for (const auto& shard : parts_->shards) n += shard->connections.load();
  return n;
}

// Tells every client to reconnect elsewhere (3001), evenly over `spread`: each shard's sessions
// of the moment are told in order, the k-th of n once k/n of the spread has passed, so the
// reconnects reach the other nodes (and their history) as a steady stream, not one spike. The
// main thread paces it; each shard's list lives here and is touched only by its own thread.
void Node::disconnect_spread(config::Duration spread, Clock::time_point deadline) {
  struct Spread {
    std::vector<session::ClientSession*> sessions;
    std::size_t told = 0;
    bool taken = false;
  };
  auto& p = *parts_;
  std::vector<Spread> spreads(p.shards.size());
  const auto start = Clock::now();
  spdlog::info("telling {} clients to reconnect, over {} ms", open_connections(), spread.count());
  for (double fraction = 0; fraction < 1.0;) {
    auto elapsed = Clock::now() - start;
    fraction = spread.count() <= 0 || Clock::now() >= deadline
                   ? 1.0
                   : std::min(1.0, std::chrono::duration<double>(elapsed) / spread);
    for (std::size_t i = 0; i < p.shards.size(); ++i) {
      asio::post(p.shards[i]->io, [s = p.shards[i].get(), &spread = spreads[i], fraction] {
        if (!spread.taken) spread.sessions.assign(s->sessions.begin(), s->sessions.end());
        spread.taken = true;
        auto due = static_cast<std::size_t>(std::ceil(fraction * double(spread.sessions.size())));
        for (; spread.told < due; ++spread.told) {
          auto* session = spread.sessions[spread.told];
          if (s->sessions.count(session)) session->disconnect(protocol::disconnect::shutdown);
        }
      });
    }
    if (fraction < 1.0) std::this_thread::sleep_for(kSpreadStep);
  }
  // The tasks refer to `spreads`: they must have run before it goes.
  std::vector<std::promise<void>> done(p.shards.size());
  for (std::size_t i = 0; i < p.shards.size(); ++i)
    asio::post(p.shards[i]->io, [&promise = done[i]] { promise.set_value(); });
  for (auto& promise : done) promise.get_future().wait();
}

// The figures other parts own, read at scrape time; counting itself happens where things
// happen (session, transport, dispatcher, API), in each thread's own cells.
void Node::wire_metrics() {
  auto& p = *parts_;
  auto& figures = p.metrics->figures;
  figures.channels = [&p] { return p.interest.channel_count(); };
  figures.nodes = [&p]() -> std::uint64_t {
    return p.cluster ? p.cluster->other_nodes().size() + 1 : 1;
  };
  figures.ready = [&p] { return p.services.ready(); };
  figures.quota_fallback = [&p] { return p.shared_quota && !p.shared_quota->reachable(); };
  figures.quota_fallback_admits = [&p] { return p.quotas.fallback_admits(); };
  figures.rate_fallback_admits = [&p] { return p.quotas.rate_fallback_admits(); };
  figures.audit_dropped = [&p] { return p.audit.dropped(); };
  figures.invalid_events = [&p] { return p.services.invalid_events.load(); };
  figures.bodies_in_flight_bytes = [&p] { return p.bodies->in_use(); };
  figures.body_budget_refusals = [&p] { return p.bodies->refusals(); };
  figures.accept_errors = [&p] {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (std::size_t i = 0; i < transport::kAcceptFailureKinds; ++i) {
      auto failure = static_cast<transport::AcceptFailure>(i);
      out.emplace_back(transport::accept_failure_label(failure),
                       p.listener->accept_stats().errors_of(failure));
    }
    return out;
  };
  figures.accept_pauses = [&p] { return p.listener->accept_stats().pauses.load(); };
  figures.accept_paused = [&p] { return p.listener->accept_stats().paused.load(); };
  p.limits.metrics = p.metrics.get();
  for (auto& context : p.contexts)
    transport::FlushScheduler::of(context->get_executor()).set_metrics(p.metrics.get());
  if (auto* redis = dynamic_cast<engine::redis::RedisEngine*>(p.engine.get()))
    redis->set_metrics(p.metrics.get());
}

// http.internal_listen: /metrics, /health, /ready and the server API for operators; no client
// connection endpoints (no session factory: they answer 404).
void Node::start_internal_listener() {
  auto& p = *parts_;
  if (config_.http.internal_listen.empty()) return;
  p.internal_http = std::make_unique<api::ApiHttpHandler>(p.services, api::Routes{true, true});
  std::vector<asio::io_context*> raw;
  for (auto& c : p.contexts) raw.push_back(c.get());
  p.internal_listener = std::make_unique<transport::Listener>(
      raw, p.limits, transport::Endpoints{p.internal_http.get(), nullptr, nullptr});
  std::string error;
  auto address = transport::Listener::resolve(config_.http.internal_listen, error);
  if (!address) throw std::runtime_error("http.internal_listen: " + error);
  internal_ = p.internal_listener->listen(*address);
  spdlog::info("internal listener on {}:{} (/metrics, /health, /ready, /api)",
               internal_->address().to_string(), internal_->port());
}

}  // namespace neo::node

// --- reload (SIGHUP) ---------------------------------------------------------------------------

namespace neo::node {

void Node::set_config_file(std::string path, config::Environment env) {
  config_file_ = std::move(path);
  environment_ = std::move(env);
}

void Node::reload() {
  if (config_file_.empty()) {
    spdlog::warn("config reload: no config file (development setup); nothing changed");
    return;
  }
  bool ok = reload_file();
  if (parts_ && parts_->metrics) parts_->metrics->config_reload(ok);
}

// Loads, checks and installs the config file again; false when it was refused.
bool Node::reload_file() {
  config::Loaded loaded = load_checked(config_file_, environment_);
  if (!loaded.problems.empty()) {
    spdlog::error("config reload refused: {} has {} problem(s); the running config stays",
                  config_file_, loaded.problems.size());
    for (const auto& problem : loaded.problems) spdlog::error("config reload refused: {}", problem);
    return false;
  }
  config::Config next = std::move(loaded.config);
  for (const auto& key : keep_restart_only(config_, next))
    spdlog::warn("config reload: {} changed; it needs a restart, the running value stays", key);
  if (!reload_tls(next)) return false;
  install(std::move(next));
  spdlog::info("config reloaded from {}", config_file_);
  return true;
}

// New connections get the new certificate; existing ones keep the context their SSL object
// holds a reference to. The files were checked just before; one that changed since is a refusal.
bool Node::reload_tls(const config::Config& next) {
  if (next.http.tls.cert_file.empty()) return true;
  std::vector<std::string> problems;
  auto context = transport::make_tls_context(next.http.tls, problems);
  if (!context) {
    for (const auto& problem : problems) spdlog::error("config reload refused: {}", problem);
    return false;
  }
  spdlog::info("TLS certificate {} (sha256 {}) for new connections", next.http.tls.cert_file,
               transport::certificate_fingerprint(*context));
  auto* listener = parts_->listener.get();
  asio::post(*parts_->contexts[0], [listener, context = std::move(context)]() mutable {
    listener->set_tls(std::move(context));
  });
  return true;
}

// The new settings, then on every I/O thread (between two handlers): pick them up, and end the
// subscriptions they no longer allow.
void Node::install(config::Config next) {
  auto& p = *parts_;
  p.quotas.reconfigure(next);
  p.live.replace(std::make_shared<const session::Settings>(next));
  config_ = std::move(next);
  for (auto& shard : p.shards) {
    asio::post(shard->io, [s = shard.get(), live = &p.live] {
      live->pin();
      std::vector<session::ClientSession*> sessions(s->sessions.begin(), s->sessions.end());
      for (auto* session : sessions) session->revoke_forbidden_subscriptions();
    });
  }
}

void Node::write_pid_file() {
  const std::string& path = config_.node.pid_file;
  if (path.empty()) return;
  if (auto error = write_pid(path))
    throw std::runtime_error("node.pid_file: cannot write " + path + ": " + *error);
}

// Only our own pid: a second server given the same file by mistake must not lose its entry.
void Node::remove_pid_file() {
  const std::string& path = config_.node.pid_file;
  std::string error;
  if (!path.empty() && read_pid(path, error) == static_cast<long>(::getpid()))
    std::remove(path.c_str());
}

}  // namespace neo::node
