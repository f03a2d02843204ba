// Settings: what a reload (SIGHUP) replaces, immutable once built: the config, and the channel
// policy and token verifier made from it. LiveSettings hands the current one to every thread.
//
// Readers never lock. Each I/O thread holds its own reference to one Settings (a "pin") and
// reads that; a reload installs the next Settings and then posts a pin() to every I/O thread,
// which runs between two handlers, so no handler ever sees its settings change or vanish
// half-way, and an old Settings is freed when the last thread lets go of it. Pointers into a
// Settings (a namespace's options, say) are therefore good for the handler that took them and
// must not be kept beyond it: what a subscription needs later is copied into it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "auth/policy.h"
#include "auth/token.h"
#include "config/config.h"

namespace neo::session {

struct Settings {
  // Throws std::runtime_error when a token key cannot be loaded (validated before, normally).
  explicit Settings(config::Config c)
      : config(std::move(c)), policy(config), verifier(config.client.token) {}
  Settings(const Settings&) = delete;
  Settings& operator=(const Settings&) = delete;

  const config::Config config;
  const auth::Policy policy;  // refers to `config`
  const auth::TokenVerifier verifier;
};

class LiveSettings {
 public:
  explicit LiveSettings(std::shared_ptr<const Settings> first);
  LiveSettings(const LiveSettings&) = delete;
  LiveSettings& operator=(const LiveSettings&) = delete;

  // A reload: threads read `next` once they pin again.
  void replace(std::shared_ptr<const Settings> next);
  // Makes this thread read the latest settings from now on. Call only where nothing of the
  // previous ones is held: a handler of its own, or the entry of a call from another library's
  // thread (the Redis engine's). Lock-free when nothing changed.
  void pin() const;
  // This thread's pinned settings; a thread that never pinned reads the latest (tests, start-up).
  const Settings& get() const;
  std::shared_ptr<const Settings> latest() const;

 private:
  struct Pin {
    std::uint64_t owner = 0;  // LiveSettings::id_; 0 = none
    std::uint64_t generation = 0;
    std::shared_ptr<const Settings> settings;
  };
  static Pin& this_thread();

  const std::uint64_t id_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Settings> latest_;
  std::atomic<std::uint64_t> generation_{1};
};

}  // namespace neo::session
