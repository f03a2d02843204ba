#include "engine/redis/cluster/slot_router.h"

#include <spdlog/spdlog.h>

#include "engine/redis/cluster/slot.h"

namespace neo::engine::redis::cluster {

SlotRouter::SlotRouter(boost::asio::io_context& io, Hooks hooks)
    : hooks_(std::move(hooks)), defer_timer_(io), period_timer_(io) {}

void SlotRouter::start() {
  stopped_ = false;
  schedule_periodic();
}

void SlotRouter::stop() {
  stopped_ = true;
  defer_timer_.cancel();
  period_timer_.cancel();
}

void SlotRouter::schedule_periodic() {
  period_timer_.expires_after(kPeriod);
  period_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    refresh();
    schedule_periodic();
  });
}

void SlotRouter::refresh() {
  if (stopped_ || deferred_) return;
  auto next = last_ask_ + kMinInterval;
  if (std::chrono::steady_clock::now() >= next) return ask();
  deferred_ = true;
  defer_timer_.expires_at(next);
  defer_timer_.async_wait([this](boost::system::error_code ec) {
    deferred_ = false;
    if (!ec && !stopped_) ask();
  });
}

void SlotRouter::moved(std::uint16_t slot, const Address& to) {
  map_.assign(slot, to);
  refresh();
}

const Address* SlotRouter::master_of_key(std::string_view key) const {
  return known_ ? map_.master_of(key_slot(key)) : nullptr;
}

void SlotRouter::ask() {
  if (asking_) return;
  RedisClient* via = hooks_.any_connected();
  if (!via) return;  // the next connect asks again
  asking_ = true;
  last_ask_ = std::chrono::steady_clock::now();
  via->command({"CLUSTER", "SLOTS"}, [this, host = via->address().host](redisReply* reply) {
    asking_ = false;
    if (stopped_) return;
    auto parsed = SlotMap::from_cluster_slots(reply, host);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      spdlog::warn("redis cluster: {}; keeping the slot map we have", *problem);
      return;
    }
    auto& fresh = std::get<SlotMap>(parsed);
    bool changed = !known_ || !fresh.same_owners(map_);
    map_ = std::move(fresh);
    known_ = true;
    if (changed && hooks_.on_map_changed) hooks_.on_map_changed();
  });
}

}  // namespace neo::engine::redis::cluster
