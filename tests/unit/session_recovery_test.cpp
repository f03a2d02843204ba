// ClientSession end to end over a fake Connection: connect, subscribe with positioning and
// recovery, live publications through the Dispatcher, gaps, protocol violations and slow
// clients (shared/protocol/client-protocol.md §2, §5, §7; errors-and-disconnects.md).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/policy.h"
#include "auth/token.h"
#include "config/loader.h"
#include "core/clock.h"
#include "engine/memory/memory_engine.h"
#include "hub/interest_map.h"
#include "session/client_session.h"
#include "session/dispatcher.h"
#include "session/services.h"
#include "support/fake_connection.h"
#include "transport/flush_scheduler.h"

namespace neo::session {
namespace {

using fakes::FakeConnection;
using fakes::TestClient;

constexpr std::string_view kChannel = "tenant:1:deployments";

// The value at a JSON pointer, minified ("\"text\"", "3", "true", "{...}"), or nullopt.
std::optional<std::string> field(const std::string& json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return std::nullopt;
  simdjson::dom::element value;
  if (doc.at_pointer(pointer).get(value)) return std::nullopt;
  return simdjson::minify(value);
}

// A string at a JSON pointer, unquoted; "<absent>" when it is not a string.
std::string text(const std::string& json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return "<bad json>";
  std::string_view value;
  if (doc.at_pointer(pointer).get(value)) return "<absent>";
  return std::string(value);
}

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() { engine.start(dispatcher); }
  ~SessionTest() override { clients.clear(); }  // sessions leave the shard before it goes

  TestClient& new_client() {
    auto client = std::make_unique<TestClient>(io);
    client->session = std::make_unique<ClientSession>(services, shard, client->connection);
    clients.push_back(std::move(client));
    return *clients.back();
  }

  void run() {
    io.restart();
    io.run();
  }

  // Delivers one WebSocket message on the session's own thread and lets everything settle.
  void feed(TestClient& client, std::string frame) {
    boost::asio::post(io,
                      [&client, frame = std::move(frame)] { client.session->on_message(frame); });
    run();
  }

  static std::string token(std::string_view user, std::string_view tenant, std::string_view role) {
    std::string payload = "{\"sub\":\"" + std::string(user) + "\",\"tenantId\":\"" +
                          std::string(tenant) + "\",\"roles\":[\"" + std::string(role) +
                          "\"],\"exp\":" + std::to_string(unix_seconds() + 3600) + "}";
    return auth::sign_hmac_jwt(auth::HmacAlg::hs256, "secret", payload);
  }

  // Connects as tenant_admin of tenant 1 and checks the connect reply.
  TestClient& connected_client() {
    TestClient& client = new_client();
    feed(client, R"({"connect":{"token":")" + token("u1", "1", "tenant_admin") +
                     R"(","name":"js"},"id":1})");
    EXPECT_EQ(client.connection.sent.size(), 1u);
    EXPECT_EQ(field(client.connection.sent.at(0), "/id"), "1");
    EXPECT_TRUE(client.session->authenticated());
    client.connection.sent.clear();
    return client;
  }

  StreamPosition publish(std::string_view channel, std::string data) {
    Publication pub;
    pub.data = std::move(data);
    StreamPosition position;
    engine.publish(channel, std::move(pub), history_options(*namespace_for(config, channel)),
                   [&](Result<StreamPosition> r) { position = r.value(); });
    run();
    return position;
  }

  StreamPosition top(std::string_view channel) {
    StreamPosition position;
    engine.history(channel, engine::HistoryQuery{},
                   history_options(*namespace_for(config, channel)),
                   [&](Result<HistoryResult> r) { position = r->position; });
    return position;
  }

  static std::string subscribe_frame(std::uint32_t id, std::string_view channel,
                                     std::string_view extra = "") {
    return "{\"subscribe\":{\"channel\":\"" + std::string(channel) +
           "\",\"recoverable\":true,\"flag\":1" + std::string(extra) +
           "},\"id\":" + std::to_string(id) + "}";
  }

  static std::vector<std::uint64_t> pub_offsets(const std::vector<std::string>& frames) {
    std::vector<std::uint64_t> out;
    for (const auto& f : frames) {
      auto offset = field(f, "/push/pub/offset");
      if (offset) out.push_back(std::stoull(*offset));
    }
    return out;
  }

  config::Config config = config::development_config("secret", "apikey");
  boost::asio::io_context io;
  engine::MemoryEngine engine;
  auth::Policy policy{config};
  auth::TokenVerifier verifier{config.client.token};
  hub::InterestMap interest;
  Shard shard{0, io};
  Services services{config,   engine,   policy, verifier,      interest,
                    {&shard}, "node-1", "node", "test-version"};
  Dispatcher dispatcher{services};
  std::vector<std::unique_ptr<TestClient>> clients;
};

// ---- connect -------------------------------------------------------------------------------

TEST_F(SessionTest, ConnectReplyCarriesClientIdPingAndPong) {
  TestClient& c = new_client();
  feed(c,
       R"({"connect":{"token":")" + token("u1", "1", "tenant_admin") + R"(","name":"js"},"id":1})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  const std::string& reply = c.connection.sent[0];
  EXPECT_EQ(field(reply, "/id"), "1");
  EXPECT_EQ(text(reply, "/connect/client"), std::string(c.session->client_id()));
  EXPECT_EQ(std::string(c.session->client_id()).size(), 36u);
  EXPECT_EQ(field(reply, "/connect/ping"), "25");
  EXPECT_EQ(field(reply, "/connect/pong"), "true");
  EXPECT_EQ(field(reply, "/connect/expires"), "true");
  EXPECT_TRUE(c.connection.closes.empty());
  EXPECT_EQ(c.session->user(), "u1");
}

TEST_F(SessionTest, CommandBeforeConnectClosesWith3501) {
  TestClient& c = new_client();
  feed(c, subscribe_frame(1, kChannel));
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
  EXPECT_EQ(c.connection.close_reason, "bad request");
  EXPECT_FALSE(c.session->authenticated());
}

TEST_F(SessionTest, ConnectBehindAnotherCommandInOneFrameIsTooLate) {
  TestClient& c = new_client();
  feed(c, subscribe_frame(1, kChannel) + "\n" + R"({"connect":{"token":")" +
              token("u1", "1", "tenant_admin") + R"("},"id":2})");
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

