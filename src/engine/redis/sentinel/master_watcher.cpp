#include "engine/redis/sentinel/master_watcher.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "engine/redis/cluster/slot_map.h"
#include "engine/redis/sentinel/replies.h"

namespace neo::engine::redis::sentinel {

namespace {

std::string_view str(const redisReply* r) { return {r->str, r->len}; }

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out.append(out.empty() ? "" : "; ").append(part);
  return out;
}

}  // namespace

MasterWatcherOptions MasterWatcherOptions::from(const config::RedisOptions& redis) {
  const auto& options = redis.sentinel;
  MasterWatcherOptions out{options.master_name, {}, options.password, "redis sentinel", {}, {}};
  out.master_access.user = options.master_user;
  out.master_access.password = options.master_password;
  if (options.master_db > 0) out.master_access.db = static_cast<int>(options.master_db);
  out.master_access.tls = options.master_tls;
  out.master_client = client_options(redis);
  for (const auto& url : options.addresses) {
    auto address = parse_address(url);
    if (!address) throw std::runtime_error("engine.redis.sentinel.addresses: bad address " + url);
    out.sentinels.push_back(std::move(*address));
  }
  return out;
}

MasterWatcher::MasterWatcher(boost::asio::io_context& io, Options options, Hooks hooks)
    : io_(io),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      retired_(io),
      ask_timer_(io),
      period_timer_(io),
      listen_timer_(io) {
  if (options_.sentinels.empty())
    throw std::invalid_argument("engine.redis.sentinel.addresses: no sentinel to ask");
}

MasterWatcher::~MasterWatcher() {
  stop();
  retired_.clear();
}

void MasterWatcher::start() {
  stopped_ = false;
  for (const auto& address : options_.sentinels) {
    // A sentinel that (re)connects is asked at once: it may be the first one up.
    queries_.push_back(sentinel_client(address, [this] { ask(); }, {}, {}));
    queries_.back()->start();
  }
  listen(0);
  schedule_periodic();
}

void MasterWatcher::schedule_periodic() {
  period_timer_.expires_after(kPeriod);
  period_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    ask();
    schedule_periodic();
  });
}

void MasterWatcher::stop() {
  if (stopped_) return;
  stopped_ = true;
  ask_timer_.cancel();
  period_timer_.cancel();
  listen_timer_.cancel();
  for (auto& query : queries_) query->stop();
  if (events_) events_->stop();
  if (probe_) probe_->stop();
}

// A connection to a sentinel. With a password, the connection's own handshake sends AUTH before
// its PING (a sentinel with requirepass answers nothing else), so a refusal ends the connection
// attempt; it is reported once, as the sentinel refusing AUTH.
std::unique_ptr<RedisClient> MasterWatcher::sentinel_client(
    const Address& address, std::function<void()> on_connect,
    std::function<void(std::string)> on_disconnect, std::function<void(redisReply*)> on_pubsub) {
  Address with_password = address;
  if (!options_.password.empty()) with_password.password = options_.password;
  auto lost = [this, text = address.text,
               on_disconnect = std::move(on_disconnect)](std::string why) {
    constexpr std::string_view kAuthFailed = "AUTH failed: ";
    if (std::string_view(why).starts_with(kAuthFailed))
      report(text + " refused AUTH: " + why.substr(kAuthFailed.size()));
    if (on_disconnect) on_disconnect(std::move(why));
  };
  return std::make_unique<RedisClient>(
      io_, with_password,
      RedisClient::Hooks{std::move(on_connect), std::move(lost), std::move(on_pubsub)},
      options_.master_client);  // engine.redis.tls for rediss:// sentinels too
}

// One round: the sentinel that answered last first, then the others in turn. A round that
// never ends (a sentinel that stalls without closing) is overtaken by a later one.
void MasterWatcher::ask() {
  if (stopped_) return;
  auto now = std::chrono::steady_clock::now();
  if (asking_ && now - asked_at_ < kCheckTimeout) return;
  asking_ = true;
  asked_at_ = now;
  ++round_;
  round_problems_.clear();
  ask_sentinel(preferred_, 0);
}

