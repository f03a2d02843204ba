// neo::cluster::Cluster (src/cluster/cluster.h) over a fake engine that records what it is
// asked to publish on the control plane, and a fake LocalNode. Messages from "other nodes" are
// fed in by hand with receive(); two-node behaviour is had by wiring two Clusters to their own
// FakeEngines and forwarding the recorded messages. The home io_context is run by the test
// (poll for what is ready, run_for for the survey timeout).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/control_message.h"
#include "engine/engine.h"

namespace neo::cluster {
namespace {

using namespace std::chrono_literals;
using Kind = ControlMessage::Kind;
using Tenants = std::vector<std::pair<std::string, std::uint32_t>>;

// ---- fakes ---------------------------------------------------------------------------------

struct Published {
  std::string to;
  std::string message;
};

class FakeEngine final : public engine::Engine {
 public:
  void start(engine::EventHandler&) override {}
  void stop() override {}
  bool healthy() const override { return true; }
  void maintain() override {}
  void publish(std::string_view, Publication, const engine::HistoryOptions&,
               const engine::Idempotency&, engine::Callback<StreamPosition> done) override {
    done(StreamPosition{});
  }
  void publish_join(std::string_view, const ClientInfo&) override {}
  void publish_leave(std::string_view, const ClientInfo&) override {}
  void subscribe(std::string_view) override {}
  void unsubscribe(std::string_view) override {}
  void publish_control(std::string_view to_node, std::string message,
                       engine::Callback<Unit> done) override {
    published.push_back({std::string(to_node), std::move(message)});
    if (fail) {
      done(Error{1, "broker unavailable", true});
    } else {
      done(Unit{});
    }
  }
  void history(std::string_view, const engine::HistoryQuery&, const engine::HistoryOptions&,
               engine::Callback<HistoryResult> done) override {
    done(HistoryResult{});
  }
  void remove_history(std::string_view, engine::Callback<Unit> done) override { done(Unit{}); }
  void add_presence(std::string_view, const ClientInfo&) override {}
  void remove_presence(std::string_view, std::string_view) override {}
  void presence(std::string_view, engine::Callback<std::vector<ClientInfo>> done) override {
    done(std::vector<ClientInfo>{});
  }
  void presence_stats(std::string_view, engine::Callback<PresenceStats> done) override {
    done(PresenceStats{});
  }

  ControlMessage decoded(std::size_t i) const {
    auto m = decode(published.at(i).message);
    EXPECT_TRUE(m.has_value()) << published.at(i).message;
    return m.value_or(ControlMessage{});
  }

  std::vector<Published> published;
  bool fail = false;
};

struct Call {
  std::string method;
  std::string params;
};

class FakeLocal final : public LocalNode {
 public:
  FakeLocal() {
    info.uid = "not-my-id";  // Cluster must announce with its own id whatever this says
    info.name = "fake-node";
    info.version = "0.0.1";
    info.num_clients = 4;
    info.num_users = 3;
    info.num_channels = 2;
    info.num_subs = 5;
    info.uptime = 60;
    info.tenants = {{"acme", 4}};
  }
  void describe(std::function<void(NodeInfo)> done) override {
    ++describes;
    done(info);
  }
  void run_command(std::string_view method, std::string_view params) override {
    commands.push_back({std::string(method), std::string(params)});
  }
  void answer_survey(std::string_view method, std::string_view params,
                     std::function<void(std::string)> reply) override {
    surveys.push_back({std::string(method), std::string(params)});
    if (silent) {
      held.push_back(std::move(reply));
    } else {
      reply(answer);
    }
  }

