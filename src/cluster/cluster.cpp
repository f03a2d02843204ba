#include "cluster/cluster.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace neo::cluster {

namespace asio = boost::asio;
using Kind = ControlMessage::Kind;

namespace {

void ignore(Result<Unit>) {}

}  // namespace

Cluster::Cluster(engine::Engine& engine, asio::io_context& home, std::string node_id)
    : engine_(engine), home_(home), node_id_(std::move(node_id)) {}

Cluster::~Cluster() = default;

void Cluster::start(LocalNode& local, TenantCountsSink tenants) {
  local_ = &local;
  tenants_ = std::move(tenants);
}

void Cluster::tick() {
  auto now = SteadyClock::now();
  if (now >= next_announce_) {
    next_announce_ = now + kAnnounceInterval;
    announce();
  }
  report_gone_nodes();
  publish_tenant_counts();  // also forgets the tenants of nodes that fell silent
}

void Cluster::report_gone_nodes() {
  for (const auto& node : registry_.take_expired(SteadyClock::now())) {
    spdlog::info("cluster: node {} stopped announcing, forgotten", node);
    if (gone_) gone_(node);
  }
}

void Cluster::announce() {
  if (!local_) return;
  local_->describe([this](NodeInfo info) {
    ControlMessage m{Kind::node, node_id_, std::move(info), {}, {}, 0};
    m.node.uid = node_id_;
    engine_.publish_control("", encode(m), ignore);
  });
}

// Only changes reach the sink: the quota's maps are rebuilt under their locks, so an unchanged
// cluster (every tick) costs one comparison.
void Cluster::publish_tenant_counts() {
  if (!tenants_) return;
  auto counts = registry_.tenant_connections(SteadyClock::now());
  if (published_ && counts == last_counts_) return;
  published_ = true;
  last_counts_ = counts;
  tenants_(last_counts_);
}

void Cluster::leave(engine::Callback<Unit> done) {
  engine_.publish_control("", encode(ControlMessage{Kind::bye, node_id_, {}, {}, {}, 0}),
                          std::move(done));
}

void Cluster::receive(std::string_view text) {
  auto message = decode(text);
  if (!message) {
    spdlog::warn("cluster: ignored a malformed control message ({} bytes)", text.size());
    return;
  }
  if (message->from == node_id_) return;  // our own broadcast, back from the broker
  asio::post(home_, [this, m = std::move(*message)]() mutable { handle(std::move(m)); });
}

void Cluster::handle(ControlMessage m) {
  switch (m.kind) {
    case Kind::node:
      registry_.update(std::move(m.node), SteadyClock::now());
      return publish_tenant_counts();
    case Kind::bye:
      registry_.remove(m.from);
      forget_in_surveys(m.from);
      if (gone_) gone_(m.from);
      return publish_tenant_counts();
    case Kind::command:
      if (local_) local_->run_command(m.method, m.body);
      return;
    case Kind::survey:
      if (!local_) return;
      return local_->answer_survey(
          m.method, m.body, [this, to = m.from, id = m.survey_id](std::string data) {
            ControlMessage reply{Kind::reply, node_id_, {}, {}, std::move(data), id};
            engine_.publish_control(to, encode(reply), ignore);
          });
    case Kind::reply:
      return on_reply(m);
  }
}

void Cluster::broadcast_command(std::string method, std::string params,
                                engine::Callback<Unit> done) {
  ControlMessage m{Kind::command, node_id_, {}, std::move(method), std::move(params), 0};
  engine_.publish_control("", encode(m), std::move(done));
}

void Cluster::survey(std::string method, std::string params,
                     std::function<void(std::vector<std::string>)> done) {
  asio::post(home_, [this, method = std::move(method), params = std::move(params),
                     done = std::move(done)]() mutable {
    auto ids = registry_.live_ids(SteadyClock::now());
    if (ids.empty()) return done({});
    std::uint64_t id = ++next_survey_id_;
    Survey& s = surveys_[id];
    s.waiting_for.insert(ids.begin(), ids.end());
    s.done = std::move(done);
    s.deadline = std::make_unique<asio::steady_timer>(home_, kSurveyTimeout);
    s.deadline->async_wait([this, id](boost::system::error_code ec) {
      if (!ec) finish_survey(id);
    });
    ControlMessage m{Kind::survey, node_id_, {}, std::move(method), std::move(params), id};
    engine_.publish_control("", encode(m), [this, id](Result<Unit> r) {
      if (!r.ok()) asio::post(home_, [this, id] { finish_survey(id); });
    });
  });
}

void Cluster::on_reply(const ControlMessage& m) {
  auto it = surveys_.find(m.survey_id);
  if (it == surveys_.end() || !it->second.waiting_for.erase(m.from)) return;
  it->second.replies.push_back(m.body);
  if (it->second.waiting_for.empty()) finish_survey(m.survey_id);
}

// Whatever arrived by now: a node that died since its last announcement must not hold the
// caller up for longer than kSurveyTimeout.
void Cluster::finish_survey(std::uint64_t id) {
  auto it = surveys_.find(id);
  if (it == surveys_.end()) return;
  Survey s = std::move(it->second);
  surveys_.erase(it);
  if (!s.waiting_for.empty())
    spdlog::warn("cluster: survey {} finished without {} node(s)", id, s.waiting_for.size());
  s.deadline->cancel();
  s.done(std::move(s.replies));
}

// A node that left will not answer: its open surveys stop waiting for it.
void Cluster::forget_in_surveys(const std::string& node) {
  std::vector<std::uint64_t> complete;
  for (auto& [id, survey] : surveys_)
    if (survey.waiting_for.erase(node) && survey.waiting_for.empty()) complete.push_back(id);
  for (auto id : complete) finish_survey(id);
}

std::vector<NodeInfo> Cluster::other_nodes() { return registry_.live(SteadyClock::now()); }

}  // namespace neo::cluster