TEST_F(SessionTest, ConnectWithoutTokenClosesWith3501) {
  TestClient& c = new_client();
  feed(c, R"({"connect":{"name":"js"},"id":1})");
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

TEST_F(SessionTest, ConnectWithBadSignatureClosesWith3500) {
  TestClient& c = new_client();
  std::string forged = auth::sign_hmac_jwt(auth::HmacAlg::hs256, "other", R"({"sub":"u1"})");
  feed(c, R"({"connect":{"token":")" + forged + R"("},"id":1})");
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3500});
}

TEST_F(SessionTest, SecondConnectClosesWith3501) {
  TestClient& c = connected_client();
  feed(c, R"({"connect":{"token":")" + token("u1", "1", "tenant_admin") + R"("},"id":2})");
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

TEST_F(SessionTest, MalformedFrameClosesWith3501) {
  TestClient& c = connected_client();
  feed(c, "{not json");
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

TEST_F(SessionTest, PongWithoutPingClosesWith3501) {
  TestClient& c = connected_client();
  feed(c, "{}");
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

TEST_F(SessionTest, UnknownMethodClosesWith3501) {
  TestClient& c = connected_client();
  feed(c, R"({"id":2,"ping":{}})");
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

TEST_F(SessionTest, EmptyChannelClosesWith3501) {
  TestClient& c = connected_client();
  feed(c, R"({"subscribe":{"channel":""},"id":2})");
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

TEST_F(SessionTest, CommandsAfterACloseAreIgnored) {
  TestClient& c = new_client();
  feed(c, R"({"id":2,"foo":{}})");
  feed(c, R"({"connect":{"token":")" + token("u1", "1", "tenant_admin") + R"("},"id":1})");
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

// ---- subscribe -----------------------------------------------------------------------------

TEST_F(SessionTest, SubscribeInSameFrameAsConnect) {
  TestClient& c = new_client();
  feed(c, R"({"connect":{"token":")" + token("u1", "1", "tenant_admin") +
              R"(","name":"js"},"id":1})" + "\n" + subscribe_frame(2, kChannel));
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(field(c.connection.sent[0], "/id"), "1");
  EXPECT_EQ(field(c.connection.sent[1], "/id"), "2");
  EXPECT_EQ(field(c.connection.sent[1], "/subscribe/positioned"), "true");
}

TEST_F(SessionTest, SubscribeToOwnTenantIsPositionedAndRecoverable) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  ASSERT_EQ(c.connection.sent.size(), 1u);
  const std::string& reply = c.connection.sent[0];
  EXPECT_EQ(field(reply, "/id"), "2");
  EXPECT_EQ(field(reply, "/subscribe/recoverable"), "true");
  EXPECT_EQ(field(reply, "/subscribe/positioned"), "true");
  EXPECT_EQ(text(reply, "/subscribe/epoch"), top(kChannel).epoch);
  EXPECT_EQ(text(reply, "/subscribe/epoch").size(), 8u);
  EXPECT_FALSE(field(reply, "/subscribe/offset").has_value());  // 0 is left out
  EXPECT_FALSE(field(reply, "/subscribe/was_recovering").has_value());
  EXPECT_FALSE(field(reply, "/subscribe/recovered").has_value());
  EXPECT_EQ(c.session->subscription_count(), 1u);
  EXPECT_TRUE(c.connection.closes.empty());
}

TEST_F(SessionTest, SubscribeReplyOffsetIsTheCurrentTop) {
  publish(kChannel, "1");
  auto position = publish(kChannel, "2");
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(field(c.connection.sent[0], "/subscribe/offset"), "2");
  EXPECT_EQ(text(c.connection.sent[0], "/subscribe/epoch"), position.epoch);
  EXPECT_FALSE(field(c.connection.sent[0], "/subscribe/publications").has_value());
}

TEST_F(SessionTest, LivePublicationsArriveAsPubPushesInOffsetOrder) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  c.connection.sent.clear();
  publish(kChannel, R"({"n":1})");
  publish(kChannel, R"({"n":2})");
  publish(kChannel, R"({"n":3})");
  ASSERT_EQ(c.connection.sent.size(), 3u);
  EXPECT_EQ(c.connection.sent[0],
            R"({"push":{"channel":"tenant:1:deployments","pub":{"data":{"n":1},"offset":1}}})");
  EXPECT_EQ(pub_offsets(c.connection.sent), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(field(c.connection.sent[2], "/push/pub/data"), R"({"n":3})");
}

// A publication handed to a thread that is busy writing does not wait for its own drain
// handler: the flush round already scheduled drains the inbox first, so it joins that round.
TEST_F(SessionTest, FlushRoundsDrainDeliveriesHandedOverMeanwhile) {
  Dispatcher::attach(shard);
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  c.connection.sent.clear();
  struct Idle final : transport::Flushable {
    void flush_now() override {}
  };
  transport::FlushScheduler::of(io.get_executor()).add(std::make_shared<Idle>());
  Publication pub;
  pub.data = "1";
  engine.publish(kChannel, std::move(pub), history_options(*namespace_for(config, kChannel)),
                 [](Result<StreamPosition>) {});  // queues a drain behind the round
  io.restart();
  EXPECT_EQ(io.run_one(), 1u);  // the round: it delivered the publication itself
  EXPECT_EQ(pub_offsets(c.connection.sent), std::vector<std::uint64_t>{1});
  run();  // the drain handler finds nothing left
  EXPECT_EQ(pub_offsets(c.connection.sent), std::vector<std::uint64_t>{1});
}

TEST_F(SessionTest, PublicationsReachEverySubscribedSession) {
  TestClient& a = connected_client();
  TestClient& b = connected_client();
  feed(a, subscribe_frame(2, kChannel));
  feed(b, subscribe_frame(2, kChannel));
  a.connection.sent.clear();
  b.connection.sent.clear();
  publish(kChannel, "1");
  EXPECT_EQ(pub_offsets(a.connection.sent), std::vector<std::uint64_t>{1});
  EXPECT_EQ(pub_offsets(b.connection.sent), std::vector<std::uint64_t>{1});
}

TEST_F(SessionTest, NoPublicationsAfterUnsubscribe) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  feed(c, R"({"unsubscribe":{"channel":"tenant:1:deployments"},"id":3})");
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(c.connection.sent[1], R"({"id":3,"unsubscribe":{}})");
  publish(kChannel, "1");
  EXPECT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(c.session->subscription_count(), 0u);
  EXPECT_TRUE(interest.threads(kChannel).none());
}

TEST_F(SessionTest, DuplicateSubscribeIsError105) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  feed(c, subscribe_frame(3, kChannel));
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(c.connection.sent[1],
            R"({"id":3,"error":{"code":105,"message":"already subscribed"}})");
  EXPECT_EQ(c.session->subscription_count(), 1u);
  EXPECT_TRUE(c.connection.closes.empty());
}

