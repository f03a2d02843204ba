// RedisClient against real redis-server processes (support/redis_server.h): up only once PING
// answers (after AUTH and SELECT), replies in order, the command timeout that drops a stalled
// connection, the in-flight bound, PUB/SUB pushes (sharded too), and TLS with a throwaway CA
// made here with the openssl CLI, including the rejects (wrong CA, wrong name).
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/redis/redis_client.h"
#include "support/redis_server.h"

namespace neo::engine::redis {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::RedisServer;

// A reply as text: "OK", "ERR ...", "7", "(nil)", arrays as "[a b c]"; nullptr as "none".
std::string describe(const redisReply* r) {
  if (!r) return "none";
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (std::size_t i = 0; i < r->elements; ++i) out += (i ? " " : "") + describe(r->element[i]);
      return out + "]";
    }
    default:
      return std::string(r->str, r->len);
  }
}

// One io_context run by the test thread, and what the client's hooks saw.
class RedisClientTest : public ::testing::Test {
 protected:
  asio::io_context io;
  int connects = 0;
  std::vector<std::string> disconnects;
  std::vector<std::string> pushes;
  std::vector<std::string> errors;  // on_command_error reasons

  std::unique_ptr<RedisClient> client(const std::string& url, ClientOptions options = {}) {
    auto parsed = parse_address(url);
    EXPECT_TRUE(parsed) << parsed.error;
    options.on_command_error = [this](std::string_view reason) { errors.emplace_back(reason); };
    auto c = std::make_unique<RedisClient>(
        io, *parsed,
        RedisClient::Hooks{[this] { ++connects; },
                           [this](std::string why) { disconnects.push_back(std::move(why)); },
                           [this](redisReply* r) { pushes.push_back(describe(r)); }},
        std::move(options));
    c->start();
    return c;
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(5ms);
      if (io.stopped()) io.restart();
    }
    return done();
  }

  void run_for(std::chrono::milliseconds time) {
    run_until([] { return false; }, time);
  }

  std::unique_ptr<RedisClient> up(const std::string& url, ClientOptions options = {}) {
    auto c = client(url, std::move(options));
    EXPECT_TRUE(run_until([&] { return c->connected(); })) << testing::PrintToString(disconnects);
    return c;
  }

  // Sends one command and waits for its answer.
  std::string call(RedisClient& c, std::vector<std::string_view> args) {
    std::optional<std::string> answer;
    c.command(args, [&](redisReply* r) { answer = describe(r); });
    EXPECT_TRUE(run_until([&] { return answer.has_value(); }));
    return answer.value_or("no answer");
  }
};

TEST_F(RedisClientTest, UpOncePingAnswersThenCommandsRoundTrip) {
  RedisServer server;
  auto c = up(server.url());
  EXPECT_EQ(connects, 1);
  EXPECT_EQ(call(*c, {"SET", "k", "v"}), "OK");
  EXPECT_EQ(call(*c, {"GET", "k"}), "v");
  EXPECT_EQ(call(*c, {"NOSUCHCOMMAND"}).rfind("ERR unknown command", 0), 0u);
  EXPECT_EQ(errors, std::vector<std::string>{"error"});
}

TEST_F(RedisClientTest, RepliesAnswerCommandsInOrder) {
  RedisServer server;
  auto c = up(server.url());
  std::vector<std::string> answers;
  for (int i = 0; i < 500; ++i)  // one handler run: they leave together
    c->command({"INCR", "n"}, [&](redisReply* r) { answers.push_back(describe(r)); });
  ASSERT_TRUE(run_until([&] { return answers.size() == 500; }));
  for (int i = 0; i < 500; ++i) EXPECT_EQ(answers[i], std::to_string(i + 1));
}

