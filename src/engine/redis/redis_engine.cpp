#include "engine/redis/redis_engine.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <charconv>
#include <stdexcept>
#include <unordered_set>

#include "core/clock.h"
#include "core/ids.h"
#include "engine/redis/cluster/slot.h"
#include "engine/redis/codec.h"
#include "engine/redis/scripts.h"
#include "engine/redis/sentinel/replies.h"

namespace neo::engine::redis {

namespace asio = boost::asio;

namespace {

Error unavailable() { return Error{100, "internal server error", true}; }

std::string sha1_hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

std::string_view str(const redisReply* r) { return {r->str, r->len}; }

// "<tag><body>", built with append: g++ 12 -O3 warns falsely (-Wrestrict) on "lit" + string.
std::string tagged(std::string_view tag, std::string_view body) {
  std::string out;
  out.reserve(tag.size() + body.size());
  out.append(tag).append(body);
  return out;
}

bool failed(const redisReply* r) { return !r || r->type == REDIS_REPLY_ERROR; }

// A script that SPUBLISHes instead of PUBLISHing (a cluster's sharded PUB/SUB). The channel
// is one of the script's keys and carries the channel's hash tag, so it is in their slot.
std::string sharded(std::string_view script) {
  std::string out(script);
  static constexpr std::string_view kFrom = "redis.call('publish',";
  for (auto at = out.find(kFrom); at != std::string::npos; at = out.find(kFrom, at))
    out.replace(at, kFrom.size(), "redis.call('spublish',");
  return out;
}

// A command's arguments, moved in (a braced list would copy each one, payloads included).
template <typename... Parts>
std::vector<std::string> command_args(Parts&&... parts) {
  std::vector<std::string> out;
  out.reserve(sizeof...(parts));
  (out.emplace_back(std::forward<Parts>(parts)), ...);
  return out;
}

std::uint64_t to_u64(const redisReply* r) {
  if (r->type == REDIS_REPLY_INTEGER) return static_cast<std::uint64_t>(r->integer);
  std::uint64_t value = 0;
  if (r->type == REDIS_REPLY_STRING) std::from_chars(r->str, r->str + r->len, value);
  return value;
}

std::string seconds(std::chrono::milliseconds d) {
  return std::to_string(std::max<long long>(1, (d.count() + 999) / 1000));
}

// Stream entries [[id, [field, value]], ...] -> publications with offset = id's first part.
std::vector<Publication> read_entries(const redisReply* entries) {
  std::vector<Publication> out;
  if (!entries || entries->type != REDIS_REPLY_ARRAY) return out;
  for (std::size_t i = 0; i < entries->elements; ++i) {
    const redisReply* entry = entries->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2) continue;
    const redisReply* fields = entry->element[1];
    if (fields->type != REDIS_REPLY_ARRAY || fields->elements < 2) continue;
    auto pub = decode_publication(str(fields->element[1]));
    if (!pub) continue;
    std::string_view id = str(entry->element[0]);
    std::from_chars(id.data(), id.data() + id.size(), pub->offset);
    out.push_back(std::move(*pub));
  }
  return out;
}

}  // namespace

