// The publisher thread: a few keep-alive connections, paced to a target rate, counting
// acknowledged and failed publications per channel so loss can be computed exactly.
#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapter.h"
#include "histogram.h"

namespace bench {

struct PublisherOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string channel_pattern;
  uint32_t channels = 1;
  uint32_t connections = 1;  // at most kMaxPublisherConns
  uint32_t pipeline = 1;     // requests in flight per connection
  uint32_t batch = 100;      // publications per request at most (capped by the adapter)
  uint32_t pad_bytes = 0;
};

// Per rate step (by the step a request was written in): how the server answered.
struct PublisherStepStats {
  Histogram ack_latency;  // ns from writing a request to its last acknowledgement
  Counter max_in_flight;  // requests written and not yet answered, over all connections
};

struct PublisherStats {
  Counter issued;
  Counter acked;
  Counter failed;
  Counter errors;      // error replies and protocol problems
  Counter dead_conns;  // connections lost (their outstanding publications count as failed)
  std::vector<Counter> acked_per_channel;
  std::array<PublisherStepStats, kMaxSteps> steps{};
};

class Publisher final : private AckSink {
 public:
  Publisher(const PublisherOptions& options, const TargetOptions& target);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  bool connected() const { return connected_ok_; }
  // rate > 0: publications per second from now on, tagged with `step`; 0: pause; < 0: as fast
  // as the pipeline allows.
  void set_rate(uint32_t step, double rate);
  uint64_t outstanding() const {
    return stats_->issued.get() - stats_->acked.get() - stats_->failed.get();
  }
  const PublisherStats& stats() const { return *stats_; }
  std::vector<std::string> error_samples() const;
  void stop();

 private:
  struct Request {
    uint64_t first = 0;  // index of its first publication among the connection's
    uint32_t count = 0;
    uint32_t acked = 0;
    uint32_t step = 0;
    uint64_t sent_ns = 0;
  };
  struct Conn {
    int fd = -1;
    uint32_t index = 0;
    bool dead = false;
    std::unique_ptr<PublisherAdapter> adapter;
    std::string in;
    std::string out;
    std::deque<Request> inflight;
    uint64_t published = 0;  // publications issued so far (also the last sequence number)
  };

  bool connect_all(const TargetOptions& target);
  void run();
  void issue(uint64_t now);
  void send_request(Conn& conn, uint32_t count, uint64_t now);
  void on_readable(Conn& conn);
  void flush(Conn& conn);
  void kill(Conn& conn, std::string_view why);
  uint32_t channel_of(const Conn& conn, uint64_t publication) const;
  void ack(Conn& conn, Request& request, uint32_t n);
  void answered(const Request& request);
  void sample(std::string_view what);

  // AckSink, for the connection being parsed (current_)
  void request_done(uint32_t succeeded) override;
  void message_acked() override;
  void error(std::string_view what) override;
  void reply(std::string_view bytes) override;

  PublisherOptions options_;
  std::unique_ptr<PublisherStats> stats_;
  std::vector<std::string> channel_names_;
  std::vector<Conn> conns_;
  Conn* current_ = nullptr;
  int epoll_fd_ = -1;
  bool connected_ok_ = false;
  std::vector<char> payloads_;
  std::vector<PubMessage> messages_;
  std::vector<char> read_buffer_;
  // Set by the main thread; the generation tells the publisher thread a new step began.
  std::atomic<uint64_t> generation_{0};
  std::atomic<double> rate_{0};
  std::atomic<uint32_t> step_{0};
  uint64_t seen_generation_ = 0;
  uint64_t step_start_ns_ = 0;
  uint64_t issued_in_step_ = 0;
  size_t next_conn_ = 0;
  uint64_t in_flight_ = 0;  // requests, over all connections
  std::atomic<bool> stop_{false};
  mutable std::mutex samples_mutex_;
  std::vector<std::string> samples_;
  std::thread thread_;
};

}  // namespace bench
