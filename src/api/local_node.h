// What this node knows about itself, for the `info` and `channels` API methods and for the
// cluster (announcements, surveys, commands relayed from other nodes).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "api/server_api.h"
#include "cluster/cluster.h"
#include "session/services.h"

namespace neo::api {

// Channel -> number of this node's subscribers.
using ChannelCounts = std::map<std::string, std::uint64_t>;

// The channels of this node matching `pattern` (empty: all); `done` runs on an I/O thread.
void local_channel_counts(session::Services& services, std::string pattern,
                          std::function<void(ChannelCounts)> done);
// {"<channel>":<n>,...} and back; false for a malformed reply.
std::string encode_channel_counts(const ChannelCounts& counts);
bool add_channel_counts(std::string_view json, ChannelCounts& total);

// This node's figures; `done` runs on an I/O thread.
void describe_node(session::Services& services, std::chrono::steady_clock::time_point started,
                   std::function<void(cluster::NodeInfo)> done);

// The cluster's view of this node: figures, relayed commands, survey answers.
class ClusterBridge final : public cluster::LocalNode {
 public:
  explicit ClusterBridge(session::Services& services);
  void describe(std::function<void(cluster::NodeInfo)> done) override;
  void run_command(std::string_view method, std::string_view params) override;
  void answer_survey(std::string_view method, std::string_view params,
                     std::function<void(std::string)> reply) override;

 private:
  session::Services& services_;
  ServerApi api_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace neo::api
