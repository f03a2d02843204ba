// Dispatcher: the engine's EventHandler. Encodes each publication, join or leave once and
// posts the shared frame to every I/O thread that has local subscribers of the channel: one
// hand-off per interested thread, never one per subscriber.
#pragma once

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
  void fan_out(std::string_view channel, hub::Delivery delivery);
  static void drain(Shard& shard);
  Services& services_;
};

}  // namespace neo::session