TEST_F(SessionTest, UnknownNamespaceIsError102) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, "nope:x"));
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":2,"error":{"code":102,"message":"unknown channel"}})");
  EXPECT_EQ(c.session->subscription_count(), 0u);
}

TEST_F(SessionTest, AnotherTenantsChannelIsError103) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, "tenant:2:deployments"));
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":2,"error":{"code":103,"message":"permission denied"}})");
  EXPECT_EQ(c.session->subscription_count(), 0u);
  EXPECT_TRUE(interest.threads("tenant:2:deployments").none());
}

TEST_F(SessionTest, SubscribeWithoutHistoryIsEmptyResult) {
  TestClient& c = new_client();
  feed(c, R"({"connect":{"token":")" + token("root", "1", "admin") + R"("},"id":1})");
  feed(c, subscribe_frame(2, "system:alerts"));
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(c.connection.sent[1], R"({"id":2,"subscribe":{}})");
}

TEST_F(SessionTest, CommandsAfterAnErrorReplyStillRun) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, "nope:x") + "\n" + subscribe_frame(3, kChannel));
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(field(c.connection.sent[0], "/error/code"), "102");
  EXPECT_EQ(field(c.connection.sent[1], "/id"), "3");
  EXPECT_EQ(field(c.connection.sent[1], "/subscribe/positioned"), "true");
}

// ---- recovery ------------------------------------------------------------------------------

class RecoveryTest : public SessionTest {
 protected:
  // Three publications seen live by a first session; returns the epoch.
  std::string publish_three() {
    TestClient& first = connected_client();
    feed(first, subscribe_frame(2, kChannel));
    first.connection.sent.clear();
    publish(kChannel, "1");
    publish(kChannel, "2");
    auto position = publish(kChannel, "3");
    EXPECT_EQ(pub_offsets(first.connection.sent), (std::vector<std::uint64_t>{1, 2, 3}));
    return position.epoch;
  }

  std::string recover(std::uint64_t offset, std::string_view epoch) {
    TestClient& c = connected_client();
    feed(c, subscribe_frame(2, kChannel,
                            ",\"recover\":true,\"offset\":" + std::to_string(offset) +
                                ",\"epoch\":\"" + std::string(epoch) + "\""));
    EXPECT_EQ(c.connection.sent.size(), 1u);
    recovering_client = &c;
    return c.connection.sent.empty() ? std::string() : c.connection.sent[0];
  }

  TestClient* recovering_client = nullptr;
};

TEST_F(RecoveryTest, RecoversMissedPublications) {
  std::string epoch = publish_three();
  std::string reply = recover(1, epoch);
  EXPECT_EQ(field(reply, "/subscribe/recovered"), "true");
  EXPECT_EQ(field(reply, "/subscribe/was_recovering"), "true");
  EXPECT_EQ(field(reply, "/subscribe/offset"), "1");  // the client's offset, not the top
  EXPECT_EQ(text(reply, "/subscribe/epoch"), epoch);
  EXPECT_EQ(field(reply, "/subscribe/recoverable"), "true");
  EXPECT_EQ(field(reply, "/subscribe/positioned"), "true");
  EXPECT_EQ(field(reply, "/subscribe/publications"),
            R"([{"data":2,"offset":2},{"data":3,"offset":3}])");
}

TEST_F(RecoveryTest, RecoveredSubscriptionContinuesWithLiveOffsets) {
  std::string epoch = publish_three();
  recover(1, epoch);
  recovering_client->connection.sent.clear();
  publish(kChannel, "4");
  EXPECT_EQ(pub_offsets(recovering_client->connection.sent), std::vector<std::uint64_t>{4});
  EXPECT_EQ(recovering_client->session->subscription_count(), 1u);
}