  NodeInfo info;
  std::string answer = R"({"channels":{"x":1}})";
  bool silent = false;
  int describes = 0;
  std::vector<Call> commands;
  std::vector<Call> surveys;
  std::vector<std::function<void(std::string)>> held;
};

// ---- messages from other nodes -------------------------------------------------------------

std::string node_text(const std::string& uid, const std::string& name, Tenants tenants = {}) {
  ControlMessage m;
  m.kind = Kind::node;
  m.from = uid;
  m.node.uid = uid;
  m.node.name = name;
  m.node.num_clients = 1;
  m.node.tenants = std::move(tenants);
  return encode(m);
}

std::string bye_text(const std::string& uid) {
  ControlMessage m;
  m.kind = Kind::bye;
  m.from = uid;
  return encode(m);
}

std::string command_text(const std::string& from, const std::string& method,
                         const std::string& params) {
  ControlMessage m;
  m.kind = Kind::command;
  m.from = from;
  m.method = method;
  m.body = params;
  return encode(m);
}

std::string survey_text(const std::string& from, std::uint64_t id, const std::string& method,
                        const std::string& params) {
  ControlMessage m;
  m.kind = Kind::survey;
  m.from = from;
  m.survey_id = id;
  m.method = method;
  m.body = params;
  return encode(m);
}

std::string reply_text(const std::string& from, std::uint64_t id, const std::string& data) {
  ControlMessage m;
  m.kind = Kind::reply;
  m.from = from;
  m.survey_id = id;
  m.body = data;
  return encode(m);
}

// Runs whatever is ready on the home io_context.
void drain(boost::asio::io_context& io) {
  io.restart();
  io.poll();
}

struct SurveyResult {
  int calls = 0;
  std::vector<std::string> replies;
};

std::function<void(std::vector<std::string>)> collect(SurveyResult& result) {
  return [&result](std::vector<std::string> replies) {
    ++result.calls;
    result.replies = std::move(replies);
  };
}

// ---- one cluster, messages fed by hand -----------------------------------------------------

class ClusterTest : public ::testing::Test {
 protected:
  ClusterTest() {
    cluster.start(local, [this](const TenantCounts& counts) { sink.push_back(counts); });
  }

  std::vector<std::string> other_uids() {
    std::vector<std::string> out;
    for (const auto& n : cluster.other_nodes()) out.push_back(n.uid);
    return out;
  }

  // Nothing was registered, fed to the tenant sink, run, answered or published.
  void expect_no_effect() {
    EXPECT_TRUE(cluster.other_nodes().empty());
    EXPECT_TRUE(sink.empty());
    EXPECT_TRUE(local.commands.empty());
    EXPECT_TRUE(local.surveys.empty());
    EXPECT_TRUE(engine.published.empty());
  }

  // Starts a survey and returns the id it was published with.
  std::uint64_t start_survey(SurveyResult& result, std::string method = "channels",
                             std::string params = R"({"pattern":"*"})") {
    std::size_t before = engine.published.size();
    cluster.survey(std::move(method), std::move(params), collect(result));
    drain(io);
    EXPECT_EQ(engine.published.size(), before + 1);
    if (engine.published.size() != before + 1) return 0;
    ControlMessage m = engine.decoded(before);
    EXPECT_EQ(m.kind, Kind::survey);
    return m.survey_id;
  }

