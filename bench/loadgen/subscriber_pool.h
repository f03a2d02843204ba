// Subscriber threads: each owns an epoll instance and its share of the connections, so the
// receive path takes no lock; its statistics are single-writer counters the main thread reads.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapter.h"
#include "histogram.h"
#include "tls.h"

namespace bench {

struct SubscriberOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string channel_pattern;  // "{}" is replaced by the channel index
  uint32_t subscribers = 0;     // across all threads
  uint32_t channels = 1;        // subscriber i listens on channel i % channels
  uint32_t threads = 2;
  uint32_t connect_concurrency = 256;  // per thread: handshakes in progress at once
  uint64_t subscribe_timeout_ns = 60'000'000'000ull;
  bool deflate = false;  // offer permessage-deflate; the server must accept it
  bool tls = false;      // wss: TLS over every subscriber connection (the certificate is not
                         // verified: the bench's server uses a throwaway self-signed one)
};

struct StepCounters {
  Counter delivered;
  Counter out_of_order;  // sequence lower than one already seen from that publisher connection
  Counter duplicates;    // the same sequence number twice
  Histogram latency;     // ns from the publisher's write to this thread's read
};

struct SubscriberStats {
  Counter subscribed;
  Counter failed;  // ended before being subscribed, for any of the reasons below
  Counter connect_failed;
  Counter upgrade_failed;
  Counter protocol_errors;
  Counter server_errors;
  Counter closed_by_server;  // after the upgrade
  Counter timed_out;         // not subscribed within subscribe_timeout_ns
  Counter unparsable;        // deliveries without a readable stamp
  Counter last_subscribed_ns;
  // permessage-deflate: messages that came compressed, their bytes on the wire and inflated.
  Counter compressed_messages;
  Counter compressed_bytes;
  Counter inflated_bytes;
  std::array<StepCounters, kMaxSteps> steps;
  std::vector<Counter> subscribed_per_channel;
};

class SubscriberThread final : private SubSink {
 public:
  SubscriberThread(const SubscriberOptions& options, const TargetOptions& target,
                   uint32_t thread_index);
  ~SubscriberThread();
  SubscriberThread(const SubscriberThread&) = delete;
  SubscriberThread& operator=(const SubscriberThread&) = delete;

  void start_connecting() { go_.store(true, std::memory_order_release); }
  void stop();  // closes every connection and joins
  const SubscriberStats& stats() const { return *stats_; }
  std::vector<std::string> error_samples() const;

 private:
  void run();
  void open_more(uint64_t now);
  void open(SubConn& conn, uint64_t now);
  void on_event(SubConn& conn, uint32_t events);
  void on_connected(SubConn& conn);
  void on_handshake(SubConn& conn);
  void send_upgrade(SubConn& conn);
  void watch(SubConn& conn, bool writable);
  // Byte I/O, plain or TLS: > 0 bytes, 0 the peer closed, -1 with errno set (EAGAIN: later).
  ssize_t receive(SubConn& conn, char* data, size_t size);
  ssize_t transmit(SubConn& conn, const char* data, size_t size);
  void on_readable(SubConn& conn);
  void on_bytes(SubConn& conn, std::string_view data);
  size_t on_frames(SubConn& conn, std::string_view data);
  bool upgrade_accepted(SubConn& conn, std::string_view head);
  void on_payload(SubConn& conn, const ws::Frame& frame);
  void on_message(SubConn& conn, std::string_view message);
  void on_stream_data(SubConn& conn, std::string_view data);
  void flush(SubConn& conn);
  void write_bytes(SubConn& conn, std::string_view bytes);
  void end(SubConn& conn, Counter& reason, std::string_view what);
  void housekeeping(uint64_t now);
  void sample(std::string_view kind, std::string_view what);

  // SubSink
  void delivery(SubConn& conn, std::string_view message) override;
  void subscribed(SubConn& conn) override;
  void server_error(SubConn& conn, std::string_view what) override;
  void protocol_error(SubConn& conn, std::string_view what) override;
  void send(SubConn& conn, ws::Opcode opcode, std::string_view payload) override;

  SubscriberOptions options_;
  std::unique_ptr<SubscriberAdapter> adapter_;
  std::unique_ptr<ws::Inflater> inflater_;  // with options_.deflate only
  std::unique_ptr<TlsClient> tls_;          // with options_.tls only
  std::unique_ptr<SubscriberStats> stats_;
  std::vector<SubConn> conns_;
  std::string host_port_;
  int epoll_fd_ = -1;
  size_t next_to_open_ = 0;
  uint32_t in_progress_ = 0;
  uint64_t now_ = 0;  // time of the current read: latency is measured against it
  uint64_t last_keepalive_ns_ = 0;
  std::vector<char> read_buffer_;
  std::string scratch_;
  std::atomic<bool> go_{false};
  std::atomic<bool> stop_{false};
  mutable std::mutex samples_mutex_;  // error path only
  std::vector<std::string> samples_;
  std::thread thread_;
};

}  // namespace bench