TEST_F(RecoveryTest, NothingMissedIsRecoveredWithNoPublications) {
  std::string epoch = publish_three();
  std::string reply = recover(3, epoch);
  EXPECT_EQ(field(reply, "/subscribe/recovered"), "true");
  EXPECT_EQ(field(reply, "/subscribe/was_recovering"), "true");
  EXPECT_EQ(field(reply, "/subscribe/offset"), "3");
  EXPECT_FALSE(field(reply, "/subscribe/publications").has_value());
}

TEST_F(RecoveryTest, EmptyEpochMeansAnyEpoch) {
  publish_three();
  std::string reply = recover(2, "");
  EXPECT_EQ(field(reply, "/subscribe/recovered"), "true");
  EXPECT_EQ(field(reply, "/subscribe/publications/0/offset"), "3");
}

TEST_F(RecoveryTest, WrongEpochIsNotRecovered) {
  std::string epoch = publish_three();
  std::string reply = recover(1, "wrongEpc");
  EXPECT_FALSE(field(reply, "/subscribe/recovered").has_value());
  EXPECT_EQ(field(reply, "/subscribe/was_recovering"), "true");
  EXPECT_EQ(field(reply, "/subscribe/offset"), "3");
  EXPECT_EQ(text(reply, "/subscribe/epoch"), epoch);
  EXPECT_FALSE(field(reply, "/subscribe/publications").has_value());
}

TEST_F(RecoveryTest, NotRecoveredSubscriptionContinuesFromTheTop) {
  publish_three();
  recover(1, "wrongEpc");
  recovering_client->connection.sent.clear();
  publish(kChannel, "4");
  EXPECT_EQ(pub_offsets(recovering_client->connection.sent), std::vector<std::uint64_t>{4});
}

TEST_F(RecoveryTest, OffsetOlderThanHistoryIsNotRecovered) {
  StreamPosition position;
  for (int i = 1; i <= 12; ++i) position = publish(kChannel, std::to_string(i));  // size 10
  std::string reply = recover(1, position.epoch);
  EXPECT_FALSE(field(reply, "/subscribe/recovered").has_value());
  EXPECT_EQ(field(reply, "/subscribe/was_recovering"), "true");
  EXPECT_EQ(field(reply, "/subscribe/offset"), "12");
  EXPECT_EQ(text(reply, "/subscribe/epoch"), position.epoch);
  EXPECT_FALSE(field(reply, "/subscribe/publications").has_value());
}

TEST_F(RecoveryTest, OffsetAheadOfTheStreamIsNotRecovered) {
  std::string epoch = publish_three();
  std::string reply = recover(7, epoch);
  EXPECT_FALSE(field(reply, "/subscribe/recovered").has_value());
  EXPECT_EQ(field(reply, "/subscribe/offset"), "3");
}

// ---- live offset checks --------------------------------------------------------------------

class LiveCheckTest : public SessionTest {
 protected:
  void SetUp() override {
    client = &connected_client();
    feed(*client, subscribe_frame(2, kChannel));
    position = publish(kChannel, "1");
    client->connection.sent.clear();
  }
  void inject(std::uint64_t offset, const std::string& epoch) {
    Publication pub;
    pub.data = "\"injected\"";
    pub.offset = offset;
    dispatcher.on_publication(kChannel, pub, StreamPosition{offset, epoch});
    run();
  }
  TestClient* client = nullptr;
  StreamPosition position;
};

TEST_F(LiveCheckTest, GapInLiveOffsetsUnsubscribesWith2500) {
  inject(position.offset + 2, position.epoch);
  ASSERT_EQ(client->connection.sent.size(), 1u);
  EXPECT_EQ(
      client->connection.sent[0],
      R"({"push":{"channel":"tenant:1:deployments","unsubscribe":{"code":2500,"reason":"insufficient state"}}})");
  EXPECT_EQ(client->session->subscription_count(), 0u);
  EXPECT_TRUE(client->connection.closes.empty());
  publish(kChannel, "after");
  EXPECT_EQ(client->connection.sent.size(), 1u);
}

TEST_F(LiveCheckTest, EpochChangeUnsubscribesWith2500) {
  inject(position.offset + 1, "otherEpc");
  ASSERT_EQ(client->connection.sent.size(), 1u);
  EXPECT_EQ(field(client->connection.sent[0], "/push/unsubscribe/code"), "2500");
  EXPECT_EQ(client->session->subscription_count(), 0u);
}

TEST_F(LiveCheckTest, AlreadySeenOffsetIsDroppedSilently) {
  inject(position.offset, position.epoch);
  EXPECT_TRUE(client->connection.sent.empty());
  EXPECT_EQ(client->session->subscription_count(), 1u);
  publish(kChannel, "2");
  EXPECT_EQ(pub_offsets(client->connection.sent), std::vector<std::uint64_t>{2});
}

TEST_F(LiveCheckTest, ResubscribeAfterGapRecovers) {
  inject(position.offset + 2, position.epoch);
  feed(*client,
       subscribe_frame(3, kChannel,
                       ",\"recover\":true,\"offset\":1,\"epoch\":\"" + position.epoch + "\""));
  ASSERT_EQ(client->connection.sent.size(), 2u);
  EXPECT_EQ(field(client->connection.sent[1], "/subscribe/recovered"), "true");
}

// ---- slow clients --------------------------------------------------------------------------

TEST_F(SessionTest, RefusedPublicationSendAbortsWith3008) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  c.connection.sent.clear();
  c.connection.accept_sends = false;
  publish(kChannel, "1");
  EXPECT_EQ(c.connection.aborts, std::vector<std::uint16_t>{3008});
  EXPECT_EQ(c.connection.close_reason, "slow");
  EXPECT_TRUE(c.connection.sent.empty());
}