  boost::asio::io_context io;  // declared first: outlives the cluster
  FakeEngine engine;
  FakeLocal local;
  Cluster cluster{engine, io, "self"};
  std::vector<TenantCounts> sink;
};

TEST_F(ClusterTest, NodeIdIsTheOneGiven) { EXPECT_EQ(cluster.node_id(), "self"); }

TEST_F(ClusterTest, TickAnnouncesItselfWithItsOwnId) {
  cluster.tick();
  ASSERT_EQ(engine.published.size(), 1u);
  EXPECT_EQ(engine.published[0].to, "");  // a broadcast
  ControlMessage m = engine.decoded(0);
  EXPECT_EQ(m.kind, Kind::node);
  EXPECT_EQ(m.from, "self");
  EXPECT_EQ(m.node.uid, "self");
  EXPECT_EQ(m.node.name, "fake-node");
  EXPECT_EQ(m.node.version, "0.0.1");
  EXPECT_EQ(m.node.num_clients, 4u);
  EXPECT_EQ(m.node.num_subs, 5u);
  EXPECT_EQ(m.node.uptime, 60u);
  EXPECT_EQ(m.node.tenants, (Tenants{{"acme", 4}}));
  EXPECT_EQ(local.describes, 1);
}

TEST_F(ClusterTest, TickDoesNotAnnounceAgainBeforeTheInterval) {
  cluster.tick();
  cluster.tick();
  cluster.tick();
  EXPECT_EQ(engine.published.size(), 1u);
  EXPECT_EQ(local.describes, 1);
}

TEST_F(ClusterTest, TickAnnouncesAgainOnceTheIntervalPassed) {
  cluster.tick();
  ASSERT_EQ(engine.published.size(), 1u);
  std::this_thread::sleep_for(Cluster::kAnnounceInterval + 100ms);
  cluster.tick();
  ASSERT_EQ(engine.published.size(), 2u);
  EXPECT_EQ(engine.decoded(1).kind, Kind::node);
  cluster.tick();
  EXPECT_EQ(engine.published.size(), 2u);
}

TEST_F(ClusterTest, TickFeedsTheTenantSink) {
  cluster.tick();
  ASSERT_EQ(sink.size(), 1u);
  EXPECT_TRUE(sink.back().empty());  // nobody else yet; our own tenants are not "remote"
}

TEST_F(ClusterTest, NothingHappensBeforeStart) {
  boost::asio::io_context other_io;
  FakeEngine other_engine;
  Cluster unstarted(other_engine, other_io, "lonely");
  unstarted.tick();  // no LocalNode yet: nothing to announce
  unstarted.receive(command_text("b", "disconnect", "{}"));
  unstarted.receive(survey_text("b", 1, "channels", "{}"));
  drain(other_io);
  EXPECT_TRUE(other_engine.published.empty());
}

TEST_F(ClusterTest, AnnouncedNodeShowsInOtherNodesAndFeedsTheSink) {
  cluster.receive(node_text("b", "bravo", {{"acme", 2}, {"globex", 7}}));
  drain(io);
  auto nodes = cluster.other_nodes();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].uid, "b");
  EXPECT_EQ(nodes[0].name, "bravo");
  EXPECT_EQ(nodes[0].num_clients, 1u);
  ASSERT_FALSE(sink.empty());
  EXPECT_EQ(sink.back(), (TenantCounts{{"acme", 2}, {"globex", 7}}));
}

TEST_F(ClusterTest, SinkGetsTheSumOverEveryOtherNode) {
  cluster.receive(node_text("b", "bravo", {{"acme", 2}}));
  cluster.receive(node_text("c", "charlie", {{"acme", 3}, {"initech", 1}}));
  drain(io);
  EXPECT_EQ(other_uids(), (std::vector<std::string>{"b", "c"}));
  ASSERT_FALSE(sink.empty());
  EXPECT_EQ(sink.back(), (TenantCounts{{"acme", 5}, {"initech", 1}}));
  // A re-announcement replaces that node's figures.
  cluster.receive(node_text("b", "bravo", {{"acme", 10}}));
  drain(io);
  EXPECT_EQ(sink.back(), (TenantCounts{{"acme", 13}, {"initech", 1}}));
}

TEST_F(ClusterTest, OtherNodesAreSortedByName) {
  cluster.receive(node_text("u1", "zulu"));
  cluster.receive(node_text("u2", "alpha"));
  cluster.receive(node_text("u3", "mike"));
  drain(io);
  EXPECT_EQ(other_uids(), (std::vector<std::string>{"u2", "u3", "u1"}));
}

TEST_F(ClusterTest, ByeRemovesTheNodeAndEmptiesTheSink) {
  cluster.receive(node_text("b", "bravo", {{"acme", 2}}));
  drain(io);
  ASSERT_EQ(cluster.other_nodes().size(), 1u);
  std::size_t calls = sink.size();
  cluster.receive(bye_text("b"));
  drain(io);
  EXPECT_TRUE(cluster.other_nodes().empty());
  ASSERT_EQ(sink.size(), calls + 1);
  EXPECT_TRUE(sink.back().empty());
}

TEST_F(ClusterTest, ByeOfOneNodeKeepsTheOthers) {
  cluster.receive(node_text("b", "bravo", {{"acme", 2}}));
  cluster.receive(node_text("c", "charlie", {{"acme", 3}}));
  cluster.receive(bye_text("b"));
  drain(io);
  EXPECT_EQ(other_uids(), std::vector<std::string>{"c"});
  EXPECT_EQ(sink.back(), (TenantCounts{{"acme", 3}}));
}

