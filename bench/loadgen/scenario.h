// The three kinds of run the benchmark needs, each bounded in time, each printing one JSON
// object: idle density (S1), fan-out at rising rates (S2, S3) and publish-API throughput (S4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adapter.h"
#include "publisher.h"
#include "subscriber_pool.h"

namespace bench {

struct RunOptions {
  std::string mode;  // idle | fanout | publish
  std::string label;
  TargetOptions target;
  SubscriberOptions subscribers;
  PublisherOptions publisher;
  std::vector<int> server_pids;
  std::vector<double> rates;  // fanout: publications per second per step
  double step_seconds = 5;
  double drain_seconds = 3;
  double settle_seconds = 3;    // idle: wait before reading the server's memory
  double duration_seconds = 5;  // publish
  uint32_t stop_after_failed_steps = 1;
  bool half_peak_step = false;  // fanout: one more step at half the best passing rate
};

// Each returns the JSON result; the exit status is non-zero when the run is not trustworthy.
int run_idle(const RunOptions& options, std::string& json);
int run_fanout(const RunOptions& options, std::string& json);
int run_publish(const RunOptions& options, std::string& json);

}  // namespace bench