TEST_F(SessionTest, RefusedReplySendAbortsWith3008) {
  TestClient& c = connected_client();
  c.connection.accept_sends = false;
  feed(c, subscribe_frame(2, kChannel));
  EXPECT_EQ(c.connection.aborts, std::vector<std::uint16_t>{3008});
  EXPECT_EQ(c.connection.close_reason, "slow");
}

TEST_F(SessionTest, NoCommandsAreReadAfterAbort) {
  TestClient& c = connected_client();
  c.connection.accept_sends = false;
  feed(c, subscribe_frame(2, kChannel));
  c.connection.accept_sends = true;
  feed(c, subscribe_frame(3, "tenant:1:dashboard"));
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.aborts.size(), 1u);
}

// ---- ping / pong, stale, expiry ------------------------------------------------------------

TEST_F(SessionTest, PingIsEmptyObjectAndPongIsAccepted) {
  TestClient& c = connected_client();
  c.session->tick(SteadyClock::now() + std::chrono::seconds(25), unix_seconds());
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], "{}");
  feed(c, "{}");
  EXPECT_TRUE(c.connection.closes.empty());
}

TEST_F(SessionTest, SecondPongClosesWith3501) {
  TestClient& c = connected_client();
  c.session->tick(SteadyClock::now() + std::chrono::seconds(25), unix_seconds());
  feed(c, "{}");
  feed(c, "{}");
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

TEST_F(SessionTest, NoPongBeforeTimeoutClosesWith3012) {
  TestClient& c = connected_client();
  auto ping_at = SteadyClock::now() + std::chrono::seconds(25);
  c.session->tick(ping_at, unix_seconds());
  c.session->tick(ping_at + std::chrono::seconds(14), unix_seconds());
  EXPECT_TRUE(c.connection.closes.empty());
  c.session->tick(ping_at + config.client.pong_timeout, unix_seconds());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3012});
  EXPECT_EQ(c.connection.close_reason, "no pong");
}

TEST_F(SessionTest, NoConnectWithinStaleDelayClosesWith3502) {
  TestClient& c = new_client();
  c.session->tick(SteadyClock::now() + std::chrono::seconds(1), unix_seconds());
  EXPECT_TRUE(c.connection.closes.empty());
  c.session->tick(SteadyClock::now() + std::chrono::seconds(11), unix_seconds());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3502});
  EXPECT_EQ(c.connection.close_reason, "stale");
}

TEST_F(SessionTest, ExpiredConnectionTokenIsError109) {
  TestClient& c = new_client();
  std::string expired =
      auth::sign_hmac_jwt(auth::HmacAlg::hs256, "secret",
                          R"({"sub":"u1","tenantId":"1","roles":["tenant_admin"],"exp":)" +
                              std::to_string(unix_seconds() - 60) + "}");
  feed(c, R"({"connect":{"token":")" + expired + R"("},"id":1})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":1,"error":{"code":109,"message":"token expired"}})");
  EXPECT_FALSE(c.session->authenticated());
}

TEST_F(SessionTest, FirstPingComesNoEarlierThanHalfTheInterval) {
  TestClient& c = connected_client();
  c.session->tick(SteadyClock::now() + std::chrono::seconds(10), unix_seconds());
  EXPECT_TRUE(c.connection.sent.empty());
}

TEST_F(SessionTest, PingsRepeatEveryInterval) {
  TestClient& c = connected_client();
  auto ping_at = SteadyClock::now() + std::chrono::seconds(25);
  c.session->tick(ping_at, unix_seconds());
  feed(c, "{}");
  c.session->tick(ping_at + std::chrono::seconds(24), unix_seconds());
  EXPECT_EQ(c.connection.sent.size(), 1u);
  c.session->tick(ping_at + std::chrono::seconds(25), unix_seconds());
  EXPECT_EQ(c.connection.sent, (std::vector<std::string>{"{}", "{}"}));
  EXPECT_TRUE(c.connection.closes.empty());
}

// tokens.md §2: a connection token whose `expire_at` is already past gets error 110.
// Regression: before 0f58f8c ClientSession::handle_connect accepted it (expires:true, ttl 0).
TEST_F(SessionTest, ConnectTokenWithPastExpireAtIsError110) {
  TestClient& c = new_client();
  std::string jwt =
      auth::sign_hmac_jwt(auth::HmacAlg::hs256, "secret",
                          R"({"sub":"u1","tenantId":"1","roles":["tenant_admin"],"expire_at":)" +
                              std::to_string(unix_seconds() - 60) + "}");
  feed(c, R"({"connect":{"token":")" + jwt + R"("},"id":1})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":1,"error":{"code":110,"message":"expired"}})");
  EXPECT_FALSE(c.session->authenticated());
}

// tokens.md §3 / errors §1: a subscription token whose `expire_at` is already past gets 110.
// Regression: before 0f58f8c ClientSession::authorize_subscribe accepted it (ttl 0).
TEST_F(SessionTest, SubscriptionTokenWithPastExpireAtIsError110) {
  TestClient& c = connected_client();
  std::string jwt =
      auth::sign_hmac_jwt(auth::HmacAlg::hs256, "secret",
                          R"({"sub":"u1","channel":"tenant:1:deployments","expire_at":)" +
                              std::to_string(unix_seconds() - 60) + "}");
  feed(c, R"({"subscribe":{"channel":"tenant:1:deployments","token":")" + jwt + R"("},"id":2})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":2,"error":{"code":110,"message":"expired"}})");
  EXPECT_EQ(c.session->subscription_count(), 0u);
}