RedisEngine::RedisEngine(const config::RedisOptions& options, std::string node_id)
    : options_(options),
      node_id_(std::move(node_id)),
      client_prefix_(options.prefix + ".client."),
      control_prefix_(control_channel("")) {
  bool cluster = !options.cluster.empty();
  if (options.sentinel.enabled()) {
    sentinel_ = std::make_unique<sentinel::MasterWatcher>(
        io_, sentinel::MasterWatcherOptions::from(options),
        sentinel::MasterWatcher::Hooks{[this](const Address& master) { on_master(master); }});
    // The one shard, on clients that fail every command until the sentinels name the master.
    Address unknown{"", 0, "(master \"" + options.sentinel.master_name + "\" not found yet)"};
    addresses_.push_back(std::move(unknown));
  }
  for (const auto& url : cluster ? options.cluster : options.addresses) {
    if (sentinel_) break;
    auto address = parse_address(url);
    if (!address)
      throw std::runtime_error(
          std::string(cluster ? "engine.redis.cluster" : "engine.redis.addresses") + ": " +
          address.error);
    addresses_.push_back(*address);
  }
  client_options_ = client_options(options);
  client_options_.on_command_error = [this](std::string_view reason) {
    if (metrics_) metrics_->redis_command_error(reason);
  };
  if (cluster) {
    slots_ = std::make_unique<cluster::SlotRouter>(
        io_, cluster::SlotRouter::Hooks{[this]() -> RedisClient* {
                                          for (auto& s : shards_)
                                            if (s->commands->connected()) return s->commands.get();
                                          return nullptr;
                                        },
                                        [this] { on_slot_map_changed(); }});
  }
  publish_script_ = cluster ? sharded(scripts::kPublish) : std::string(scripts::kPublish);
  publish_no_history_script_ =
      cluster ? sharded(scripts::kPublishNoHistory) : std::string(scripts::kPublishNoHistory);
  publish_sha_ = sha1_hex(publish_script_);
  publish_no_history_sha_ = sha1_hex(publish_no_history_script_);
  history_sha_ = sha1_hex(scripts::kHistory);
  presence_add_sha_ = sha1_hex(scripts::kPresenceAdd);
  presence_get_sha_ = sha1_hex(scripts::kPresenceGet);
}

RedisEngine::~RedisEngine() {
  stop();
  sentinel_.reset();
  retired_.clear();
  slots_.reset();
  shards_.clear();  // their sockets and timers belong to io_, which is destroyed next
}

template <typename Fn>
void RedisEngine::on_engine_thread(Fn&& fn) {
  asio::post(io_, std::forward<Fn>(fn));
}

void RedisEngine::start(EventHandler& handler) {
  handler_ = &handler;
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  for (const auto& address : addresses_) add_shard(address);
  control_ = shards_.front().get();  // a cluster moves it to the control slot's master
  on_engine_thread([this] {
    if (slots_) slots_->start();
    if (sentinel_) return sentinel_->start();  // on_master connects the shard
    for (auto& s : shards_) {
      s->commands->start();
      s->pubsub->start();
    }
  });
  thread_ = std::thread([this] { io_.run(); });
}

RedisEngine::Shard& RedisEngine::add_shard(const Address& address) {
  auto s = std::make_unique<Shard>();
  connect_shard(*s, address);
  shards_.push_back(std::move(s));
  return *shards_.back();
}

void RedisEngine::connect_shard(Shard& s, const Address& address) {
  Shard* raw = &s;
  s.ready = false;
  s.commands = std::make_unique<RedisClient>(
      io_, address,
      RedisClient::Hooks{[this, raw] {
                           load_scripts(*raw);
                           read_generation(*raw);  // up once it answers
                           if (slots_) slots_->refresh();
                         },
                         [this, raw](std::string why) {
                           raw->ready = false;
                           update_health(*raw, false, why);
                           if (slots_) slots_->refresh();  // a failover may be under way
                         },
                         {}},
      client_options_);
  s.pubsub = std::make_unique<RedisClient>(
      io_, address,
      RedisClient::Hooks{[this, raw] {
                           resubscribe(*raw);
                           update_health(*raw, true, "");
                         },
                         [this, raw](std::string why) {
                           if (metrics_) metrics_->redis_pub_sub_error("connect");
                           update_health(*raw, false, why);
                         },
                         [this, raw](redisReply* r) { on_pubsub(*raw, r); }},
      client_options_);
}

// Sentinel mode: the sentinels named a new master. The shard keeps its channels and moves to
// clients of the new master, which resubscribe every channel and load the scripts once
// connected. Until then every command fails at once with 100: nothing queues for the new
// master, and nothing more is sent to the old one.
void RedisEngine::on_master(const Address& master) {
  Shard& s = *shards_.front();
  retired_.add(std::move(s.commands));
  retired_.add(std::move(s.pubsub));
  connect_shard(s, master);
  s.up = false;
  recompute_health();
  for (auto& [channel, state] : s.channels) state.confirmed = false;
  s.commands->start();
  s.pubsub->start();
}

