#include "session/dispatcher.h"

#include <boost/asio/post.hpp>

#include "protocol/encoder.h"
#include "transport/flush_scheduler.h"

namespace neo::session {

void Dispatcher::on_publication(std::string_view channel, const Publication& pub,
                                const StreamPosition& position) {
  fan_out(channel,
          hub::Delivery{hub::DeliveryKind::publication, protocol::encode_pub_push(channel, pub),
                        position.offset, position.epoch});
}

void Dispatcher::on_join(std::string_view channel, const ClientInfo& info) {
  fan_out(channel,
          hub::Delivery{hub::DeliveryKind::join, protocol::encode_join_push(channel, info), 0, {}});
}

void Dispatcher::on_leave(std::string_view channel, const ClientInfo& info) {
  fan_out(
      channel,
      hub::Delivery{hub::DeliveryKind::leave, protocol::encode_leave_push(channel, info), 0, {}});
}

void Dispatcher::fan_out(std::string_view channel, hub::Delivery delivery) {
  hub::ThreadSet threads = services_.interest.threads(channel);
  if (threads.none()) return;
  for (std::size_t i = 0; i < services_.shards.size(); ++i) {
    if (!threads.test(i)) continue;
    Shard* shard = services_.shards[i];
    if (shard->inbox.push(std::string(channel), delivery)) {
      boost::asio::post(shard->io, [shard] { drain(*shard); });
    }
  }
}

void Dispatcher::attach(Shard& shard) {
  transport::FlushScheduler::of(shard.io.get_executor()).set_prelude([&shard] { drain(shard); });
}

// Runs on the shard's thread: every delivery queued so far, in the order it was queued.
void Dispatcher::drain(Shard& shard) {
  thread_local std::vector<std::pair<std::string, hub::Delivery>> batch;
  shard.inbox.take(batch);
  for (const auto& [channel, delivery] : batch) shard.hub.deliver(channel, delivery);
  batch.clear();  // keeps its capacity for the next burst
}

}  // namespace neo::session