// behaviour-notes §4, errors §3: an unknown-namespace channel among connect `subs` keys
// closes with 3501.
// Regression: before 0f58f8c ClientSession::handle_connect ignored such connect.subs keys.
TEST_F(SessionTest, ConnectSubsWithUnknownNamespaceClosesWith3501) {
  TestClient& c = new_client();
  feed(c, R"({"connect":{"token":")" + token("u1", "1", "tenant_admin") +
              R"(","subs":{"nope:x":{"recover":true,"offset":1,"epoch":"abcdefgh"}}},"id":1})");
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3501});
}

// ---- other commands ------------------------------------------------------------------------

TEST_F(SessionTest, SendCommandClosesWith3508) {
  TestClient& c = connected_client();
  feed(c, R"({"send":{"data":{"x":1}}})");
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3508});
}

TEST_F(SessionTest, RpcWithoutHandlersIsError108) {
  TestClient& c = connected_client();
  feed(c, R"({"rpc":{"method":"m","data":{}},"id":2})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":2,"error":{"code":108,"message":"not available"}})");
}

// The built-in `time` RPC (useServerTime in @neo-events/vue): the server's unix milliseconds.
TEST_F(SessionTest, RpcTimeAnswersTheServerClockInMilliseconds) {
  TestClient& c = connected_client();
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  feed(c, R"({"rpc":{"method":"time","data":{}},"id":2})");
  auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  ASSERT_EQ(c.connection.sent.size(), 1u);
  const std::string& reply = c.connection.sent[0];
  const std::string prefix = R"({"id":2,"rpc":{"data":{"time":)";
  ASSERT_EQ(reply.substr(0, prefix.size()), prefix) << reply;
  ASSERT_EQ(reply.substr(reply.size() - 3), "}}}") << reply;
  auto time = std::stoll(reply.substr(prefix.size(), reply.size() - prefix.size() - 3));
  EXPECT_GE(time, before);
  EXPECT_LE(time, after);
  feed(c, R"({"rpc":{"method":"Time","data":{}},"id":3})");
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(c.connection.sent[1], R"({"id":3,"error":{"code":108,"message":"not available"}})");
}

TEST_F(SessionTest, PublishRepliesAndReachesThePublisherWithInfo) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  c.connection.sent.clear();
  feed(c, R"({"publish":{"channel":"tenant:1:deployments","data":{"x":1}},"id":3})");
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":3,"publish":{}})");
  EXPECT_EQ(c.connection.sent[1],
            R"({"push":{"channel":"tenant:1:deployments","pub":{"data":{"x":1},)"
            R"("info":{"user":"u1","client":")" +
                std::string(c.session->client_id()) + R"("},"offset":1}}})");
}

TEST_F(SessionTest, PublishWithoutDataIsError107) {
  TestClient& c = connected_client();
  feed(c, R"({"publish":{"channel":"tenant:1:deployments"},"id":3})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(field(c.connection.sent[0], "/error/code"), "107");
}

TEST_F(SessionTest, HistorySinceReturnsLaterPublications) {
  publish(kChannel, "1");
  publish(kChannel, "2");
  auto position = publish(kChannel, "3");
  TestClient& c = connected_client();
  feed(c,
       R"({"history":{"channel":"tenant:1:deployments","limit":10,"since":{"offset":1,"epoch":")" +
           position.epoch + R"("}},"id":2})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":2,"history":{"publications":[{"data":2,"offset":2},)"
                                  R"({"data":3,"offset":3}],"epoch":")" +
                                      position.epoch + R"(","offset":3}})");
}

TEST_F(SessionTest, HistoryWithoutLimitIsPositionOnly) {
  publish(kChannel, "1");
  auto position = publish(kChannel, "2");
  TestClient& c = connected_client();
  feed(c, R"({"history":{"channel":"tenant:1:deployments"},"id":2})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":2,"history":{"publications":[],"epoch":")" +
                                      position.epoch + R"(","offset":2}})");
}

TEST_F(SessionTest, HistoryWithStaleEpochIsError112) {
  publish(kChannel, "1");
  TestClient& c = connected_client();
  feed(
      c,
      R"({"history":{"channel":"tenant:1:deployments","limit":10,"since":{"offset":1,"epoch":"stalEpch"}},"id":2})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0],
            R"({"id":2,"error":{"code":112,"message":"unrecoverable position"}})");
}

TEST_F(SessionTest, HistoryReverseFromOffsetZeroIsError107) {
  TestClient& c = connected_client();
  feed(
      c,
      R"({"history":{"channel":"tenant:1:deployments","limit":10,"since":{"offset":0},"reverse":true},"id":2})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(field(c.connection.sent[0], "/error/code"), "107");
}

TEST_F(SessionTest, PresenceListsTheSubscriber) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  c.connection.sent.clear();
  feed(c, R"({"presence":{"channel":"tenant:1:deployments"},"id":3})");
  feed(c, R"({"presence_stats":{"channel":"tenant:1:deployments"},"id":4})");
  ASSERT_EQ(c.connection.sent.size(), 2u);
  const std::string id(c.session->client_id());
  EXPECT_EQ(c.connection.sent[0], R"({"id":3,"presence":{"presence":{")" + id +
                                      R"(":{"user":"u1","client":")" + id + R"("}}}})");
  EXPECT_EQ(c.connection.sent[1], R"({"id":4,"presence_stats":{"num_clients":1,"num_users":1}})");
}