// The master's replication id, which every stream script compares with the one its stream was
// last written under (scripts.h, docs/redis.md "Epochs follow the master"): a promoted replica
// has a new id, so each stream it serves starts a new epoch, and subscribers who may have
// received publications that are gone are told recovered: false instead of being handed the
// same offsets again with other publications. Only where failovers happen (a Cluster,
// Sentinel): with fixed addresses the id changes only on a restart, and a restart from the AOF
// keeps the epoch so that subscribers recover. The shard counts as up only once this is known,
// so no publication goes out without it. Sentinel mode also checks that this server is a master
// (a demoted one answers too until the sentinels name the new one).
void RedisEngine::read_generation(Shard& s) {
  RedisClient* asked = s.commands.get();
  asked->command({"INFO", "replication"}, [this, &s, asked](redisReply* r) {
    if (!r || asked != s.commands.get()) return;  // lost (logged as such) or replaced
    auto parsed = r->type == REDIS_REPLY_STRING
                      ? sentinel::parse_replication(str(r))
                      : sentinel::Parsed<sentinel::Replication>("INFO replication: not a text");
    s.generation.clear();
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      if (sentinel_)
        return spdlog::warn("redis {}: {}; publishes fail with 100", asked->address().text,
                            *problem);
      spdlog::warn("redis {}: {}; its streams cannot tell a failover", asked->address().text,
                   *problem);
    } else if (const auto& replication = std::get<sentinel::Replication>(parsed);
               replication.role == "master") {
      if (slots_ || sentinel_) s.generation = replication.replid;
    } else if (sentinel_) {
      return spdlog::warn(
          "redis {} is a {}, not a master; publishes fail with 100 until the sentinels name one",
          asked->address().text, replication.role);
    }  // else a cluster seed that is a replica: its commands are redirected to the master
    s.ready = true;
    update_health(s, true, "");
  });
}

void RedisEngine::stop() {
  if (!thread_.joinable()) return;
  on_engine_thread([this] {
    if (sentinel_) sentinel_->stop();
    for (auto& s : shards_) {
      s->commands->stop();
      s->pubsub->stop();
    }
    if (slots_) slots_->stop();
    work_.reset();
  });
  thread_.join();
}

bool RedisEngine::healthy() const { return healthy_.load(std::memory_order_relaxed); }

// On the engine thread: a cluster adds shards there, so other threads never walk shards_.
void RedisEngine::recompute_health() {
  bool any = false;
  bool all = true;
  for (const auto& s : shards_) {
    if (!s->serving) continue;
    any = true;
    all = all && s->up;
  }
  healthy_.store(any && all, std::memory_order_relaxed);
}

// One log line per outage and one per recovery, however many commands fail in between.
void RedisEngine::update_health(Shard& s, bool up, const std::string& why) {
  bool both = s.commands->connected() && s.pubsub->connected() && s.ready;
  s.up = up && both;
  recompute_health();
  if (!up && !s.reported_down) {
    s.reported_down = true;
    spdlog::error("redis {} unreachable: {}; publishes fail with 100 until it is back",
                  s.commands->address().text, why);
  } else if (up && both && s.reported_down) {
    s.reported_down = false;
    spdlog::info("redis {} is back; subscriptions restored", s.commands->address().text);
  }
}

RedisEngine::Shard& RedisEngine::shard(std::string_view channel) {
  if (!slots_) return *shards_[shard_of(channel, shards_.size())];
  const Address* master = slots_->master_of_key(key("client", channel));
  return master ? shard_at(*master) : *shards_.front();  // before the map: a seed, MOVED corrects
}

RedisEngine::Shard& RedisEngine::shard_at(const Address& address) {
  for (auto& s : shards_)
    if (cluster::same_node(s->commands->address(), address)) return *s;
  // Every node of a cluster takes the seeds' credentials and TLS; only the host and port come
  // from the slot map or a redirect.
  Shard& added = add_shard(with_access(address, addresses_.front()));
  added.commands->start();
  added.pubsub->start();
  return added;
}

// In a cluster a subscription may sit on another node than its slot's master (made before the
// map was known, or kept through a resharding: see move_channels).
RedisEngine::Shard& RedisEngine::subscriber_shard(std::string_view channel) {
  if (slots_)
    for (auto& s : shards_)
      if (s->channels.contains(std::string(channel))) return *s;
  return shard(channel);
}

RedisEngine::Shard& RedisEngine::control_shard() {
  if (!slots_) return *shards_.front();
  const Address* master = slots_->master_of_key(control_prefix_);
  return master ? shard_at(*master) : *control_;
}

