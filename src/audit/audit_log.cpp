#include "audit/audit_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "core/json_writer.h"

namespace neo::audit {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_time(std::int64_t unix_ms) {
  std::time_t seconds = unix_ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return buf;
}

}  // namespace

AuditLog::AuditLog(const config::AuditOptions& options, std::string node)
    : enabled_(options.enabled), node_(std::move(node)) {
  if (!enabled_) return;
  if (options.file.empty()) {
    out_ = stdout;
  } else {
    out_ = std::fopen(options.file.c_str(), "a");
    if (!out_) {
      throw std::runtime_error("audit.file: cannot open " + options.file + ": " +
                               std::strerror(errno));
    }
    owns_file_ = true;
  }
  writer_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
  if (owns_file_) std::fclose(out_);
}

std::string AuditLog::encode(const Event& e, std::string_view node, std::int64_t unix_ms) {
  std::string line;
  JsonWriter w(line);
  w.begin_object().field("time", iso_time(unix_ms)).field("node", node).field("action", e.action);
  w.field("user", e.user).field("tenant", e.tenant).field("channel", e.channel);
  w.field("reason", e.reason).field("remote", e.remote).field_u64("code", e.code);
  w.end_object();
  return line;
}

void AuditLog::record(const Event& event) {
  if (!enabled_) return;
  std::string line = encode(event, node_, now_ms());
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() >= kMaxPending) {
      ++dropped_;
      return;
    }
    pending_.push_back(std::move(line));
  }
  wake_.notify_one();
}

std::uint64_t AuditLog::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void AuditLog::run() {
  std::vector<std::string> batch;
  std::uint64_t reported_drops = 0;
  while (true) {
    std::uint64_t drops = 0;
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      batch.swap(pending_);
      drops = dropped_;
      stop = stopping_;
    }
    for (const auto& line : batch) {
      std::fwrite(line.data(), 1, line.size(), out_);
      std::fputc('\n', out_);
    }
    if (drops != reported_drops) {
      std::string line =
          encode(Event{"audit:dropped", "", "", "", "queue full", "", 0}, node_, now_ms());
      std::fprintf(out_, "%s\n", line.c_str());
      reported_drops = drops;
    }
    std::fflush(out_);
    batch.clear();
    if (stop) return;
  }
}

}  // namespace neo::audit