TEST_F(SessionTest, JoinPushFollowsTheSubscribeReplyWhenAsked) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel, ",\"join_leave\":true"));
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(field(c.connection.sent[0], "/id"), "2");
  EXPECT_EQ(c.connection.sent[1],
            R"({"push":{"channel":"tenant:1:deployments","join":{"info":{"user":"u1","client":")" +
                std::string(c.session->client_id()) + R"("}}}})");
}

TEST_F(SessionTest, LeaveReachesOtherJoinLeaveSubscribers) {
  TestClient& watcher = connected_client();
  feed(watcher, subscribe_frame(2, kChannel, ",\"join_leave\":true"));
  TestClient& other = connected_client();
  feed(other, subscribe_frame(2, kChannel));
  watcher.connection.sent.clear();
  feed(other, R"({"unsubscribe":{"channel":"tenant:1:deployments"},"id":3})");
  ASSERT_EQ(watcher.connection.sent.size(), 1u);
  EXPECT_EQ(text(watcher.connection.sent[0], "/push/leave/info/client"),
            other.session->client_id());
}

// ---- server-side subscriptions -------------------------------------------------------------

class ServerSideTest : public SessionTest {
 protected:
  TestClient& connect_with_channel() {
    TestClient& c = new_client();
    std::string jwt = auth::sign_hmac_jwt(
        auth::HmacAlg::hs256, "secret",
        R"({"sub":"u1","tenantId":"1","roles":["tenant_admin"],"channels":["tenant:1:deployments"]})");
    feed(c, R"({"connect":{"token":")" + jwt + R"("},"id":1})");
    return c;
  }
};

TEST_F(ServerSideTest, ConnectReplyListsTokenChannels) {
  publish(kChannel, "1");
  TestClient& c = connect_with_channel();
  ASSERT_EQ(c.connection.sent.size(), 1u);
  const std::string& reply = c.connection.sent[0];
  EXPECT_EQ(field(reply, "/connect/subs/tenant:1:deployments/recoverable"), "true");
  EXPECT_EQ(field(reply, "/connect/subs/tenant:1:deployments/positioned"), "true");
  EXPECT_EQ(field(reply, "/connect/subs/tenant:1:deployments/offset"), "1");
  EXPECT_EQ(text(reply, "/connect/subs/tenant:1:deployments/epoch"), top(kChannel).epoch);
  EXPECT_FALSE(field(reply, "/connect/expires").has_value());  // no exp in the token
  EXPECT_EQ(c.session->subscription_count(), 1u);
}

TEST_F(ServerSideTest, GapOnServerSideSubscriptionClosesWith3010) {
  TestClient& c = connect_with_channel();
  auto position = publish(kChannel, "1");
  Publication pub;
  pub.data = "0";
  dispatcher.on_publication(kChannel, pub, StreamPosition{position.offset + 2, position.epoch});
  run();
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3010});
}

// tokens.md §4 step 2, errors §3 (3010): a refresh token whose `channels` differ from the
// current server-side subscriptions closes the connection with 3010.
// Regression: before 0f58f8c ClientSession::handle_refresh ignored the channels and replied.
TEST_F(ServerSideTest, RefreshWithDifferentChannelsClosesWith3010) {
  TestClient& c = connect_with_channel();
  c.connection.sent.clear();
  std::string jwt = auth::sign_hmac_jwt(
      auth::HmacAlg::hs256, "secret",
      R"({"sub":"u1","tenantId":"1","roles":["tenant_admin"],"channels":["tenant:1:dashboard"]})");
  feed(c, R"({"refresh":{"token":")" + jwt + R"("},"id":2})");
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3010});
}

TEST_F(ServerSideTest, RefreshWithSameChannelsIsAccepted) {
  TestClient& c = connect_with_channel();
  c.connection.sent.clear();
  std::string jwt = auth::sign_hmac_jwt(
      auth::HmacAlg::hs256, "secret",
      R"({"sub":"u1","tenantId":"1","roles":["tenant_admin"],"channels":["tenant:1:deployments"]})");
  feed(c, R"({"refresh":{"token":")" + jwt + R"("},"id":2})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(c.connection.sent[0], R"({"id":2,"refresh":{}})");
  EXPECT_TRUE(c.connection.closes.empty());
}

// ---- teardown ------------------------------------------------------------------------------

TEST_F(SessionTest, ClosingTheSessionDropsItsInterest) {
  TestClient& c = connected_client();
  feed(c, subscribe_frame(2, kChannel));
  EXPECT_TRUE(interest.threads(kChannel).test(0));
  EXPECT_EQ(shard.hub.subscriber_count(kChannel), 1u);
  c.connection.sent.clear();
  c.session->on_close();
  EXPECT_TRUE(interest.threads(kChannel).none());
  EXPECT_EQ(shard.hub.subscriber_count(kChannel), 0u);
  EXPECT_EQ(shard.sessions.count(c.session.get()), 0u);
  publish(kChannel, "1");
  EXPECT_TRUE(c.connection.sent.empty());
}

// ---- deadlines through the shard's timer wheel (what the node's ticker does) ---------------

class DeadlineTest : public SessionTest {
 protected:
  // Advances the wheel to `at`, ticking the sessions it hands over, with a matching unix time.
  void advance_to(SteadyClock::time_point at) {
    auto unix_at =
        unix_seconds() +
        std::chrono::duration_cast<std::chrono::seconds>(at - SteadyClock::now()).count();
    shard.wheel.advance(
        at, [&](TimerWheel::Hook& due) { static_cast<ClientSession&>(due).tick(at, unix_at); });
    run();
  }
  SteadyClock::time_point start = SteadyClock::now();
};

TEST_F(DeadlineTest, WheelPingsAConnectedSessionWithinTheInterval) {
  TestClient& c = connected_client();
  advance_to(start + std::chrono::seconds(12));
  EXPECT_TRUE(c.connection.sent.empty());  // the first ping comes after half the interval
  advance_to(start + config.client.ping_interval + std::chrono::seconds(1));
  EXPECT_EQ(c.connection.sent, std::vector<std::string>{"{}"});
}

TEST_F(DeadlineTest, WheelClosesAConnectionThatNeverConnectsOnTime) {
  TestClient& c = new_client();
  advance_to(start + config.client.stale_close_delay - std::chrono::seconds(1));
  EXPECT_TRUE(c.connection.closes.empty());
  advance_to(start + config.client.stale_close_delay + std::chrono::seconds(1));
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3502});
}

