// TimerWheel: deadlines for very many objects at the cost of the ones that are due. Each
// object embeds a Hook (two pointers and a slot) and is linked into the slot of its due time;
// advance() visits only the slots that time has passed. Scheduling and cancelling are O(1) and
// allocate nothing. Due times beyond the wheel's horizon land in its farthest slot and fire
// early; the owner simply schedules again. Single-threaded (one per I/O thread).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace neo {

class TimerWheel {
 public:
  using Clock = std::chrono::steady_clock;

  class Hook {
   public:
    Hook() = default;
    Hook(const Hook&) = delete;
    Hook& operator=(const Hook&) = delete;
    ~Hook() { unlink(); }
    bool scheduled() const { return prev_ != nullptr; }
    void unlink() {
      if (!prev_) return;
      prev_->next_ = next_;
      if (next_) next_->prev_ = prev_;
      prev_ = next_ = nullptr;
    }

   private:
    friend class TimerWheel;
    Hook* prev_ = nullptr;  // the slot's head sentinel or the previous hook
    Hook* next_ = nullptr;
  };

  TimerWheel(Clock::duration resolution, std::size_t slots, Clock::time_point start)
      : resolution_(resolution), heads_(slots), current_(ticks(start)) {}
  // Hooks may outlive the wheel (their owners are destroyed later): leave none pointing here.
  ~TimerWheel() {
    for (auto& head : heads_)
      while (Hook* hook = head.next_) hook->unlink();
  }
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // (Re)schedules `hook` to fire at the first advance() at or after `due` (late by less than
  // the resolution, never early).
  void schedule(Hook& hook, Clock::time_point due) {
    hook.unlink();
    std::uint64_t at = std::max(first_tick_at_or_after(due), current_ + 1);  // due: next advance
    if (at - current_ >= heads_.size()) at = current_ + heads_.size() - 1;
    Hook& head = heads_[at % heads_.size()];
    hook.next_ = head.next_;
    hook.prev_ = &head;
    if (head.next_) head.next_->prev_ = &hook;
    head.next_ = &hook;
  }

  // Fires every hook whose slot time has passed, unlinked first, so `fire` may schedule it
  // again or destroy its owner.
  template <typename Fire>
  void advance(Clock::time_point now, Fire&& fire) {
    std::uint64_t target = ticks(now);
    std::size_t steps = 0;
    while (current_ < target && steps++ < heads_.size()) {
      ++current_;
      Hook& head = heads_[current_ % heads_.size()];
      while (Hook* hook = head.next_) {
        hook->unlink();
        fire(*hook);
      }
    }
    current_ = std::max(current_, target);
  }

 private:
  // Times before the clock's epoch count as its epoch: a far-past deadline is simply due.
  std::uint64_t ticks(Clock::time_point t) const {
    auto since = std::max(t.time_since_epoch(), Clock::duration::zero());
    return static_cast<std::uint64_t>(since / resolution_);
  }
  // ticks() rounded up, so a hook never fires before its time. `due + resolution_` would
  // overflow for a due time near time_point::max().
  std::uint64_t first_tick_at_or_after(Clock::time_point due) const {
    auto since = due.time_since_epoch();
    bool between_ticks =
        since > Clock::duration::zero() && since % resolution_ != Clock::duration::zero();
    return ticks(due) + (between_ticks ? 1 : 0);
  }

  Clock::duration resolution_;
  std::vector<Hook> heads_;  // sentinels; only next_ is used
  std::uint64_t current_;    // the last slot time advance() processed
};

}  // namespace neo