// Connects new masters first, so that moving channels below finds every shard in place.
void RedisEngine::on_slot_map_changed() {
  for (const auto& master : slots_->map().masters()) shard_at(master);
  for (auto& s : shards_) {
    bool master = false;
    for (const auto& m : slots_->map().masters())
      master = master || cluster::same_node(m, s->commands->address());
    s->serving = master;
  }
  recompute_health();
  move_channels();
  move_control_subscription();
}

// Sharded PUB/SUB: a channel's subscription lives on its slot's master, so every channel whose
// slot has another master now (a resharding, a failover, the first map) moves there: SUNSUBSCRIBE
// where it was (Redis has usually done so already, with a sunsubscribe push), SSUBSCRIBE on the
// new master. What was published in between shows up as a gap at the next publication.
void RedisEngine::move_channels() {
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard& from = *shards_[i];
    std::vector<std::string> leaving;
    for (const auto& [channel, state] : from.channels)
      if (&shard(channel) != &from) leaving.push_back(channel);
    for (const auto& channel : leaving) {
      auto moved = from.channels.extract(channel);
      moved.mapped().confirmed = false;
      if (from.pubsub->connected()) from.pubsub->pubsub(unsubscribe_verb(), key("client", channel));
      Shard& to = shard(channel);
      to.channels.insert(std::move(moved));
      to.pubsub->pubsub(subscribe_verb(), key("client", channel));
    }
  }
}

void RedisEngine::move_control_subscription() {
  Shard& owner = control_shard();
  if (&owner == control_) return;
  if (control_->pubsub->connected()) {
    control_->pubsub->pubsub(unsubscribe_verb(), control_prefix_);
    control_->pubsub->pubsub(unsubscribe_verb(), control_channel(node_id_));
  }
  control_ = &owner;
  subscribe_control(owner);
}

// Redis ended a sharded subscription by itself (its slot moved away): subscribe again where
// the map says and let the map catch up; if that node no longer owns the slot it answers
// MOVED, which moves the channel (on_pubsub_error). Our own SUNSUBSCRIBEs are confirmed with
// the same push, for channels this shard no longer holds: nothing to do then.
void RedisEngine::on_subscription_ended(Shard& s, std::string_view redis_channel) {
  bool ours = false;
  if (is_control_shard(s) && redis_channel.starts_with(control_prefix_)) {
    ours = true;
  } else if (auto channel = channel_of(redis_channel)) {
    auto it = s.channels.find(std::string(*channel));
    ours = it != s.channels.end();
    if (ours) it->second.confirmed = false;
  }
  if (!ours) return;
  s.pubsub->pubsub(subscribe_verb(), redis_channel);
  slots_->refresh();
}

// An error answering SSUBSCRIBE. MOVED: the slot has another master for good, and its
// subscriptions follow it.
void RedisEngine::on_pubsub_error(Shard& s, std::string_view error) {
  if (!slots_) return;
  auto redirect = cluster::redirect_in(error, s.pubsub->address().host);
  if (!redirect || redirect->kind != cluster::Redirect::Kind::moved) return;
  slots_->moved(redirect->slot, redirect->to);
  on_slot_map_changed();
}

// "<prefix>.<kind>.<channel>"; in a cluster "<prefix>.<kind>.{<channel>}", so that all of a
// channel's keys hash to one slot (a script may only touch keys of one slot).
std::string RedisEngine::key(std::string_view kind, std::string_view channel) const {
  std::string k = options_.prefix;
  k += '.';
  k += kind;
  k += '.';
  bool hash_tagged = !options_.cluster.empty();
  if (hash_tagged) k += '{';
  k += channel;
  if (hash_tagged) k += '}';
  return k;
}

// The channel a client-channel PUB/SUB name stands for; nullopt for any other name.
std::optional<std::string_view> RedisEngine::channel_of(std::string_view redis_channel) const {
  if (!redis_channel.starts_with(client_prefix_)) return std::nullopt;
  std::string_view channel = redis_channel.substr(client_prefix_.size());
  if (options_.cluster.empty()) return channel;
  if (channel.size() < 2 || channel.front() != '{' || channel.back() != '}') return std::nullopt;
  return channel.substr(1, channel.size() - 2);
}

