// AuditLog: one JSON line per denied connect, denied subscribe or publish, server API call
// with a tenant key, and quota hit. Lines go to stdout or an append-only file through a
// background writer, so I/O threads never block on the disk; the queue is bounded and what
// does not fit is counted and reported, never allowed to grow memory. Tokens and secrets are
// never written: callers pass only the fields below.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.h"

namespace neo::audit {

struct Event {
  std::string_view action;  // connect, subscribe, publish, api:<method>, quota:<kind>
  std::string_view user;
  std::string_view tenant;
  std::string_view channel;
  std::string_view reason;
  std::string_view remote;
  std::uint32_t code = 0;  // the error or disconnect code answered (0: allowed)
};

class AuditLog {
 public:
  // Throws std::runtime_error when the file cannot be opened.
  AuditLog(const config::AuditOptions& options, std::string node);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void record(const Event& event);
  bool enabled() const { return enabled_; }
  std::uint64_t dropped() const;

  // Encodes one line (without the newline); exposed for tests.
  static std::string encode(const Event& event, std::string_view node, std::int64_t unix_ms);

 private:
  static constexpr std::size_t kMaxPending = 10000;
  void run();

  bool enabled_;
  std::string node_;
  std::FILE* out_ = nullptr;
  bool owns_file_ = false;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::string> pending_;
  std::uint64_t dropped_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace neo::audit
