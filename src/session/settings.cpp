#include "session/settings.h"

namespace neo::session {
namespace {
// Ids rather than addresses: a LiveSettings made where a destroyed one was must not inherit
// a thread's old pin.
std::atomic<std::uint64_t> next_id{1};
}  // namespace

LiveSettings::LiveSettings(std::shared_ptr<const Settings> first)
    : id_(next_id.fetch_add(1)), latest_(std::move(first)) {}

auto LiveSettings::this_thread() -> Pin& {
  thread_local Pin pin;
  return pin;
}

void LiveSettings::replace(std::shared_ptr<const Settings> next) {
  std::lock_guard lock(mutex_);
  latest_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
}

void LiveSettings::pin() const {
  Pin& pin = this_thread();
  if (pin.owner == id_ && pin.generation == generation_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(mutex_);
  pin = Pin{id_, generation_.load(std::memory_order_relaxed), latest_};
}

const Settings& LiveSettings::get() const {
  const Pin& pin = this_thread();
  if (pin.owner == id_) return *pin.settings;
  std::lock_guard lock(mutex_);
  return *latest_;
}

std::shared_ptr<const Settings> LiveSettings::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

}  // namespace neo::session