// A node that said goodbye holds nothing any more: the shared counts hear of it.
TEST_F(ClusterTest, ByeReportsTheNodeGone) {
  std::vector<std::string> gone;
  cluster.on_node_gone([&gone](const std::string& node) { gone.push_back(node); });
  cluster.receive(node_text("b", "bravo", {{"acme", 2}}));
  cluster.receive(node_text("c", "charlie", {{"acme", 3}}));
  drain(io);
  cluster.tick();  // nobody expired yet
  EXPECT_TRUE(gone.empty());
  cluster.receive(bye_text("b"));
  drain(io);
  EXPECT_EQ(gone, std::vector<std::string>{"b"});
}

TEST_F(ClusterTest, MessagesFromItsOwnIdAreIgnored) {
  cluster.receive(node_text("self", "me", {{"acme", 9}}));
  cluster.receive(command_text("self", "disconnect", R"({"user":"1"})"));
  cluster.receive(survey_text("self", 1, "channels", "{}"));
  drain(io);
  expect_no_effect();

  cluster.receive(node_text("b", "bravo"));
  drain(io);
  cluster.receive(bye_text("self"));  // must not remove anybody
  drain(io);
  EXPECT_EQ(other_uids(), std::vector<std::string>{"b"});
}

TEST_F(ClusterTest, MalformedMessagesAreIgnored) {
  for (std::string text : {std::string(""), std::string("garbage"), std::string("{}"),
                           std::string("[1,2]"), std::string(R"({"kind":"node","from":"b"})"),
                           std::string(R"({"kind":"node","from":"b","node":{"uid":"c"}})"),
                           std::string(R"({"kind":"command","from":"b","method":"x"})"),
                           std::string(R"({"kind":"survey","from":"b","id":1,"method":"x"})"),
                           std::string(10000, '['), node_text("b", "bravo").substr(0, 20)}) {
    cluster.receive(text);
  }
  drain(io);
  expect_no_effect();
  // Still working afterwards.
  cluster.receive(node_text("b", "bravo"));
  drain(io);
  EXPECT_EQ(other_uids(), std::vector<std::string>{"b"});
}

TEST_F(ClusterTest, CommandFromAnotherNodeRunsLocally) {
  cluster.receive(command_text("b", "disconnect", R"({"user":"42","code":3001})"));
  drain(io);
  ASSERT_EQ(local.commands.size(), 1u);
  EXPECT_EQ(local.commands[0].method, "disconnect");
  EXPECT_EQ(local.commands[0].params, R"({"user":"42","code":3001})");
  EXPECT_TRUE(engine.published.empty());  // nothing to answer
}

TEST_F(ClusterTest, CommandsRunInArrivalOrder) {
  cluster.receive(command_text("b", "subscribe", R"({"n":1})"));
  cluster.receive(command_text("c", "unsubscribe", R"({"n":2})"));
  drain(io);
  ASSERT_EQ(local.commands.size(), 2u);
  EXPECT_EQ(local.commands[0].method, "subscribe");
  EXPECT_EQ(local.commands[1].method, "unsubscribe");
  EXPECT_EQ(local.commands[1].params, R"({"n":2})");
}

TEST_F(ClusterTest, BroadcastCommandPublishesToEveryNode) {
  int done = 0;
  cluster.broadcast_command("refresh", R"({"user":"u","expired":true})", [&](Result<Unit> r) {
    EXPECT_TRUE(r.ok());
    ++done;
  });
  EXPECT_EQ(done, 1);
  ASSERT_EQ(engine.published.size(), 1u);
  EXPECT_EQ(engine.published[0].to, "");
  ControlMessage m = engine.decoded(0);
  EXPECT_EQ(m.kind, Kind::command);
  EXPECT_EQ(m.from, "self");
  EXPECT_EQ(m.method, "refresh");
  EXPECT_EQ(m.body, R"({"user":"u","expired":true})");
}

