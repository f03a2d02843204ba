#include "session/dispatcher.h"

#include <boost/asio/post.hpp>

#include "protocol/encoder.h"
#include "transport/flush_scheduler.h"

namespace neo::session {

namespace {
constexpr std::size_t kMaxDeltaChannels = 100'000;
}  // namespace

std::uint16_t Dispatcher::received(metrics::BrokerMessage type, std::string_view channel) const {
  auto* metrics = services_.metrics;
  if (!metrics) return 0;
  std::uint16_t ns = metrics->namespace_index(channel);
  metrics->broker_received(type, ns);
  return ns;
}

// When the publication was accepted, on the steady clock: now for this node's own (the memory
// engine calls here from inside publish), its node's stamp for one that came through Redis,
// whose delay is the pub/sub lag (0 for the memory engine).
std::int64_t Dispatcher::accepted_at(const Publication& pub, std::uint16_t ns) const {
  std::int64_t now = steady_nanos();
  std::int64_t lag_ms =
      pub.time_ms > 0 ? std::max<std::int64_t>(unix_millis() - pub.time_ms, 0) : 0;
  if (services_.metrics) services_.metrics->pub_sub_lag(ns, static_cast<double>(lag_ms) / 1000);
  return now - lag_ms * 1'000'000;
}

void Dispatcher::on_publication(std::string_view channel, const Publication& pub,
                                const StreamPosition& position) {
  const std::uint16_t ns = received(metrics::BrokerMessage::publication, channel);
  const std::int64_t accepted = accepted_at(pub, ns);
  hub::ThreadSet threads = services_.interest.threads(channel);
  if (threads.none()) return;
  auto encodings = std::make_shared<hub::Encodings>(std::string(channel), pub,
                                                    delta_base(channel, pub, position));
  encodings->tag(FrameType::push_publication, ns, accepted);
  FrameRef frame = protocol::encode_pub_push(channel, pub);
  frame.tag(FrameType::push_publication, ns, accepted);
  fan_out(channel, threads,
          hub::Delivery{hub::DeliveryKind::publication, std::move(frame), position.offset,
                        position.epoch, std::move(encodings)});
}

void Dispatcher::on_join(std::string_view channel, const ClientInfo& info) {
  on_presence_change(hub::DeliveryKind::join, channel, info);
}

void Dispatcher::on_leave(std::string_view channel, const ClientInfo& info) {
  on_presence_change(hub::DeliveryKind::leave, channel, info);
}

void Dispatcher::on_presence_change(hub::DeliveryKind kind, std::string_view channel,
                                    const ClientInfo& info) {
  const bool join = kind == hub::DeliveryKind::join;
  const std::uint16_t ns =
      received(join ? metrics::BrokerMessage::join : metrics::BrokerMessage::leave, channel);
  hub::ThreadSet threads = services_.interest.threads(channel);
  if (threads.none()) return;
  const FrameType type = join ? FrameType::push_join : FrameType::push_leave;
  FrameRef frame =
      join ? protocol::encode_join_push(channel, info) : protocol::encode_leave_push(channel, info);
  frame.tag(type, ns);
  auto encodings = std::make_shared<hub::Encodings>(std::string(channel), info);
  encodings->tag(type, ns, 0);
  fan_out(channel, threads, hub::Delivery{kind, std::move(frame), 0, {}, std::move(encodings)});
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
