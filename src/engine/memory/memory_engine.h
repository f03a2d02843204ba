// The in-process engine: history streams and presence in sharded maps, fan-out by calling the
// handler directly. Any I/O thread may call it; each shard has its own mutex, held only for the
// map work and the handler call (which only posts to I/O threads).
#pragma once

#include <array>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/config.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "engine/memory/idempotency_cache.h"

namespace neo::engine {

class MemoryEngine final : public Engine {
 public:
  using Clock = std::function<SteadyClock::time_point()>;
  explicit MemoryEngine(
      Clock clock = SteadyClock::now,
      std::size_t idempotency_max_keys = config::ApiOptions{}.idempotency_max_keys);

  void start(EventHandler& handler) override { handler_ = &handler; }
  void stop() override {}
  bool healthy() const override { return true; }
  void maintain() override;

  using Engine::publish;
  void publish(std::string_view channel, Publication pub, const HistoryOptions& history,
               const Idempotency& idempotency, Callback<StreamPosition> done) override;
  void publish_join(std::string_view channel, const ClientInfo& info) override;
  void publish_leave(std::string_view channel, const ClientInfo& info) override;
  void subscribe(std::string_view) override {}
  void unsubscribe(std::string_view) override {}

  void history(std::string_view channel, const HistoryQuery& query, const HistoryOptions& options,
               Callback<HistoryResult> done) override;
  void remove_history(std::string_view channel, Callback<Unit> done) override;

  void add_presence(std::string_view channel, const ClientInfo& info) override;
  void remove_presence(std::string_view channel, std::string_view client_id) override;
  void presence(std::string_view channel, Callback<std::vector<ClientInfo>> done) override;
  void presence_stats(std::string_view channel, Callback<PresenceStats> done) override;

  // For tests and metrics.
  std::size_t stream_count() const;
  std::size_t idempotency_key_count() const { return idempotency_.size(); }

 private:
  struct Stream {
    std::string epoch;
    std::uint64_t top = 0;
    std::deque<Publication> pubs;  // ascending offsets, at most options.size
    SteadyClock::time_point pubs_expire_at;
    SteadyClock::time_point meta_expire_at;
  };
  struct HistoryShard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Stream> streams;
  };
  struct PresenceShard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::unordered_map<std::string, ClientInfo>> channels;
  };
  static constexpr std::size_t kShards = 64;

  HistoryShard& history_shard(std::string_view channel);
  PresenceShard& presence_shard(std::string_view channel);
  Stream& touch_stream(HistoryShard& shard, std::string_view channel, const HistoryOptions& opts,
                       SteadyClock::time_point now);
  void expire(Stream& stream, SteadyClock::time_point now) const;
  StreamPosition append(HistoryShard& shard, std::string_view channel, Publication& pub,
                        const HistoryOptions& history, SteadyClock::time_point now);
  void publish_once(std::string_view channel, Publication pub, const HistoryOptions& history,
                    const Idempotency& idempotency, Callback<StreamPosition> done);

  Clock clock_;
  EventHandler* handler_ = nullptr;
  std::array<HistoryShard, kShards> history_;
  std::array<PresenceShard, kShards> presence_;
  IdempotencyCache idempotency_;
};

}  // namespace neo::engine
