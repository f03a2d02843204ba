// limits::SharedQuota for unit tests: answers `answer` at once or, when `deferred`, keeps the
// callbacks until answer_waiting() (as a remote count answers later, on its own thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "limits/shared_quota.h"

namespace neo::test {

class FakeSharedQuota final : public limits::SharedQuota {
 public:
  void acquire(std::string_view tenant, std::uint32_t max, Done done) override {
    asked.emplace_back(tenant, max);
    if (deferred) return waiting.push_back(std::move(done));
    done(answer);
  }
  void release(std::string_view tenant) override { released.emplace_back(tenant); }
  void forget_node(std::string_view node) override { forgotten.emplace_back(node); }

  void answer_waiting() {
    for (auto& done : std::exchange(waiting, {})) done(answer);
  }

  Answer answer = Answer::admitted;
  bool deferred = false;
  std::vector<Done> waiting;
  std::vector<std::pair<std::string, std::uint32_t>> asked;
  std::vector<std::string> released;
  std::vector<std::string> forgotten;
};

}  // namespace neo::test