// The token's expiry comes before the first ping and before the stale deadline: connecting
// must bring the session's wake-up forward.
TEST_F(DeadlineTest, WheelHonoursATokenThatExpiresBeforeAnythingElse) {
  config.client.expired_close_delay = std::chrono::seconds(0);
  TestClient& c = new_client();
  std::string soon =
      auth::sign_hmac_jwt(auth::HmacAlg::hs256, "secret",
                          R"({"sub":"u1","tenantId":"1","roles":["tenant_admin"],"exp":)" +
                              std::to_string(unix_seconds() + 2) + "}");
  feed(c, R"({"connect":{"token":")" + soon + R"("},"id":1})");
  ASSERT_TRUE(c.session->authenticated());
  advance_to(start + std::chrono::seconds(5));
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3005});
}

// Issue 10: an `exp` far ahead (year 9999, 2^63-1, now + 2^32) is a year from now. Before, the
// ttl was truncated to 32 bits (now + 2^32 -> ttl 0) and the deadline overflowed on its way to
// nanoseconds, so the session stopped pinging and centrifuge-js dropped the connection.
class FarExpiryTest : public DeadlineTest {
 protected:
  static std::vector<std::string> far_expiries() {
    return {"253402300799", "9223372036854775807",
            std::to_string(unix_seconds() + (std::int64_t{1} << 32))};
  }
  static std::string connection_token(const std::string& exp) {
    return auth::sign_hmac_jwt(
        auth::HmacAlg::hs256, "secret",
        R"({"sub":"u1","tenantId":"1","roles":["tenant_admin"],"exp":)" + exp + "}");
  }
  static std::string subscription_token(const std::string& exp) {
    return auth::sign_hmac_jwt(
        auth::HmacAlg::hs256, "secret",
        R"({"sub":"u1","channel":")" + std::string(kChannel) + R"(","exp":)" + exp + "}");
  }
  // The ttl in the reply with `id` among the frames sent, or -1.
  static long long ttl_in_reply(const TestClient& c, std::uint32_t id, std::string_view method) {
    for (const auto& frame : c.connection.sent) {
      if (field(frame, "/id") != std::to_string(id)) continue;
      auto ttl = field(frame, "/" + std::string(method) + "/ttl");
      return ttl ? std::stoll(*ttl) : -1;
    }
    return -1;
  }
  static void expect_a_year(long long ttl, const std::string& exp) {
    EXPECT_LE(ttl, kMaxExpirySeconds) << "exp " << exp;
    EXPECT_GE(ttl, kMaxExpirySeconds - 5) << "exp " << exp;
  }
  // Every client got a ping within the first interval and none was closed.
  void expect_pings(const std::vector<TestClient*>& pinged) {
    advance_to(start + config.client.ping_interval + std::chrono::seconds(1));
    for (TestClient* c : pinged) {
      EXPECT_EQ(c->connection.sent, std::vector<std::string>{"{}"});
      EXPECT_TRUE(c->connection.closes.empty());
    }
  }
};

TEST_F(FarExpiryTest, ConnectTtlIsAYearAndPingsGoOn) {
  std::vector<TestClient*> pinged;
  for (const auto& exp : far_expiries()) {
    TestClient& c = new_client();
    feed(c, R"({"connect":{"token":")" + connection_token(exp) + R"("},"id":1})");
    ASSERT_TRUE(c.session->authenticated()) << "exp " << exp;
    expect_a_year(ttl_in_reply(c, 1, "connect"), exp);
    c.connection.sent.clear();
    pinged.push_back(&c);
  }
  expect_pings(pinged);
}

TEST_F(FarExpiryTest, SubscribeRefreshAndSubRefreshTtlsAreAYear) {
  std::vector<TestClient*> pinged;
  for (const auto& exp : far_expiries()) {
    TestClient& c = connected_client();
    feed(c, R"({"subscribe":{"channel":")" + std::string(kChannel) + R"(","token":")" +
                subscription_token(exp) + R"("},"id":2})");
    expect_a_year(ttl_in_reply(c, 2, "subscribe"), exp);
    feed(c, R"({"sub_refresh":{"channel":")" + std::string(kChannel) + R"(","token":")" +
                subscription_token(exp) + R"("},"id":3})");
    expect_a_year(ttl_in_reply(c, 3, "sub_refresh"), exp);
    feed(c, R"({"refresh":{"token":")" + connection_token(exp) + R"("},"id":4})");
    expect_a_year(ttl_in_reply(c, 4, "refresh"), exp);
    c.connection.sent.clear();
    pinged.push_back(&c);
  }
  expect_pings(pinged);
}

TEST_F(DeadlineTest, ClosedSessionsLeaveTheWheel) {
  TestClient& c = connected_client();
  EXPECT_TRUE(c.session->scheduled());
  c.session->on_close();
  EXPECT_FALSE(c.session->scheduled());
}

}  // namespace
}  // namespace neo::session
