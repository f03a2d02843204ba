// Keeps one Redis Cluster's slot map current: asks CLUSTER SLOTS when a connection comes up,
// after a MOVED or a lost master, and every few seconds (a failover elsewhere changes owners
// without telling us), but never more often than once per kMinInterval however many commands
// are redirected at once. Runs on the engine thread, like the RedisClients it asks through.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

#include "engine/redis/cluster/slot_map.h"
#include "engine/redis/redis_client.h"

namespace neo::engine::redis::cluster {

class SlotRouter {
 public:
  static constexpr std::chrono::milliseconds kMinInterval{500};
  static constexpr std::chrono::seconds kPeriod{5};

  struct Hooks {
    std::function<RedisClient*()> any_connected;  // whom to ask; nullptr when none is up
    std::function<void()> on_map_changed;
  };

  SlotRouter(boost::asio::io_context& io, Hooks hooks);
  void start();
  void stop();

  // Asks for the map soon: now, or when kMinInterval has passed since the last ask.
  void refresh();
  // "MOVED <slot> <to>": use `to` for that slot at once, and refresh the rest.
  void moved(std::uint16_t slot, const Address& to);

  const SlotMap& map() const { return map_; }
  bool known() const { return known_; }
  const Address* master_of_key(std::string_view key) const;

 private:
  void ask();
  void schedule_periodic();

  Hooks hooks_;
  SlotMap map_;
  bool known_ = false;
  bool asking_ = false;    // one CLUSTER SLOTS in flight at most
  bool deferred_ = false;  // a refresh waits for kMinInterval
  bool stopped_ = false;
  std::chrono::steady_clock::time_point last_ask_{};
  boost::asio::steady_timer defer_timer_;
  boost::asio::steady_timer period_timer_;
};

}  // namespace neo::engine::redis::cluster
