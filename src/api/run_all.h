// Runs prepared API actions together and answers once the last one has finished, with the
// results in the order of the actions (broadcast, batch). Actions may finish on any thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "api/server_api.h"

namespace neo::api {

inline void run_all(std::vector<Action> actions,
                    std::function<void(std::vector<Result<std::string>>)> done) {
  struct State {
    std::vector<std::optional<Result<std::string>>> slots;
    std::atomic<std::size_t> remaining;
    std::function<void(std::vector<Result<std::string>>)> done;
  };
  auto state = std::make_shared<State>();
  state->slots.resize(actions.size());
  state->remaining = actions.size() + 1;
  state->done = std::move(done);
  auto finish_one = [state] {
    if (state->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::vector<Result<std::string>> results;
    results.reserve(state->slots.size());
    for (auto& slot : state->slots) results.push_back(std::move(*slot));
    state->done(std::move(results));
  };
  for (std::size_t i = 0; i < actions.size(); ++i) {
    actions[i]([state, i, finish_one](Result<std::string> r) {
      state->slots[i].emplace(std::move(r));
      finish_one();
    });
  }
  finish_one();
}

}  // namespace neo::api