// "<prefix>.result.<channel>.<key>", on the channel's shard like its other keys.
std::string RedisEngine::result_key(std::string_view channel,
                                    std::string_view idempotency_key) const {
  std::string k = key("result", channel);
  k += '.';
  k += idempotency_key;
  return k;
}

void RedisEngine::load_scripts(Shard& s) {
  for (std::string_view script :
       {std::string_view(publish_script_), std::string_view(publish_no_history_script_),
        scripts::kHistory, scripts::kPresenceAdd, scripts::kPresenceGet}) {
    s.commands->command({"SCRIPT", "LOAD", script}, [](redisReply*) {});
  }
}

namespace {

// EVALSHA argv.
std::vector<std::string> script_argv(std::string_view sha, std::vector<std::string> keys,
                                     std::vector<std::string> args) {
  std::vector<std::string> argv{"EVALSHA", std::string(sha), std::to_string(keys.size())};
  argv.reserve(3 + keys.size() + args.size());
  for (auto& k : keys) argv.push_back(std::move(k));
  for (auto& a : args) argv.push_back(std::move(a));
  return argv;
}

bool no_script(const redisReply* r) {
  return r && r->type == REDIS_REPLY_ERROR &&
         std::string_view(r->str, r->len).starts_with("NOSCRIPT");
}

}  // namespace

std::string_view RedisEngine::script_for(std::string_view sha) const {
  if (sha == publish_sha_) return publish_script_;
  if (sha == publish_no_history_sha_) return publish_no_history_script_;
  if (sha == history_sha_) return scripts::kHistory;
  if (sha == presence_add_sha_) return scripts::kPresenceAdd;
  return scripts::kPresenceGet;
}

// EVALSHA (send() falls back to EVAL once when Redis answers NOSCRIPT: its script cache is
// empty after a restart, and the SCRIPT LOADs sent on reconnect fail while it loads its AOF).
void RedisEngine::eval(Shard& s, std::string_view sha, std::vector<std::string> keys,
                       std::vector<std::string> args, ReplyHandler handler) {
  send(s, script_argv(sha, std::move(keys), std::move(args)), std::move(handler));
}

// The stream scripts' generation argument (scripts.h) is that of the master that runs them:
// set here, at each send, because a MOVED or ASK sends the same call to another master.
void RedisEngine::stamp_generation(const Shard& s, std::vector<std::string>& args) const {
  if (args.size() < 3 || (args[0] != "EVALSHA" && args[0] != "EVAL")) return;
  const std::string& script = args[1];
  if (script != publish_sha_ && script != history_sha_ && script != publish_script_ &&
      script != scripts::kHistory)
    return;
  constexpr std::size_t kGenerationArg = 6;  // ARGV[6] of both
  std::size_t at = 3 + std::stoul(args[2]) + kGenerationArg - 1;
  if (at < args.size()) args[at] = s.generation;
}

void RedisEngine::send(Shard& s, std::vector<std::string> args, ReplyHandler handler, int hops) {
  stamp_generation(s, args);
  std::vector<std::string_view> argv(args.begin(), args.end());
  // Moving the vector keeps its strings where they are, so `argv` stays valid.
  s.commands->command(argv, [this, &s, args = std::move(args), handler = std::move(handler),
                             hops](redisReply* r) mutable {
    if (no_script(r) && args[0] == "EVALSHA") {
      args[1] = std::string(script_for(args[1]));
      args[0] = "EVAL";
      return send(s, std::move(args), std::move(handler), hops);
    }
    auto redirect = slots_ && hops < cluster::kMaxRedirects
                        ? cluster::redirect_in(r, s.commands->address().host)
                        : std::nullopt;
    if (!redirect) return handler(r);
    follow(*redirect, std::move(args), std::move(handler), hops + 1);
  });
}

// MOVED: the slot has a new master for good; ASK: this key only, while its slot migrates.
void RedisEngine::follow(const cluster::Redirect& redirect, std::vector<std::string> args,
                         ReplyHandler handler, int hops) {
  const Address& to = redirect.to;
  Shard& target = shard_at(to);
  if (redirect.kind == cluster::Redirect::Kind::moved) {
    slots_->moved(redirect.slot, to);
    on_slot_map_changed();  // the slot's subscriptions follow it
  } else {
    target.commands->command({"ASKING"}, [](redisReply*) {});
  }
  send(target, std::move(args), std::move(handler), hops);
}

