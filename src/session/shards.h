// Running work on every I/O thread and gathering the answers (server API actions that concern
// connections: disconnect, subscribe, channels, info). `done` runs on the thread that finishes
// last; callers hop to wherever they need to be.
#pragma once

#include <boost/asio/post.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "session/services.h"

namespace neo::session {

template <typename T, typename Work, typename Done>
void gather_from_shards(const std::vector<Shard*>& shards, Work work, Done done) {
  struct State {
    std::mutex mutex;
    std::vector<T> results;
    std::size_t remaining = 0;
    std::function<void(std::vector<T>)> done;
  };
  auto state = std::make_shared<State>();
  state->remaining = shards.size();
  state->done = std::move(done);
  for (Shard* shard : shards) {
    boost::asio::post(shard->io, [shard, work, state] {
      T result = work(*shard);
      std::unique_lock lock(state->mutex);
      state->results.push_back(std::move(result));
      if (--state->remaining != 0) return;
      lock.unlock();
      state->done(std::move(state->results));
    });
  }
}

}  // namespace neo::session
