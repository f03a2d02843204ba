// MasterWatcher: which Redis is the master of one Sentinel-monitored set, kept current.
// - Asks the sentinels in turn `SENTINEL get-master-addr-by-name <name>` (the next one when a
//   sentinel is down, does not know the name or answers nonsense), and checks the answer with
//   ROLE on that Redis: only one that says "master" is taken; otherwise it asks again shortly.
// - Listens to `+switch-master` on one sentinel (the next one when that connection goes), and
//   asks again every kPeriod anyway: a message missed while switching sentinels must not leave
//   the node on an old master.
// - Calls on_master whenever the master changes (the first time included).
// Problems are logged once each until the next success, so a long outage is not a log flood.
//
// Threading: everything, hooks included, runs on the io_context's thread (the one of the
// RedisClients it owns).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "engine/redis/redis_client.h"
#include "engine/redis/sentinel/retired_clients.h"

namespace neo::engine::redis::sentinel {

// engine.redis.sentinel as the watcher takes it; throws std::runtime_error naming a sentinel
// address that does not parse.
struct MasterWatcherOptions {
  std::string master_name;
  std::vector<Address> sentinels;
  std::string password;                      // sent with AUTH to every sentinel when set
  std::string log_label = "redis sentinel";  // starts each log line: who is following
  // How a named master is reached (engine.redis.sentinel.master_*): the ROLE check and the
  // address given to on_master carry these credentials, db and TLS.
  Address master_access;
  ClientOptions master_client;  // engine.redis's timeouts and TLS settings

  static MasterWatcherOptions from(const config::RedisOptions& options);
};

class MasterWatcher {
 public:
  static constexpr std::chrono::seconds kPeriod{2};                // re-ask although nothing came
  static constexpr std::chrono::milliseconds kRetry{300};          // after an answer not taken
  static constexpr std::chrono::milliseconds kCheckTimeout{1000};  // ROLE on a silent address

  using Options = MasterWatcherOptions;
  struct Hooks {
    std::function<void(const Address&)> on_master;
  };

  // Throws std::invalid_argument without sentinels.
  MasterWatcher(boost::asio::io_context& io, Options options, Hooks hooks);
  ~MasterWatcher();
  MasterWatcher(const MasterWatcher&) = delete;
  MasterWatcher& operator=(const MasterWatcher&) = delete;

  void start();
  void stop();
  // The master last verified; nullopt before the first.
  const std::optional<Address>& master() const { return master_; }

 private:
  std::unique_ptr<RedisClient> sentinel_client(const Address& address,
                                               std::function<void()> on_connect,
                                               std::function<void(std::string)> on_disconnect,
                                               std::function<void(struct redisReply*)> on_pubsub);
  void ask();
  void ask_sentinel(std::size_t index, std::size_t tried);
  void consider(const Address& candidate);
  void check_role(const Address& candidate);
  void on_role(std::uint64_t check, const Address& candidate, struct redisReply* reply);
  void take(const Address& master);
  void listen(std::size_t index);
  void on_event(struct redisReply* reply);
  void schedule_periodic();
  void next_ask_in(std::chrono::milliseconds delay);  // a retry, sooner than the period
  void report(const std::string& problem);
  void retire(std::unique_ptr<RedisClient> client) { retired_.add(std::move(client)); }

  boost::asio::io_context& io_;
  Options options_;
  Hooks hooks_;
  std::optional<Address> master_;
  std::vector<std::unique_ptr<RedisClient>> queries_;  // one per sentinel
  std::size_t preferred_ = 0;                          // the sentinel that answered last
  std::vector<std::string> round_problems_;            // of the round of asks under way
  bool asking_ = false;
  std::uint64_t round_ = 0;  // which round an answer belongs to
  std::chrono::steady_clock::time_point asked_at_{};
  std::unique_ptr<RedisClient> events_;  // SUBSCRIBEd to +switch-master
  std::size_t events_at_ = 0;
  std::unique_ptr<RedisClient> probe_;  // ROLE on a candidate
  std::uint64_t check_ = 0;             // which ROLE check an answer belongs to
  RetiredClients retired_;
  std::string reported_;  // the problem logged last
  boost::asio::steady_timer ask_timer_;
  boost::asio::steady_timer period_timer_;
  boost::asio::steady_timer listen_timer_;
  bool stopped_ = true;
};

}  // namespace neo::engine::redis::sentinel