// The publish script and its arguments. An idempotent publish adds its result key and ttl; one
// without history then needs a script too, so that checking and publishing stay one step.
RedisEngine::ScriptCall RedisEngine::publish_call(const std::string& channel, std::string payload,
                                                  const HistoryOptions& history, std::string result,
                                                  Duration result_ttl) const {
  ScriptCall call;
  if (history.enabled()) {
    call = {publish_sha_,
            {key("stream", channel), key("stream.meta", channel), key("client", channel)},
            {std::move(payload), std::to_string(history.size), seconds(history.ttl),
             seconds(history.meta_ttl), random_epoch(), /* generation: send() */ ""}};
  } else {
    call = {publish_no_history_sha_, {key("client", channel)}, {tagged("p0::", payload)}};
  }
  if (!result.empty()) {
    call.keys.push_back(std::move(result));
    call.args.push_back(std::to_string(std::max<Duration::rep>(1, result_ttl.count())));
  }
  return call;
}

void RedisEngine::publish(std::string_view channel, Publication pub, const HistoryOptions& history,
                          const Idempotency& idempotency, Callback<StreamPosition> done) {
  std::string result = idempotency.wanted() ? result_key(channel, idempotency.key) : std::string();
  if (!pub.time_ms) pub.time_ms = unix_millis();  // the receiving nodes' pub/sub lag
  on_engine_thread([this, channel = std::string(channel), payload = encode_publication(pub),
                    history, result = std::move(result), result_ttl = idempotency.ttl,
                    done = std::move(done)]() mutable {
    Shard& s = shard(channel);
    if (!s.ready) return done(unavailable());
    if (!history.enabled() && result.empty()) {
      std::string message = tagged("p0::", payload);
      return send(s, command_args(publish_verb(), key("client", channel), std::move(message)),
                  [done = std::move(done)](redisReply* r) {
                    if (failed(r)) return done(unavailable());
                    done(StreamPosition{});
                  });
    }
    ScriptCall call =
        publish_call(channel, std::move(payload), history, std::move(result), result_ttl);
    eval(s, call.sha, std::move(call.keys), std::move(call.args),
         [done = std::move(done)](redisReply* r) {
           if (failed(r) || r->type != REDIS_REPLY_ARRAY || r->elements < 2)
             return done(unavailable());
           done(StreamPosition{to_u64(r->element[0]), std::string(str(r->element[1]))});
         });
  });
}

void RedisEngine::publish_join(std::string_view channel, const ClientInfo& info) {
  on_engine_thread(
      [this, channel = std::string(channel), message = tagged("j", encode_client_info(info))] {
        send(shard(channel), {publish_verb(), key("client", channel), message}, [](redisReply*) {});
      });
}

void RedisEngine::publish_leave(std::string_view channel, const ClientInfo& info) {
  on_engine_thread(
      [this, channel = std::string(channel), message = tagged("l", encode_client_info(info))] {
        send(shard(channel), {publish_verb(), key("client", channel), message}, [](redisReply*) {});
      });
}

void RedisEngine::subscribe(std::string_view channel) {
  on_engine_thread([this, channel = std::string(channel)] {
    Shard& s = shard(channel);
    s.channels[channel] = ChannelState{};
    s.pubsub->pubsub(subscribe_verb(), key("client", channel));  // if down, resubscribe() does it
  });
}

void RedisEngine::unsubscribe(std::string_view channel) {
  on_engine_thread([this, channel = std::string(channel)] {
    Shard& s = subscriber_shard(channel);
    auto it = s.channels.find(channel);
    if (it == s.channels.end()) return;
    for (auto& run : it->second.waiting) run();
    s.channels.erase(it);
    s.pubsub->pubsub(unsubscribe_verb(), key("client", channel));
  });
}

// The control plane lives on the first shard: "<prefix>.control" reaches every node,
// "<prefix>.control.<node id>" one node. In a cluster both carry the tag {<prefix>.control}:
// the control plane has a slot of its own, apart from every channel's.
std::string RedisEngine::control_channel(std::string_view node) const {
  std::string name =
      options_.cluster.empty() ? options_.prefix + ".control" : "{" + options_.prefix + ".control}";
  if (!node.empty()) {
    name += '.';
    name += node;
  }
  return name;
}

