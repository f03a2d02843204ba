#include "engine/memory/memory_engine.h"

#include <algorithm>
#include <functional>
#include <unordered_set>

#include "core/ids.h"

namespace neo::engine {
namespace {

std::size_t shard_index(std::string_view channel, std::size_t shards) {
  return std::hash<std::string_view>{}(channel) % shards;
}

// Forward: offsets > since (all when no since). Reverse: offsets < since, newest first.
std::vector<Publication> select(const std::deque<Publication>& pubs, const HistoryQuery& query) {
  std::vector<Publication> out;
  if (query.limit == 0) return out;
  auto limit = query.limit < 0 ? pubs.size() : static_cast<std::size_t>(query.limit);
  if (!query.reverse) {
    for (const auto& pub : pubs) {
      if (out.size() >= limit) break;
      if (!query.since || pub.offset > query.since->offset) out.push_back(pub);
    }
  } else {
    for (auto it = pubs.rbegin(); it != pubs.rend() && out.size() < limit; ++it) {
      if (!query.since || it->offset < query.since->offset) out.push_back(*it);
    }
  }
  return out;
}

}  // namespace

MemoryEngine::MemoryEngine(Clock clock, std::size_t idempotency_max_keys)
    : clock_(std::move(clock)), idempotency_(idempotency_max_keys) {}

MemoryEngine::HistoryShard& MemoryEngine::history_shard(std::string_view channel) {
  return history_[shard_index(channel, kShards)];
}

MemoryEngine::PresenceShard& MemoryEngine::presence_shard(std::string_view channel) {
  return presence_[shard_index(channel, kShards)];
}

void MemoryEngine::expire(Stream& stream, SteadyClock::time_point now) const {
  if (!stream.pubs.empty() && now >= stream.pubs_expire_at) stream.pubs.clear();
}

// Finds or creates the stream; a stream idle past its meta ttl starts over with a new epoch.
MemoryEngine::Stream& MemoryEngine::touch_stream(HistoryShard& shard, std::string_view channel,
                                                 const HistoryOptions& opts,
                                                 SteadyClock::time_point now) {
  auto it = shard.streams.find(std::string(channel));
  if (it != shard.streams.end() && now >= it->second.meta_expire_at) {
    shard.streams.erase(it);
    it = shard.streams.end();
  }
  if (it == shard.streams.end()) {
    it = shard.streams.emplace(std::string(channel), Stream{}).first;
    it->second.epoch = random_epoch();
  }
  Stream& stream = it->second;
  stream.meta_expire_at = now + opts.meta_ttl;
  expire(stream, now);
  return stream;
}

// Under shard.mutex: the next offset, appended and trimmed, then handed to the handler (still
// under the lock, so handlers see a channel's publications in offset order).
StreamPosition MemoryEngine::append(HistoryShard& shard, std::string_view channel, Publication& pub,
                                    const HistoryOptions& history, SteadyClock::time_point now) {
  Stream& stream = touch_stream(shard, channel, history, now);
  pub.offset = ++stream.top;
  StreamPosition position{stream.top, stream.epoch};
  stream.pubs.push_back(pub);
  while (stream.pubs.size() > history.size) stream.pubs.pop_front();
  stream.pubs_expire_at = now + history.ttl;
  if (handler_) handler_->on_publication(channel, pub, position);
  return position;
}

void MemoryEngine::publish(std::string_view channel, Publication pub, const HistoryOptions& history,
                           const Idempotency& idempotency, Callback<StreamPosition> done) {
  if (idempotency.wanted())
    return publish_once(channel, std::move(pub), history, idempotency, std::move(done));
  if (!history.enabled()) {
    if (handler_) handler_->on_publication(channel, pub, StreamPosition{});
    done(StreamPosition{});
    return;
  }
  StreamPosition position;
  {
    auto& shard = history_shard(channel);
    std::lock_guard lock(shard.mutex);
    position = append(shard, channel, pub, history, clock_());
  }
  done(std::move(position));
}

// The lookup, the publish and remembering its position all happen under the channel's lock:
// of concurrent publishes with one key, exactly one publishes and the others answer its
// position. A channel without history takes that lock too, for the same reason.
void MemoryEngine::publish_once(std::string_view channel, Publication pub,
                                const HistoryOptions& history, const Idempotency& idempotency,
                                Callback<StreamPosition> done) {
  StreamPosition position;
  {
    auto& shard = history_shard(channel);
    std::lock_guard lock(shard.mutex);
    auto now = clock_();
    if (auto first = idempotency_.find(channel, idempotency.key, now)) {
      position = std::move(*first);
    } else {
      if (history.enabled())
        position = append(shard, channel, pub, history, now);
      else if (handler_)
        handler_->on_publication(channel, pub, position);
      idempotency_.remember(channel, idempotency.key, position, now + idempotency.ttl);
    }
  }
  done(std::move(position));
}

void MemoryEngine::publish_join(std::string_view channel, const ClientInfo& info) {
  if (handler_) handler_->on_join(channel, info);
}

void MemoryEngine::publish_leave(std::string_view channel, const ClientInfo& info) {
  if (handler_) handler_->on_leave(channel, info);
}

void MemoryEngine::history(std::string_view channel, const HistoryQuery& query,
                           const HistoryOptions& options, Callback<HistoryResult> done) {
  HistoryResult result;
  bool stale_epoch = false;
  {
    auto& shard = history_shard(channel);
    std::lock_guard lock(shard.mutex);
    Stream& stream = touch_stream(shard, channel, options, clock_());
    result.position = StreamPosition{stream.top, stream.epoch};
    stale_epoch = query.since && !query.since->epoch.empty() && query.since->epoch != stream.epoch;
    if (!stale_epoch) result.publications = select(stream.pubs, query);
  }
  if (stale_epoch) return done(Error{112, "unrecoverable position"});
  done(std::move(result));
}

void MemoryEngine::remove_history(std::string_view channel, Callback<Unit> done) {
  {
    auto& shard = history_shard(channel);
    std::lock_guard lock(shard.mutex);
    auto it = shard.streams.find(std::string(channel));
    if (it != shard.streams.end()) it->second.pubs.clear();
  }
  done(Unit{});
}

void MemoryEngine::add_presence(std::string_view channel, const ClientInfo& info) {
  auto& shard = presence_shard(channel);
  std::lock_guard lock(shard.mutex);
  shard.channels[std::string(channel)][info.client] = info;
}

void MemoryEngine::remove_presence(std::string_view channel, std::string_view client_id) {
  auto& shard = presence_shard(channel);
  std::lock_guard lock(shard.mutex);
  auto it = shard.channels.find(std::string(channel));
  if (it == shard.channels.end()) return;
  it->second.erase(std::string(client_id));
  if (it->second.empty()) shard.channels.erase(it);
}

void MemoryEngine::presence(std::string_view channel, Callback<std::vector<ClientInfo>> done) {
  std::vector<ClientInfo> clients;
  {
    auto& shard = presence_shard(channel);
    std::lock_guard lock(shard.mutex);
    auto it = shard.channels.find(std::string(channel));
    if (it != shard.channels.end()) {
      clients.reserve(it->second.size());
      for (const auto& [id, info] : it->second) clients.push_back(info);
    }
  }
  done(std::move(clients));
}

void MemoryEngine::presence_stats(std::string_view channel, Callback<PresenceStats> done) {
  PresenceStats stats;
  {
    auto& shard = presence_shard(channel);
    std::lock_guard lock(shard.mutex);
    auto it = shard.channels.find(std::string(channel));
    if (it != shard.channels.end()) {
      std::unordered_set<std::string_view> users;
      for (const auto& [id, info] : it->second) users.insert(info.user);
      stats.num_clients = static_cast<std::uint32_t>(it->second.size());
      stats.num_users = static_cast<std::uint32_t>(users.size());
    }
  }
  done(stats);
}

void MemoryEngine::maintain() {
  auto now = clock_();
  idempotency_.expire(now);
  for (auto& shard : history_) {
    std::lock_guard lock(shard.mutex);
    for (auto it = shard.streams.begin(); it != shard.streams.end();) {
      expire(it->second, now);
      it = now >= it->second.meta_expire_at ? shard.streams.erase(it) : std::next(it);
    }
  }
}

std::size_t MemoryEngine::stream_count() const {
  std::size_t count = 0;
  for (const auto& shard : history_) {
    std::lock_guard lock(shard.mutex);
    count += shard.streams.size();
  }
  return count;
}

}  // namespace neo::engine
