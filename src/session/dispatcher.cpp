#include "session/dispatcher.h"

#include <boost/asio/post.hpp>

#include "protocol/encoder.h"
#include "transport/flush_scheduler.h"

namespace neo::session {

namespace {
constexpr std::size_t kMaxDeltaChannels = 100'000;
}  // namespace

void Dispatcher::on_publication(std::string_view channel, const Publication& pub,
                                const StreamPosition& position) {
  hub::ThreadSet threads = services_.interest.threads(channel);
  if (threads.none()) return;
  auto encodings = std::make_shared<hub::Encodings>(std::string(channel), pub,
                                                    delta_base(channel, pub, position));
  fan_out(channel, threads,
          hub::Delivery{hub::DeliveryKind::publication, protocol::encode_pub_push(channel, pub),
                        position.offset, position.epoch, std::move(encodings)});
}

void Dispatcher::on_join(std::string_view channel, const ClientInfo& info) {
  hub::ThreadSet threads = services_.interest.threads(channel);
  if (threads.none()) return;
  fan_out(channel, threads,
          hub::Delivery{hub::DeliveryKind::join,
                        protocol::encode_join_push(channel, info),
                        0,
                        {},
                        std::make_shared<hub::Encodings>(std::string(channel), info)});
}

void Dispatcher::on_leave(std::string_view channel, const ClientInfo& info) {
  hub::ThreadSet threads = services_.interest.threads(channel);
  if (threads.none()) return;
  fan_out(channel, threads,
          hub::Delivery{hub::DeliveryKind::leave,
                        protocol::encode_leave_push(channel, info),
                        0,
                        {},
                        std::make_shared<hub::Encodings>(std::string(channel), info)});
}

std::shared_ptr<const std::string> Dispatcher::delta_base(std::string_view channel,
                                                          const Publication& pub,
                                                          const StreamPosition& position) {
  if (!position.offset) return nullptr;
  const config::NamespaceOptions* ns = namespace_for(services_.config(), channel);
  if (!ns || !ns->allows_fossil()) return nullptr;
  auto data = std::make_shared<const std::string>(pub.data);
  std::lock_guard lock(delta_mutex_);
  if (last_publications_.size() >= kMaxDeltaChannels) last_publications_.clear();
  auto it = last_publications_.find(channel);
  if (it == last_publications_.end())
    it = last_publications_.emplace(std::string(channel), LastPublication{}).first;
  LastPublication& last = it->second;
  std::shared_ptr<const std::string> base;
  bool follows = last.data && last.offset + 1 == position.offset && last.epoch == position.epoch;
  if (follows && (pub.delta || ns->delta_publish)) base = std::move(last.data);
  last = LastPublication{position.offset, position.epoch, std::move(data)};
  return base;
}

void Dispatcher::fan_out(std::string_view channel, hub::ThreadSet threads, hub::Delivery delivery) {
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
