// limits::SharedRate for unit tests: one budget shared by every RateLeases/Limits given it, in
// one-second windows of the test's clock (`*now`), granting as the Redis script does. Answers at
// once or, when `deferred`, keeps the leases until answer_waiting() (as Redis answers later,
// on another thread); `reachable = false` answers every lease unreachable.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "limits/shared_rate.h"
#include "limits/token_bucket.h"

namespace neo::test {

class FakeSharedRate final : public limits::SharedRate {
 public:
  struct Asked {
    std::string tenant;
    std::uint32_t rate;
    std::uint32_t wanted;
  };

  // Windows start at `epoch` + whole seconds; `now` is the test's clock.
  FakeSharedRate(const limits::SteadyTime* now, limits::SteadyTime epoch)
      : now_(now), epoch_(epoch) {}

  void lease(std::string_view tenant, std::uint32_t rate, std::uint32_t wanted,
             OnGrant done) override {
    asked.push_back({std::string(tenant), rate, wanted});
    auto answer = [this, tenant = std::string(tenant), rate, wanted, done = std::move(done)] {
      done(grant(tenant, rate, wanted));
    };
    if (deferred) return waiting.push_back(std::move(answer));
    answer();
  }

  // Answers the leases asked so far (not those asked while answering).
  void answer_waiting() {
    for (auto& answer : std::exchange(waiting, {})) answer();
  }

  bool reachable = true;
  bool deferred = false;
  std::vector<Asked> asked;
  std::vector<std::function<void()>> waiting;

 private:
  Grant grant(const std::string& tenant, std::uint32_t rate, std::uint32_t wanted) {
    if (!reachable) return {};
    auto since = std::chrono::duration_cast<std::chrono::milliseconds>(*now_ - epoch_).count();
    std::int64_t window = since / 1000;
    auto& [current, used] = windows_[tenant];
    if (current != window) {
      current = window;
      used = 0;
    }
    std::uint32_t granted = std::min(wanted, rate - std::min(rate, used));
    used += granted;
    return {true, granted, std::chrono::milliseconds(1000 - since % 1000)};
  }

  const limits::SteadyTime* now_;
  limits::SteadyTime epoch_;
  std::map<std::string, std::pair<std::int64_t, std::uint32_t>> windows_;
};

}  // namespace neo::test