void RedisEngine::publish_control(std::string_view to_node, std::string message,
                                  Callback<Unit> done) {
  if (metrics_) metrics_->broker_sent(metrics::BrokerMessage::control, 0);
  on_engine_thread([this, channel = control_channel(to_node), message = std::move(message),
                    done = std::move(done)]() mutable {
    send(control_shard(), command_args(publish_verb(), std::move(channel), std::move(message)),
         [done = std::move(done)](redisReply* r) {
           if (failed(r)) return done(unavailable());
           done(Unit{});
         });
  });
}

void RedisEngine::resubscribe(Shard& s) {
  if (is_control_shard(s)) subscribe_control(s);
  for (auto& [channel, state] : s.channels) {
    state.confirmed = false;
    s.pubsub->pubsub(subscribe_verb(), key("client", channel));
  }
}

void RedisEngine::subscribe_control(Shard& s) {
  s.pubsub->pubsub(subscribe_verb(), control_prefix_);
  s.pubsub->pubsub(subscribe_verb(), control_channel(node_id_));
}

void RedisEngine::on_pubsub(Shard& s, redisReply* r) {
  if (r && r->type == REDIS_REPLY_ERROR) return on_pubsub_error(s, str(r));
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  std::string_view kind = str(r->element[0]);
  std::string_view redis_channel = str(r->element[1]);
  bool message = kind == "message" || kind == "smessage";
  if (message && is_control_shard(s) && redis_channel.starts_with(control_prefix_)) {
    if (metrics_) metrics_->broker_received(metrics::BrokerMessage::control, 0);
    if (handler_) handler_->on_control(str(r->element[2]));
    return;
  }
  if (message) return on_message(redis_channel, str(r->element[2]));
  if (kind == "sunsubscribe" && slots_) return on_subscription_ended(s, redis_channel);
  if (kind != "subscribe" && kind != "ssubscribe") return;
  auto channel = channel_of(redis_channel);
  if (!channel) return;
  auto it = s.channels.find(std::string(*channel));
  if (it == s.channels.end()) return;
  it->second.confirmed = true;
  auto waiting = std::move(it->second.waiting);
  for (auto& run : waiting) run();
}

// A client-channel message this node cannot read (another version's, or damaged).
void RedisEngine::count_dropped() {
  if (!metrics_) return;
  metrics_->redis_dropped("client");
  metrics_->redis_pub_sub_error("decode");
}

// "p<offset>:<epoch>:<publication>", "j<client info>", "l<client info>".
void RedisEngine::on_message(std::string_view redis_channel, std::string_view payload) {
  auto named = channel_of(redis_channel);
  if (!handler_ || payload.empty() || !named) return;
  std::string_view channel = *named;
  char kind = payload.front();
  payload.remove_prefix(1);
  if (kind == 'j' || kind == 'l') {
    auto info = decode_client_info(payload);
    if (!info) return count_dropped();
    return kind == 'j' ? handler_->on_join(channel, *info) : handler_->on_leave(channel, *info);
  }
  if (kind != 'p') return;
  auto colon = payload.find(':');
  auto second = colon == std::string_view::npos ? colon : payload.find(':', colon + 1);
  if (second == std::string_view::npos) return;
  StreamPosition position;
  std::from_chars(payload.data(), payload.data() + colon, position.offset);
  position.epoch = std::string(payload.substr(colon + 1, second - colon - 1));
  auto pub = decode_publication(payload.substr(second + 1));
  if (!pub) return count_dropped();
  pub->offset = position.offset;
  handler_->on_publication(channel, *pub, position);
}

