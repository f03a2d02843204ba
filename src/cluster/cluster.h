// Cluster: what makes several nodes one service, over the engine's control plane.
// - Every node announces itself (counts, tenants' connections) every kAnnounceInterval; the
//   others keep it in their NodeRegistry until kNodeExpiry passes without news.
// - Server API commands that act on connections (subscribe, unsubscribe, disconnect, refresh)
//   are broadcast; every other node runs them on its own connections.
// - Surveys ask every live node a question (channels) and gather the replies, waiting at most
//   kSurveyTimeout for nodes that do not answer.
//
// Threading: receive() may be called on any thread (the engine's); everything that touches
// surveys runs on the `home` io_context (one I/O thread), so they need no lock.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/control_message.h"
#include "cluster/node_registry.h"
#include "engine/engine.h"

namespace neo::cluster {

using TenantCounts = std::unordered_map<std::string, std::uint32_t>;

// The node's side of the conversation, implemented above the cluster layer (by the API).
class LocalNode {
 public:
  virtual ~LocalNode() = default;
  // This node's figures; `done` may run on any thread.
  virtual void describe(std::function<void(NodeInfo)> done) = 0;
  // A command another node accepted for every node, already validated there.
  virtual void run_command(std::string_view method, std::string_view params) = 0;
  // This node's answer (a JSON value) to another node's survey; `reply` may run on any thread.
  virtual void answer_survey(std::string_view method, std::string_view params,
                             std::function<void(std::string)> reply) = 0;
};

class Cluster {
 public:
  static constexpr std::chrono::seconds kAnnounceInterval{2};
  static constexpr std::chrono::seconds kNodeExpiry{6};  // three announcements missed
  static constexpr std::chrono::seconds kSurveyTimeout{3};

  using TenantCountsSink = std::function<void(const TenantCounts&)>;
  Cluster(engine::Engine& engine, boost::asio::io_context& home, std::string node_id);
  ~Cluster();

  // Wires the node in; `tenants` receives the other nodes' connections per tenant whenever
  // they change. Call before the engine starts delivering control messages.
  void start(LocalNode& local, TenantCountsSink tenants);
  // `gone` hears, on the home thread, of every node that said goodbye or stopped announcing
  // (crashed): what it held in shared counts must be freed.
  using NodeGoneSink = std::function<void(const std::string& node)>;
  void on_node_gone(NodeGoneSink gone) { gone_ = std::move(gone); }
  // About once a second on the home thread: announce when due, forget silent nodes.
  void tick();
  // Graceful stop: tell the others at once; `done` when the broker took the message.
  void leave(engine::Callback<Unit> done);

  void receive(std::string_view message);

  void broadcast_command(std::string method, std::string params, engine::Callback<Unit> done);
  // The replies of every other live node (each a JSON value); `done` runs on the home thread.
  void survey(std::string method, std::string params,
              std::function<void(std::vector<std::string>)> done);

  std::vector<NodeInfo> other_nodes();
  const std::string& node_id() const { return node_id_; }

 private:
  struct Survey {
    std::unordered_set<std::string> waiting_for;
    std::vector<std::string> replies;
    std::function<void(std::vector<std::string>)> done;
    std::unique_ptr<boost::asio::steady_timer> deadline;
  };
  void handle(ControlMessage message);
  void announce();
  void publish_tenant_counts();
  void report_gone_nodes();
  void on_reply(const ControlMessage& message);
  void finish_survey(std::uint64_t id);
  void forget_in_surveys(const std::string& node);

  engine::Engine& engine_;
  boost::asio::io_context& home_;
  const std::string node_id_;
  NodeRegistry registry_{kNodeExpiry};
  LocalNode* local_ = nullptr;
  TenantCountsSink tenants_;
  NodeGoneSink gone_;
  TenantCounts last_counts_;  // what the sink got last (home thread only)
  bool published_ = false;
  SteadyClock::time_point next_announce_{};
  std::uint64_t next_survey_id_ = 0;
  std::unordered_map<std::uint64_t, Survey> surveys_;  // home thread only
};

}  // namespace neo::cluster
