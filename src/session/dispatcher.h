// Dispatcher: the engine's EventHandler. Encodes each publication, join or leave once and
// posts the shared frame to every I/O thread that has local subscribers of the channel: one
// hand-off per interested thread, never one per subscriber.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/engine.h"
#include "session/services.h"

namespace neo::session {

class Dispatcher final : public engine::EventHandler {
 public:
  explicit Dispatcher(Services& services) : services_(services) {}

  void on_publication(std::string_view channel, const Publication& pub,
                      const StreamPosition& position) override;
  void on_join(std::string_view channel, const ClientInfo& info) override;
  void on_leave(std::string_view channel, const ClientInfo& info) override;

  // Makes every flush round on the shard's thread start by draining its inbox, so deliveries
  // that arrive while the thread is busy writing join the writes still to come.
  static void attach(Shard& shard);

 private:
  void fan_out(std::string_view channel, hub::ThreadSet threads, hub::Delivery delivery);
  void on_presence_change(hub::DeliveryKind kind, std::string_view channel, const ClientInfo& info);
  // Metrics: counts what the broker handed over; returns the channel's namespace index.
  std::uint16_t received(metrics::BrokerMessage type, std::string_view channel) const;
  std::int64_t accepted_at(const Publication& pub, std::uint16_t ns) const;
  // The data of the publication right before this one, when this node saw it and the
  // publication is to be delta-encoded; remembers this one as the next one's base.
  std::shared_ptr<const std::string> delta_base(std::string_view channel, const Publication& pub,
                                                const StreamPosition& position);
  static void drain(Shard& shard);

  struct LastPublication {
    std::uint64_t offset = 0;
    std::string epoch;
    std::shared_ptr<const std::string> data;
  };
  Services& services_;
  std::mutex delta_mutex_;
  // Only channels of namespaces with allowed_delta_types; cleared when it grows past a bound
  // (the next publication of each channel then goes in full).
  std::unordered_map<std::string, LastPublication, hub::StringHash, std::equal_to<>>
      last_publications_;
};

}  // namespace neo::session