void RedisEngine::history(std::string_view channel, const HistoryQuery& query,
                          const HistoryOptions& options, Callback<HistoryResult> done) {
  on_engine_thread([this, channel = std::string(channel), query, options,
                    done = std::move(done)]() mutable {
    Shard& s = shard(channel);
    if (!s.ready) return done(unavailable());
    std::string from = query.reverse ? "+" : "-";
    if (query.since) {
      if (query.reverse && query.since->offset <= 1) {
        from.clear();  // nothing lies below offset 1
      } else {
        from = std::to_string(query.reverse ? query.since->offset - 1 : query.since->offset + 1) +
               "-0";
      }
    }
    auto read = [this, &s, channel, query, options, from, done = std::move(done)]() mutable {
      std::string limit = from.empty() ? "0" : std::to_string(query.limit < 0 ? -1 : query.limit);
      eval(s, history_sha_, {key("stream", channel), key("stream.meta", channel)},
           {limit, query.reverse ? "1" : "0", from.empty() ? "+" : from, seconds(options.meta_ttl),
            random_epoch(), /* generation: send() */ ""},
           [query, done = std::move(done)](redisReply* r) {
             if (failed(r) || r->type != REDIS_REPLY_ARRAY || r->elements < 3)
               return done(unavailable());
             HistoryResult result;
             result.position =
                 StreamPosition{to_u64(r->element[0]), std::string(str(r->element[1]))};
             if (query.since && !query.since->epoch.empty() &&
                 query.since->epoch != result.position.epoch)
               return done(Error{112, "unrecoverable position"});
             result.publications = read_entries(r->element[2]);
             done(std::move(result));
           });
    };
    // A subscriber reads history only once its SUBSCRIBE is active, so no publication can fall
    // between the two (see engine.h).
    Shard& holder = subscriber_shard(channel);
    auto it = holder.channels.find(channel);
    if (it != holder.channels.end() && !it->second.confirmed && holder.pubsub->connected()) {
      it->second.waiting.push_back(std::move(read));
    } else {
      read();
    }
  });
}

void RedisEngine::remove_history(std::string_view channel, Callback<Unit> done) {
  on_engine_thread([this, channel = std::string(channel), done = std::move(done)]() mutable {
    send(shard(channel), {"DEL", key("stream", channel)}, [done = std::move(done)](redisReply* r) {
      if (failed(r)) return done(unavailable());
      done(Unit{});
    });
  });
}

void RedisEngine::add_presence(std::string_view channel, const ClientInfo& info) {
  on_engine_thread([this, channel = std::string(channel), info] {
    // Scores are whole seconds and an entry goes when its score is <= now: one second more,
    // so that it lives at least the ttl (an entry added at x.99 s must not vanish at x+1).
    auto expire_at = std::to_string(unix_seconds() + presence_ttl_.count() + 1);
    eval(shard(channel), presence_add_sha_,
         {key("presence.data", channel), key("presence.expire", channel)},
         {info.client, encode_client_info(info), expire_at, std::to_string(presence_ttl_.count())},
         [](redisReply*) {});
  });
}

void RedisEngine::remove_presence(std::string_view channel, std::string_view client_id) {
  on_engine_thread([this, channel = std::string(channel), client = std::string(client_id)] {
    Shard& s = shard(channel);
    send(s, {"HDEL", key("presence.data", channel), client}, [](redisReply*) {});
    send(s, {"ZREM", key("presence.expire", channel), client}, [](redisReply*) {});
  });
}

void RedisEngine::presence(std::string_view channel, Callback<std::vector<ClientInfo>> done) {
  on_engine_thread([this, channel = std::string(channel), done = std::move(done)]() mutable {
    eval(shard(channel), presence_get_sha_,
         {key("presence.data", channel), key("presence.expire", channel)},
         {std::to_string(unix_seconds())}, [done = std::move(done)](redisReply* r) {
           if (failed(r) || r->type != REDIS_REPLY_ARRAY) return done(unavailable());
           std::vector<ClientInfo> clients;
           for (std::size_t i = 0; i < r->elements; ++i)
             if (auto info = decode_client_info(str(r->element[i])))
               clients.push_back(std::move(*info));
           done(std::move(clients));
         });
  });
}

void RedisEngine::presence_stats(std::string_view channel, Callback<PresenceStats> done) {
  presence(channel, [done = std::move(done)](Result<std::vector<ClientInfo>> r) {
    if (!r.ok()) return done(r.error());
    std::unordered_set<std::string> users;
    for (const auto& info : r.value()) users.insert(info.user);
    done(PresenceStats{static_cast<std::uint32_t>(r.value().size()),
                       static_cast<std::uint32_t>(users.size())});
  });
}

}  // namespace neo::engine::redis