TEST_F(RedisClientTest, Password) {
  RedisServer server;
  auto admin = up(server.url());
  EXPECT_EQ(call(*admin, {"CONFIG", "SET", "requirepass", "s3cret"}), "OK");
  auto c = up("redis://:s3cret@127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(call(*c, {"PING"}), "PONG");
}

TEST_F(RedisClientTest, AclUserAndPassword) {
  RedisServer server;
  auto admin = up(server.url());
  EXPECT_EQ(call(*admin, {"ACL", "SETUSER", "app", "on", ">p@ss", "~*", "&*", "+@all"}), "OK");
  auto c = up("redis://app:p%40ss@127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(call(*c, {"ACL", "WHOAMI"}), "app");
}

TEST_F(RedisClientTest, WrongPasswordIsNeverUp) {
  RedisServer server;
  auto admin = up(server.url());
  EXPECT_EQ(call(*admin, {"CONFIG", "SET", "requirepass", "s3cret"}), "OK");
  disconnects.clear();
  auto c = client("redis://:wrong@127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(run_until([&] { return disconnects.size() >= 2; }));
  EXPECT_EQ(connects, 1) << "the admin's only";
  EXPECT_FALSE(c->connected());
  EXPECT_EQ(disconnects[0],
            "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.");
  std::string answer;
  c->command({"PING"}, [&](redisReply* r) { answer = describe(r); });
  EXPECT_EQ(answer, "none");  // at once: nothing queues while down
  EXPECT_EQ(errors, std::vector<std::string>{"disconnected"});
}

TEST_F(RedisClientTest, SelectsTheDatabase) {
  RedisServer server;
  auto three = up(server.url() + "/3");
  auto zero = up(server.url());
  EXPECT_EQ(call(*three, {"SET", "k", "in-3"}), "OK");
  EXPECT_EQ(call(*zero, {"GET", "k"}), "(nil)");
  EXPECT_EQ(call(*three, {"GET", "k"}), "in-3");
}

TEST_F(RedisClientTest, ABadDatabaseIsNeverUp) {
  RedisServer server;
  auto c = client(server.url() + "/99");
  ASSERT_TRUE(run_until([&] { return !disconnects.empty(); }));
  EXPECT_EQ(connects, 0);
  EXPECT_EQ(disconnects[0], "SELECT 99 failed: ERR DB index is out of range");
}

// A proxy or load balancer that accepts while Redis is down: connected TCP is not up.
TEST_F(RedisClientTest, AcceptedButSilentIsNeverUp) {
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<std::shared_ptr<asio::ip::tcp::socket>> held;
  std::function<void()> accept = [&] {
    auto socket = std::make_shared<asio::ip::tcp::socket>(io);
    acceptor.async_accept(*socket, [&, socket](boost::system::error_code ec) {
      if (ec) return;
      held.push_back(socket);
      accept();
    });
  };
  accept();
  ClientOptions options;
  options.connect_timeout = 200ms;
  auto c = client("redis://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()), options);
  ASSERT_TRUE(run_until([&] { return disconnects.size() >= 2; }));
  EXPECT_EQ(connects, 0);
  EXPECT_FALSE(c->connected());
  EXPECT_EQ(disconnects[0],
            "no answer within engine.redis.connect_timeout (200 ms: connect, TLS, AUTH, PING)");
  EXPECT_GE(held.size(), 2u) << "it tries again";
}

TEST_F(RedisClientTest, ACommandWithoutReplyTimesOutAndTheConnectionIsRenewed) {
  RedisServer server;
  ClientOptions options;
  options.command_timeout = 200ms;
  options.connect_timeout = 3s;  // the reconnect's PING waits out the pause
  auto c = up(server.url(), options);
  EXPECT_EQ(call(*c, {"CLIENT", "PAUSE", "1000", "ALL"}), "OK");
  auto sent = std::chrono::steady_clock::now();
  std::string first, second;
  c->command({"GET", "k"}, [&](redisReply* r) { first = describe(r); });
  c->command({"GET", "k"}, [&](redisReply* r) { second = describe(r); });
  ASSERT_TRUE(run_until([&] { return !first.empty(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 200ms);
  EXPECT_EQ(first, "none");
  EXPECT_EQ(second, "none");
  EXPECT_EQ(errors, (std::vector<std::string>{"timeout", "disconnected"}));
  ASSERT_EQ(disconnects.size(), 1u);
  EXPECT_EQ(disconnects[0], "no reply within engine.redis.command_timeout (200 ms); reconnecting");
  ASSERT_TRUE(run_until([&] { return c->connected(); }));
  EXPECT_EQ(connects, 2);
  EXPECT_EQ(call(*c, {"PING"}), "PONG");
}

TEST_F(RedisClientTest, CommandsOverMaxInFlightFailAtOnce) {
  RedisServer server;
  ClientOptions options;
  options.max_in_flight = 2;
  auto c = up(server.url(), options);
  std::vector<std::string> answers(3);
  for (int i = 0; i < 3; ++i)
    c->command({"PING"}, [&, i](redisReply* r) { answers[i] = describe(r); });
  EXPECT_EQ(answers[2], "none");
  EXPECT_EQ(errors, std::vector<std::string>{"overload"});
  ASSERT_TRUE(run_until([&] { return !answers[1].empty(); }));
  EXPECT_EQ(answers, (std::vector<std::string>{"PONG", "PONG", "none"}));
  EXPECT_EQ(call(*c, {"PING"}), "PONG") << "room again once answered";
}

TEST_F(RedisClientTest, ReconnectsAfterRedisRestarts) {
  RedisServer server;
  auto c = up(server.url());
  server.restart();
  ASSERT_TRUE(run_until([&] { return connects == 2; }));
  EXPECT_EQ(disconnects, std::vector<std::string>{"connection closed"});
  EXPECT_EQ(call(*c, {"PING"}), "PONG");
}

TEST_F(RedisClientTest, PubSubPushesIncludingSharded) {
  RedisServer server;
  auto subscriber = up(server.url());
  auto publisher = up(server.url());
  ASSERT_TRUE(subscriber->pubsub("SUBSCRIBE", "ch"));
  ASSERT_TRUE(subscriber->pubsub("SSUBSCRIBE", "sch"));
  ASSERT_TRUE(run_until([&] { return pushes.size() == 2; }));
  EXPECT_EQ(call(*publisher, {"PUBLISH", "ch", "hello"}), "1");
  EXPECT_EQ(call(*publisher, {"SPUBLISH", "sch", "sharded"}), "1");
  ASSERT_TRUE(run_until([&] { return pushes.size() == 4; }));
  ASSERT_TRUE(subscriber->pubsub("SUNSUBSCRIBE", "sch"));
  ASSERT_TRUE(subscriber->pubsub("UNSUBSCRIBE", "ch"));
  ASSERT_TRUE(run_until([&] { return pushes.size() == 6; }));
  EXPECT_EQ(pushes, (std::vector<std::string>{"[subscribe ch 1]", "[ssubscribe sch 1]",
                                              "[message ch hello]", "[smessage sch sharded]",
                                              "[sunsubscribe sch 0]", "[unsubscribe ch 0]"}));
}

// A throwaway CA and a certificate it signed for 127.0.0.1 and localhost, and a second CA that
// signed nothing here.
class RedisClientTlsTest : public RedisClientTest {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("neo-redis-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
    for (const std::string ca : {"ca", "other-ca"})
      run("openssl req -x509" + ec + "-days 1 -subj /CN=" + ca + " -keyout " +
          path(ca + "-key.pem") + " -out " + path(ca + ".pem"));
    run("openssl req" + ec +
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
        " -keyout " +
        path("key.pem") + " -out " + path("req.pem"));
    run("openssl x509 -req -days 1 -copy_extensions copy -in " + path("req.pem") + " -CA " +
        path("ca.pem") + " -CAkey " + path("ca-key.pem") + " -CAcreateserial -out " +
        path("cert.pem"));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static void run(const std::string& command) {
    ASSERT_EQ(std::system((command + " 2>/dev/null").c_str()), 0) << command;
  }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  static RedisServer::Tls server_files() {
    return {path("cert.pem"), path("key.pem"), path("ca.pem")};
  }
  static ClientOptions trusting(const std::string& ca, std::string server_name = "") {
    config::RedisTlsOptions tls;
    tls.ca_file = path(ca);
    std::vector<std::string> problems;
    ClientOptions options;
    options.tls = make_tls_context(tls, problems);
    EXPECT_TRUE(problems.empty()) << problems.front();
    options.server_name = std::move(server_name);
    return options;
  }
  static std::string url(const RedisServer& server) {
    return "rediss://127.0.0.1:" + std::to_string(server.tls_port());
  }

  static inline fs::path dir_;
};

TEST_F(RedisClientTlsTest, VerifiedAgainstTheCa) {
  RedisServer server({}, server_files());
  auto c = up(url(server), trusting("ca.pem"));
  EXPECT_EQ(call(*c, {"SET", "k", "over tls"}), "OK");
  EXPECT_EQ(call(*c, {"GET", "k"}), "over tls");
}

TEST_F(RedisClientTlsTest, WrongCaIsNeverUp) {
  RedisServer server({}, server_files());
  auto c = client(url(server), trusting("other-ca.pem"));
  ASSERT_TRUE(run_until([&] { return !disconnects.empty(); }));
  run_for(300ms);
  EXPECT_EQ(connects, 0);
  EXPECT_EQ(disconnects[0],
            "TLS handshake failed: certificate verify failed (SSL routines) (self-signed "
            "certificate in certificate chain)");
}

TEST_F(RedisClientTlsTest, WrongServerNameIsNeverUp) {
  RedisServer server({}, server_files());
  auto c = client(url(server), trusting("ca.pem", "redis.example"));
  ASSERT_TRUE(run_until([&] { return !disconnects.empty(); }));
  EXPECT_EQ(connects, 0);
  EXPECT_EQ(disconnects[0].rfind("TLS handshake failed: certificate verify failed", 0), 0u)
      << disconnects[0];
}

TEST_F(RedisClientTlsTest, ServerNameThatMatches) {
  RedisServer server({}, server_files());
  auto c = up(url(server), trusting("ca.pem", "localhost"));
  EXPECT_EQ(call(*c, {"PING"}), "PONG");
}

TEST_F(RedisClientTlsTest, InsecureSkipVerify) {
  RedisServer server({}, server_files());
  config::RedisTlsOptions tls;
  tls.insecure_skip_verify = true;
  std::vector<std::string> problems;
  ClientOptions options;
  options.tls = make_tls_context(tls, problems);
  auto c = up(url(server), options);
  EXPECT_EQ(call(*c, {"PING"}), "PONG");
}

TEST_F(RedisClientTlsTest, PlainTextToTheTlsPortIsNeverUp) {
  RedisServer server({}, server_files());
  ClientOptions options;
  options.connect_timeout = 300ms;
  auto c = client("redis://127.0.0.1:" + std::to_string(server.tls_port()), options);
  ASSERT_TRUE(run_until([&] { return !disconnects.empty(); }));
  EXPECT_EQ(connects, 0);
}

}  // namespace
}  // namespace neo::engine::redis