TEST_F(ClusterTest, BroadcastCommandReportsThePublishFailure) {
  engine.fail = true;
  std::optional<Result<Unit>> result;
  cluster.broadcast_command("refresh", "{}", [&](Result<Unit> r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->ok());
}

TEST_F(ClusterTest, LeavePublishesBye) {
  int done = 0;
  cluster.leave([&](Result<Unit> r) {
    EXPECT_TRUE(r.ok());
    ++done;
  });
  EXPECT_EQ(done, 1);
  ASSERT_EQ(engine.published.size(), 1u);
  EXPECT_EQ(engine.published[0].to, "");
  ControlMessage m = engine.decoded(0);
  EXPECT_EQ(m.kind, Kind::bye);
  EXPECT_EQ(m.from, "self");
}

TEST_F(ClusterTest, SurveyFromAnotherNodeIsAnsweredToThatNode) {
  cluster.receive(survey_text("asker", 77, "channels", R"({"pattern":"chat:*"})"));
  drain(io);
  ASSERT_EQ(local.surveys.size(), 1u);
  EXPECT_EQ(local.surveys[0].method, "channels");
  EXPECT_EQ(local.surveys[0].params, R"({"pattern":"chat:*"})");
  ASSERT_EQ(engine.published.size(), 1u);
  EXPECT_EQ(engine.published[0].to, "asker");  // its direct channel, not a broadcast
  ControlMessage m = engine.decoded(0);
  EXPECT_EQ(m.kind, Kind::reply);
  EXPECT_EQ(m.from, "self");
  EXPECT_EQ(m.survey_id, 77u);
  EXPECT_EQ(m.body, local.answer);
}

TEST_F(ClusterTest, LateSurveyAnswerStillGoesToTheAsker) {
  local.silent = true;
  cluster.receive(survey_text("asker", 5, "channels", "{}"));
  cluster.receive(survey_text("other", 6, "channels", "{}"));
  drain(io);
  ASSERT_EQ(local.held.size(), 2u);
  EXPECT_TRUE(engine.published.empty());
  local.held[1]("[2]");  // answered out of order, from the test thread
  local.held[0]("[1]");
  ASSERT_EQ(engine.published.size(), 2u);
  EXPECT_EQ(engine.published[0].to, "other");
  EXPECT_EQ(engine.decoded(0).survey_id, 6u);
  EXPECT_EQ(engine.decoded(0).body, "[2]");
  EXPECT_EQ(engine.published[1].to, "asker");
  EXPECT_EQ(engine.decoded(1).survey_id, 5u);
  EXPECT_EQ(engine.decoded(1).body, "[1]");
}

TEST_F(ClusterTest, SurveyWithNoOtherNodesCompletesAtOnce) {
  SurveyResult result;
  cluster.survey("channels", "{}", collect(result));
  drain(io);
  EXPECT_EQ(result.calls, 1);
  EXPECT_TRUE(result.replies.empty());
  EXPECT_TRUE(engine.published.empty());  // nobody to ask
}

TEST_F(ClusterTest, SurveyCompletesWhenEveryNodeReplied) {
  cluster.receive(node_text("b", "bravo"));
  cluster.receive(node_text("c", "charlie"));
  drain(io);
  SurveyResult result;
  std::uint64_t id = start_survey(result, "channels", R"({"pattern":"p"})");
  ControlMessage sent = engine.decoded(0);
  EXPECT_EQ(engine.published[0].to, "");
  EXPECT_EQ(sent.from, "self");
  EXPECT_EQ(sent.method, "channels");
  EXPECT_EQ(sent.body, R"({"pattern":"p"})");

  cluster.receive(reply_text("b", id, R"({"from":"b"})"));
  drain(io);
  EXPECT_EQ(result.calls, 0);
  cluster.receive(reply_text("c", id, R"({"from":"c"})"));
  drain(io);
  EXPECT_EQ(result.calls, 1);
  EXPECT_EQ(result.replies, (std::vector<std::string>{R"({"from":"b"})", R"({"from":"c"})"}));
}

TEST_F(ClusterTest, SurveyIgnoresStrangersDuplicatesAndUnknownIds) {
  cluster.receive(node_text("b", "bravo"));
  cluster.receive(node_text("c", "charlie"));
  drain(io);
  SurveyResult result;
  std::uint64_t id = start_survey(result);

  cluster.receive(reply_text("stranger", id, R"("stranger")"));  // not a known node
  cluster.receive(reply_text("b", id + 1000, R"("wrong id")"));  // no such survey
  cluster.receive(reply_text("self", id, R"("own")"));           // our own id
  drain(io);
  EXPECT_EQ(result.calls, 0);

  cluster.receive(reply_text("b", id, R"("b1")"));
  cluster.receive(reply_text("b", id, R"("b2")"));  // duplicate: ignored
  drain(io);
  EXPECT_EQ(result.calls, 0);  // c has not answered; b's duplicate must not count for c

  cluster.receive(reply_text("c", id, R"("c1")"));
  drain(io);
  EXPECT_EQ(result.calls, 1);
  EXPECT_EQ(result.replies, (std::vector<std::string>{R"("b1")", R"("c1")"}));

  cluster.receive(reply_text("c", id, R"("late")"));  // after completion: ignored
  drain(io);
  EXPECT_EQ(result.calls, 1);
}

TEST_F(ClusterTest, ConcurrentSurveysGetDistinctIdsAndKeepTheirRepliesApart) {
  cluster.receive(node_text("b", "bravo"));
  drain(io);
  SurveyResult first;
  SurveyResult second;
  std::uint64_t id1 = start_survey(first);
  std::uint64_t id2 = start_survey(second);
  EXPECT_NE(id1, id2);
  cluster.receive(reply_text("b", id2, R"("for second")"));
  drain(io);
  EXPECT_EQ(first.calls, 0);
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(second.replies, std::vector<std::string>{R"("for second")"});
  cluster.receive(reply_text("b", id1, R"("for first")"));
  drain(io);
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(first.replies, std::vector<std::string>{R"("for first")"});
}

TEST_F(ClusterTest, SurveyWithASilentNodeCompletesAfterTheTimeout) {
  cluster.receive(node_text("b", "bravo"));
  cluster.receive(node_text("silent", "sierra"));
  drain(io);
  SurveyResult result;
  auto started = std::chrono::steady_clock::now();
  std::uint64_t id = start_survey(result);
  cluster.receive(reply_text("b", id, R"("b")"));
  drain(io);
  EXPECT_EQ(result.calls, 0);

  io.restart();
  io.run_for(Cluster::kSurveyTimeout + 500ms);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(result.calls, 1);
  EXPECT_EQ(result.replies, std::vector<std::string>{R"("b")"});
  EXPECT_GE(elapsed, Cluster::kSurveyTimeout - 50ms);

  cluster.receive(reply_text("silent", id, R"("too late")"));
  drain(io);
  EXPECT_EQ(result.calls, 1);
}

TEST_F(ClusterTest, SurveyStopsWaitingForANodeThatSaidBye) {
  cluster.receive(node_text("b", "bravo"));
  cluster.receive(node_text("leaving", "lima"));
  drain(io);
  SurveyResult result;
  std::uint64_t id = start_survey(result);
  cluster.receive(reply_text("b", id, R"("b")"));
  drain(io);
  EXPECT_EQ(result.calls, 0);
  cluster.receive(bye_text("leaving"));
  drain(io);
  EXPECT_EQ(result.calls, 1);
  EXPECT_EQ(result.replies, std::vector<std::string>{R"("b")"});
}

TEST_F(ClusterTest, SurveyWhosePublishFailsCompletesAtOnce) {
  cluster.receive(node_text("b", "bravo"));
  drain(io);
  engine.fail = true;
  SurveyResult result;
  auto started = std::chrono::steady_clock::now();
  cluster.survey("channels", "{}", collect(result));
  drain(io);
  EXPECT_EQ(result.calls, 1);
  EXPECT_TRUE(result.replies.empty());
  // The deadline was cancelled: the io_context runs dry at once and done is not called again.
  io.restart();
  io.run_for(1s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms);
  EXPECT_EQ(result.calls, 1);
}

TEST_F(ClusterTest, CompletedSurveyLeavesNoTimerBehind) {
  cluster.receive(node_text("b", "bravo"));
  drain(io);
  SurveyResult result;
  std::uint64_t id = start_survey(result);
  cluster.receive(reply_text("b", id, "1"));
  drain(io);
  ASSERT_EQ(result.calls, 1);
  auto started = std::chrono::steady_clock::now();
  io.restart();
  io.run_for(Cluster::kSurveyTimeout + 500ms);  // returns as soon as there is no work
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(result.calls, 1);
}

TEST_F(ClusterTest, ReceiveMayBeCalledFromAnotherThread) {
  std::thread engine_thread([this] {
    for (int i = 0; i < 50; ++i)
      cluster.receive(node_text("n" + std::to_string(i), "node", {{"acme", 1}}));
  });
  engine_thread.join();
  drain(io);
  EXPECT_EQ(cluster.other_nodes().size(), 50u);
  EXPECT_EQ(sink.back(), (TenantCounts{{"acme", 50}}));
}

// ---- two clusters wired together -----------------------------------------------------------

struct Member {
  explicit Member(boost::asio::io_context& io, std::string id) : cluster(engine, io, id) {
    cluster.start(local, [this](const TenantCounts& counts) { sink.push_back(counts); });
  }
  FakeEngine engine;
  FakeLocal local;
  Cluster cluster;
  std::vector<TenantCounts> sink;
  std::size_t forwarded = 0;
};

class TwoNodeTest : public ::testing::Test {
 protected:
  TwoNodeTest() {
    a.local.info.tenants = {{"acme", 2}};
    b.local.info.tenants = {{"acme", 3}, {"globex", 1}};
    b.local.answer = R"({"node":"b"})";
  }

  // Plays the broker: broadcasts reach every node (the sender too, as Redis does), direct
  // messages only their addressee. Repeats until nobody has anything new to say.
  void settle() {
    for (int round = 0; round < 10; ++round) {
      drain(io);  // what was posted (surveys, received messages) may publish
      bool moved = false;
      for (Member* from : {&a, &b}) {
        while (from->forwarded < from->engine.published.size()) {
          Published p = from->engine.published[from->forwarded++];
          moved = true;
          for (Member* to : {&a, &b}) {
            if (p.to.empty() || p.to == to->cluster.node_id()) to->cluster.receive(p.message);
          }
        }
      }
      if (!moved) return;
    }
  }

  boost::asio::io_context io;
  Member a{io, "node-a"};
  Member b{io, "node-b"};
};

TEST_F(TwoNodeTest, AnnouncementsMakeEachNodeKnownToTheOther) {
  a.cluster.tick();
  b.cluster.tick();
  settle();
  auto seen_by_a = a.cluster.other_nodes();
  auto seen_by_b = b.cluster.other_nodes();
  ASSERT_EQ(seen_by_a.size(), 1u);
  ASSERT_EQ(seen_by_b.size(), 1u);
  EXPECT_EQ(seen_by_a[0].uid, "node-b");
  EXPECT_EQ(seen_by_b[0].uid, "node-a");
  EXPECT_EQ(a.sink.back(), (TenantCounts{{"acme", 3}, {"globex", 1}}));
  EXPECT_EQ(b.sink.back(), (TenantCounts{{"acme", 2}}));
}

TEST_F(TwoNodeTest, SurveyGathersTheOtherNodesAnswer) {
  a.cluster.tick();
  b.cluster.tick();
  settle();
  SurveyResult result;
  a.cluster.survey("channels", R"({"pattern":"*"})", collect(result));
  settle();
  ASSERT_EQ(b.local.surveys.size(), 1u);
  EXPECT_EQ(b.local.surveys[0].method, "channels");
  EXPECT_EQ(b.local.surveys[0].params, R"({"pattern":"*"})");
  EXPECT_TRUE(a.local.surveys.empty());  // its own survey came back to it and was ignored
  EXPECT_EQ(result.calls, 1);
  EXPECT_EQ(result.replies, std::vector<std::string>{R"({"node":"b"})"});
}

TEST_F(TwoNodeTest, BroadcastCommandRunsOnTheOtherNodeOnly) {
  a.cluster.broadcast_command("disconnect", R"({"user":"7"})", [](Result<Unit>) {});
  settle();
  ASSERT_EQ(b.local.commands.size(), 1u);
  EXPECT_EQ(b.local.commands[0].method, "disconnect");
  EXPECT_EQ(b.local.commands[0].params, R"({"user":"7"})");
  EXPECT_TRUE(a.local.commands.empty());
}

TEST_F(TwoNodeTest, LeaveRemovesTheNodeFromTheOther) {
  a.cluster.tick();
  b.cluster.tick();
  settle();
  ASSERT_EQ(a.cluster.other_nodes().size(), 1u);
  b.cluster.leave([](Result<Unit>) {});
  settle();
  EXPECT_TRUE(a.cluster.other_nodes().empty());
  EXPECT_TRUE(a.sink.back().empty());
  EXPECT_EQ(b.cluster.other_nodes().size(), 1u);  // b's own view is not affected
}

}  // namespace
}  // namespace neo::cluster