void MasterWatcher::ask_sentinel(std::size_t index, std::size_t tried) {
  if (tried == queries_.size()) {
    asking_ = false;
    report("no sentinel names the master of \"" + options_.master_name +
           "\": " + joined(round_problems_));
    return next_ask_in(kRetry);
  }
  queries_[index]->command(
      {"SENTINEL", "get-master-addr-by-name", options_.master_name},
      [this, index, tried, round = round_](redisReply* reply) {
        if (stopped_ || round != round_) return;
        auto parsed = parse_master_addr(reply, options_.master_name);
        if (auto* problem = std::get_if<std::string>(&parsed)) {
          round_problems_.push_back(queries_[index]->address().text + " " + *problem);
          return ask_sentinel((index + 1) % queries_.size(), tried + 1);
        }
        asking_ = false;
        preferred_ = index;
        consider(with_access(std::get<Address>(parsed), options_.master_access));
      });
}

void MasterWatcher::consider(const Address& candidate) {
  if (master_ && cluster::same_node(*master_, candidate)) {
    reported_.clear();
    return;
  }
  check_role(candidate);
}

// Sentinels name the new master as soon as they elected it; it says "master" once it was
// told to be one. Until then (or while it cannot be reached) the old master stays.
void MasterWatcher::check_role(const Address& candidate) {
  std::uint64_t check = ++check_;
  retire(std::move(probe_));
  probe_ = std::make_unique<RedisClient>(
      io_, candidate,
      RedisClient::Hooks{[this, check, candidate] {
                           if (check != check_) return;
                           probe_->command({"ROLE"}, [this, check, candidate](redisReply* r) {
                             on_role(check, candidate, r);
                           });
                         },
                         [this, check, candidate](std::string why) {
                           if (stopped_ || check != check_) return;
                           report(candidate.text + " (named master) unreachable: " + why);
                           retire(std::move(probe_));
                           next_ask_in(kRetry);
                         },
                         {}},
      options_.master_client);
  probe_->start();
  next_ask_in(kCheckTimeout);  // an address that never answers
}

void MasterWatcher::on_role(std::uint64_t check, const Address& candidate, redisReply* reply) {
  if (stopped_ || check != check_) return;
  auto role = parse_role(reply);
  retire(std::move(probe_));
  if (auto* problem = std::get_if<std::string>(&role)) {
    report(candidate.text + " (named master) " + *problem);
    return next_ask_in(kRetry);
  }
  if (const auto& name = std::get<Role>(role).name; name != "master") {
    report(candidate.text + " (named master) answers ROLE " + name + ", not master yet");
    return next_ask_in(kRetry);
  }
  ask_timer_.cancel();  // the check's deadline
  take(candidate);
}

void MasterWatcher::take(const Address& master) {
  reported_.clear();
  if (master_ && cluster::same_node(*master_, master)) return;
  spdlog::info("{}: master \"{}\" is {}{}", options_.log_label, options_.master_name, master.text,
               master_ ? " (was " + master_->text + ")" : std::string());
  master_ = master;
  if (hooks_.on_master) hooks_.on_master(master);
}

// +switch-master on sentinel `index`; when that connection goes, the next sentinel's.
void MasterWatcher::listen(std::size_t index) {
  events_at_ = index;
  retire(std::move(events_));
  events_ = sentinel_client(
      options_.sentinels[index],
      [this] {
        events_->pubsub("SUBSCRIBE", "+switch-master");
        if (master_) ask();  // a switch may have happened while nobody listened
      },
      [this](std::string) {
        if (stopped_) return;
        retire(std::move(events_));
        listen_timer_.expires_after(kRetry);
        listen_timer_.async_wait([this](boost::system::error_code ec) {
          if (!ec && !stopped_) listen((events_at_ + 1) % options_.sentinels.size());
        });
      },
      [this](redisReply* reply) { on_event(reply); });
  events_->start();
}

void MasterWatcher::on_event(redisReply* reply) {
  if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
      str(reply->element[0]) != "message")
    return;
  auto parsed = parse_switch_master(str(reply->element[2]));
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    spdlog::warn("{} {}: {}", options_.log_label, options_.sentinels[events_at_].text, *problem);
    return;
  }
  const auto& change = std::get<SwitchMaster>(parsed);
  if (change.name != options_.master_name) return;
  check_role(with_access(change.to, options_.master_access));
}

void MasterWatcher::next_ask_in(std::chrono::milliseconds delay) {
  if (stopped_) return;
  ask_timer_.expires_after(delay);
  ask_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopped_) ask();
  });
}

// Each problem once, until an answer is taken again.
void MasterWatcher::report(const std::string& problem) {
  if (problem == reported_) return;
  reported_ = problem;
  spdlog::warn("{}: {}; asking again", options_.log_label, problem);
}

}  // namespace neo::engine::redis::sentinel
