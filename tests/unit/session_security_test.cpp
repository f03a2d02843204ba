// Security suite for ClientSession with every hardening service wired in: MemoryEngine, Policy,
// TokenVerifier, Limits and an AuditLog writing to a temp file. One table row per attack with
// its exact answer (close code or error reply), what must not have been delivered, and the
// audit line it leaves (README "Multi-tenant limits and the audit log", "Limits and codes").
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_log.h"
#include "auth/base64url.h"
#include "auth/policy.h"
#include "auth/token.h"
#include "config/loader.h"
#include "core/clock.h"
#include "engine/memory/memory_engine.h"
#include "hub/interest_map.h"
#include "limits/limits.h"
#include "session/client_session.h"
#include "session/dispatcher.h"
#include "session/services.h"
#include "support/fake_connection.h"
#include "support/fake_shared_quota.h"
#include "support/fake_shared_rate.h"

namespace neo::session {
namespace {

using fakes::FakeConnection;
using fakes::TestClient;

namespace fs = std::filesystem;

constexpr std::string_view kAttackerAddress = "203.0.113.9:4444";

// The value at a JSON pointer, minified, or nullopt.
std::optional<std::string> field(const std::string& json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return std::nullopt;
  simdjson::dom::element value;
  if (doc.at_pointer(pointer).get(value)) return std::nullopt;
  return simdjson::minify(value);
}

// The data of every pub push among `frames`, minified.
std::vector<std::string> pubs(const std::vector<std::string>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames)
    if (auto data = field(f, "/push/pub/data")) out.push_back(*data);
  return out;
}

// ---- tokens and frames ---------------------------------------------------------------------

std::string jwt(std::string_view payload) {
  return auth::sign_hmac_jwt(auth::HmacAlg::hs256, "secret", payload);
}

std::string exp_in(std::int64_t seconds) { return std::to_string(unix_seconds() + seconds); }

// Connection-token claims for `user` of `tenant` with one role, valid for an hour.
std::string claims(std::string_view user, std::string_view tenant, std::string_view role,
                   std::string_view extra = "") {
  return "{\"sub\":\"" + std::string(user) + "\",\"tenantId\":\"" + std::string(tenant) +
         "\",\"roles\":[\"" + std::string(role) + "\"],\"exp\":" + exp_in(3600) +
         std::string(extra) + "}";
}

std::string token(std::string_view user, std::string_view tenant,
                  std::string_view role = "tenant_admin", std::string_view extra = "") {
  return jwt(claims(user, tenant, role, extra));
}

std::string connect_frame(std::string_view token) {
  return R"({"connect":{"token":")" + std::string(token) + R"(","name":"js"},"id":1})";
}

std::string subscribe_frame(int id, std::string_view channel, std::string_view sub_token = "") {
  std::string frame = "{\"subscribe\":{\"channel\":\"" + std::string(channel) + "\"";
  if (!sub_token.empty()) frame += ",\"token\":\"" + std::string(sub_token) + "\"";
  return frame + "},\"id\":" + std::to_string(id) + "}";
}

std::string publish_frame(int id, std::string_view channel, int n) {
  return "{\"publish\":{\"channel\":\"" + std::string(channel) +
         "\",\"data\":{\"n\":" + std::to_string(n) + "}},\"id\":" + std::to_string(id) + "}";
}

std::string rpc_frame(int id) {
  return R"({"rpc":{"method":"m","data":{}},"id":)" + std::to_string(id) + "}";
}

std::string error_reply(int id, int code, std::string_view message, bool temporary = false) {
  return "{\"id\":" + std::to_string(id) + ",\"error\":{\"code\":" + std::to_string(code) +
         ",\"message\":\"" + std::string(message) + "\"" +
         (temporary ? ",\"temporary\":true" : "") + "}}";
}

// ---- the world: one node's services around fake connections -------------------------------

struct AuditLine {
  std::map<std::string, std::string> fields;  // string fields; "code" as decimal text
  std::string raw;
};

class World {
 public:
  explicit World(config::Config c) : config(std::move(c)) {
    engine.start(dispatcher);
    services.limits = &limits;
    services.audit = audit.get();
  }
  ~World() { clients.clear(); }  // sessions leave the shard (and their quota) first

  TestClient& new_client(std::string address = "127.0.0.1:50000") {
    auto client = std::make_unique<TestClient>(io, std::move(address));
    client->session = std::make_unique<ClientSession>(services, shard, client->connection);
    clients.push_back(std::move(client));
    return *clients.back();
  }

  void run() {
    io.restart();
    io.run();
  }

  // One WebSocket message, delivered on the session's thread; then everything settles.
  void feed(TestClient& client, std::string frame) {
    boost::asio::post(io,
                      [&client, frame = std::move(frame)] { client.session->on_message(frame); });
    run();
  }

  // A legitimate, connected session (its connect reply checked and cleared).
  TestClient& connect(std::string_view user, std::string_view tenant,
                      std::string_view role = "tenant_admin") {
    TestClient& c = new_client();
    feed(c, connect_frame(token(user, tenant, role)));
    EXPECT_TRUE(c.session->authenticated()) << user << "@" << tenant;
    EXPECT_EQ(c.connection.sent.size(), 1u);
    c.connection.sent.clear();
    return c;
  }

  // A connected session subscribed to `channel` (the subscribe reply checked and cleared).
  TestClient& subscriber(std::string_view user, std::string_view tenant, std::string_view channel,
                         std::string_view role = "tenant_admin") {
    TestClient& c = connect(user, tenant, role);
    feed(c, subscribe_frame(2, channel));
    EXPECT_EQ(c.connection.sent.size(), 1u);
    EXPECT_EQ(field(c.connection.sent.at(0), "/id"), "2") << c.connection.sent.at(0);
    EXPECT_EQ(c.session->subscription_count(), 1u);
    c.connection.sent.clear();
    return c;
  }

  // A publication straight into the engine (as the server API would), delivered to subscribers.
  void publish(std::string_view channel, std::string data) {
    Publication pub;
    pub.data = std::move(data);
    engine.publish(channel, std::move(pub), history_options(*namespace_for(config, channel)),
                   [](Result<StreamPosition>) {});
    run();
  }

  // Flushes the audit log (by destroying it) and returns its lines; later events are lost.
  std::vector<AuditLine> audit_lines() {
    services.audit = nullptr;
    audit.reset();
    std::vector<AuditLine> out;
    std::ifstream in(audit_path);
    std::string text;
    simdjson::dom::parser parser;
    while (std::getline(in, text)) {
      AuditLine line;
      line.raw = text;
      simdjson::dom::object object;
      if (parser.parse(text).get(object)) {
        ADD_FAILURE() << "audit line is not a JSON object: " << text;
        continue;
      }
      for (auto [key, value] : object) {
        std::string_view s;
        std::uint64_t n = 0;
        if (!value.get_string().get(s))
          line.fields[std::string(key)] = std::string(s);
        else if (!value.get_uint64().get(n))
          line.fields[std::string(key)] = std::to_string(n);
      }
      out.push_back(std::move(line));
    }
    return out;
  }

  static std::string temp_path() {
    static std::atomic<int> counter{0};
    return (fs::temp_directory_path() / ("neo-security-audit-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter++) + ".log"))
        .string();
  }

  struct RemoveFile {
    std::string path;
    ~RemoveFile() {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
  };

  config::Config config;
  std::string audit_path = temp_path();
  RemoveFile remove_audit_file{audit_path};
  boost::asio::io_context io;
  engine::MemoryEngine engine;
  auth::Policy policy{config};
  auth::TokenVerifier verifier{config.client.token};
  hub::InterestMap interest;
  Shard shard{0, io};
  Services services{config,   engine,   policy, verifier,      interest,
                    {&shard}, "node-1", "node", "test-version"};
  Dispatcher dispatcher{services};
  limits::Limits limits{config};
  std::unique_ptr<audit::AuditLog> audit =
      std::make_unique<audit::AuditLog>(config::AuditOptions{true, audit_path}, "node-1");
  std::vector<std::unique_ptr<TestClient>> clients;
};

config::Config base_config() { return config::development_config("secret", "apikey"); }

// ---- the table -----------------------------------------------------------------------------

struct ExpectedAudit {
  std::string action;
  std::uint32_t code;
  std::string user;
  std::string tenant;
  std::string channel;
};

struct Attack {
  std::string name;
  std::function<void(config::Config&)> configure;  // may be empty
  // Sets up bystanders, runs the attack, returns the attacker (connected from kAttackerAddress).
  std::function<TestClient&(World&)> run;
  std::uint16_t close;     // the attacker's connection is closed with this code; 0: stays open
  std::string last_frame;  // the attacker's last frame, exactly; "": it received none at all
  // What must (not) have reached the attacker and the bystanders.
  std::function<void(World&, TestClient&)> nothing_leaked;
  ExpectedAudit audit;  // exactly one line with this action, carrying these fields
};

void PrintTo(const Attack& attack, std::ostream* os) { *os << attack.name; }

TestClient& attacker_with_token(World& w, const std::string& jwt_text) {
  TestClient& a = w.new_client(std::string(kAttackerAddress));
  w.feed(a, connect_frame(jwt_text));
  return a;
}

TestClient& connected_attacker(World& w, std::string_view user = "u1",
                               std::string_view tenant = "1",
                               std::string_view role = "tenant_admin") {
  TestClient& a = attacker_with_token(w, token(user, tenant, role));
  EXPECT_TRUE(a.session->authenticated());
  EXPECT_EQ(a.connection.sent.size(), 1u);
  a.connection.sent.clear();
  return a;
}

// A refused connect: not authenticated, not counted, and nothing later reaches it — neither
// its token's server-side channel nor another command.
void refused_connect(World& w, TestClient& a, std::string_view tenant, std::string_view channel) {
  EXPECT_FALSE(a.session->authenticated());
  EXPECT_EQ(a.session->subscription_count(), 0u);
  EXPECT_EQ(w.limits.connections(tenant), 0u) << "a refused connection was counted";
  std::size_t frames = a.connection.sent.size();
  w.feed(a, subscribe_frame(2, channel));
  w.publish(channel, R"({"leak":true})");
  EXPECT_EQ(a.connection.sent.size(), frames) << "a refused connection still gets frames";
}

// Victim `v2` of tenant 2 is subscribed to tenant:2:deployments and gets `expected` publications;
// a publication made now reaches the victim only.
void only_victim_receives(World& w, TestClient& victim, TestClient& a,
                          std::vector<std::string> expected = {}) {
  w.publish("tenant:2:deployments", R"({"private":2})");
  expected.push_back(R"({"private":2})");
  EXPECT_EQ(pubs(victim.connection.sent), expected);
  EXPECT_TRUE(pubs(a.connection.sent).empty());
}

TestClient* g_victim = nullptr;  // set by rows that have one, for their nothing_leaked check

std::vector<Attack> attacks() {
  const std::string theirs = "tenant:2:deployments";
  const std::string ours = "tenant:1:deployments";
  std::vector<Attack> rows;

  rows.push_back({"CrossTenantSubscribe",
                  nullptr,
                  [theirs](World& w) -> TestClient& {
                    g_victim = &w.subscriber("v2", "2", theirs);
                    TestClient& a = connected_attacker(w);
                    w.feed(a, subscribe_frame(2, theirs));
                    return a;
                  },
                  0,
                  error_reply(2, 103, "permission denied"),
                  [](World& w, TestClient& a) {
                    EXPECT_EQ(a.session->subscription_count(), 0u);
                    EXPECT_TRUE(w.interest.threads("tenant:2:deployments").test(0));  // victim's
                    EXPECT_EQ(w.shard.hub.subscriber_count("tenant:2:deployments"), 1u);
                    only_victim_receives(w, *g_victim, a);
                  },
                  {"subscribe", 103, "u1", "1", theirs}});

  rows.push_back({"CrossTenantSubscribeToATenantWithALongerId",
                  nullptr,
                  [](World& w) -> TestClient& {
                    TestClient& a = connected_attacker(w);
                    w.feed(a, subscribe_frame(2, "tenant:11:deployments"));
                    return a;
                  },
                  0,
                  error_reply(2, 103, "permission denied"),
                  [](World& w, TestClient& a) {
                    w.publish("tenant:11:deployments", "1");
                    EXPECT_EQ(a.session->subscription_count(), 0u);
                  },
                  {"subscribe", 103, "u1", "1", "tenant:11:deployments"}});

  rows.push_back({"CrossTenantPublish",
                  nullptr,
                  [theirs](World& w) -> TestClient& {
                    g_victim = &w.subscriber("v2", "2", theirs);
                    TestClient& a = connected_attacker(w);
                    w.feed(a, publish_frame(2, theirs, 666));
                    return a;
                  },
                  0,
                  error_reply(2, 103, "permission denied"),
                  [](World& w, TestClient& a) { only_victim_receives(w, *g_victim, a); },
                  {"publish", 103, "u1", "1", theirs}});

  rows.push_back({"PublishOutsideTheRolesPatterns",
                  nullptr,
                  [ours](World& w) -> TestClient& {
                    g_victim = &w.subscriber("o1", "1", ours);
                    TestClient& a = connected_attacker(w, "u1", "1", "tenant_user");
                    w.feed(a, publish_frame(2, ours, 666));
                    return a;
                  },
                  0,
                  error_reply(2, 103, "permission denied"),
                  [](World&, TestClient&) { EXPECT_TRUE(pubs(g_victim->connection.sent).empty()); },
                  {"publish", 103, "u1", "1", ours}});

  for (const char* tenant : {"123:*", "123:x"}) {
    std::string name = std::string("TenantIdInjection") + (tenant[4] == '*' ? "Star" : "Colon");
    rows.push_back(
        {name,
         nullptr,
         [tenant](World& w) -> TestClient& {
           g_victim = &w.subscriber("v", "123", "tenant:123:deployments");
           return attacker_with_token(
               w, token("u1", tenant, "tenant_admin", R"(,"channels":["tenant:123:deployments"])"));
         },
         3500,
         "",
         [tenant](World& w, TestClient& a) {
           refused_connect(w, a, tenant, "tenant:123:deployments");
           EXPECT_EQ(w.limits.connections("123"), 1u);  // the victim only
           EXPECT_EQ(pubs(g_victim->connection.sent).size(), 1u);
         },
         {"connect", 3500, "", "", ""}});
  }

  rows.push_back({"AlgNone",
                  nullptr,
                  [](World& w) -> TestClient& {
                    std::string unsigned_token =
                        auth::detail::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                        auth::detail::base64url_encode(claims("u1", "1", "admin")) + ".";
                    return attacker_with_token(w, unsigned_token);
                  },
                  3500,
                  "",
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 3500, "", "", ""}});

  rows.push_back({"AlgNoneWithASignature",
                  nullptr,
                  [](World& w) -> TestClient& {
                    std::string signed_token = token("u1", "1", "admin");
                    std::string forged =
                        auth::detail::base64url_encode(R"({"alg":"none","typ":"JWT"})") +
                        signed_token.substr(signed_token.find('.'));
                    return attacker_with_token(w, forged);
                  },
                  3500,
                  "",
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 3500, "", "", ""}});

  rows.push_back({"ExpiredToken",
                  nullptr,
                  [](World& w) -> TestClient& {
                    return attacker_with_token(
                        w, jwt(R"({"sub":"u1","tenantId":"1","roles":["tenant_admin"],)"
                               R"("channels":["tenant:1:deployments"],"exp":)" +
                               exp_in(-60) + "}"));
                  },
                  0,
                  error_reply(1, 109, "token expired"),
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 109, "u1", "1", ""}});

  rows.push_back({"NotBeforeInTheFuture",
                  nullptr,
                  [](World& w) -> TestClient& {
                    return attacker_with_token(
                        w, token("u1", "1", "tenant_admin",
                                 R"(,"channels":["tenant:1:deployments"],"nbf":)" + exp_in(600)));
                  },
                  0,
                  error_reply(1, 109, "token expired"),
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 109, "u1", "1", ""}});

  rows.push_back({"WrongAudience",
                  [](config::Config& c) { c.client.token.audience = "neo-events"; },
                  [](World& w) -> TestClient& {
                    return attacker_with_token(
                        w, token("u1", "1", "tenant_admin", R"(,"aud":"billing-service")"));
                  },
                  3500,
                  "",
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 3500, "", "", ""}});

  rows.push_back({"MissingAudience",
                  [](config::Config& c) { c.client.token.audience = "neo-events"; },
                  [](World& w) -> TestClient& { return attacker_with_token(w, token("u1", "1")); },
                  3500,
                  "",
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 3500, "", "", ""}});

  rows.push_back({"WrongIssuer",
                  [](config::Config& c) { c.client.token.issuer = "https://auth.neo-stack.com"; },
                  [](World& w) -> TestClient& {
                    return attacker_with_token(
                        w, token("u1", "1", "tenant_admin", R"(,"iss":"https://evil.example")"));
                  },
                  3500,
                  "",
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 3500, "", "", ""}});

  rows.push_back({"TokenOverMaxBytes",
                  [](config::Config& c) { c.client.token.max_bytes = 1024; },
                  [](World& w) -> TestClient& {
                    std::string big = token("u1", "1", "tenant_admin",
                                            R"(,"info":{"pad":")" + std::string(1200, 'x') + "\"}");
                    EXPECT_GT(big.size(), 1024u);
                    return attacker_with_token(w, big);
                  },
                  3500,
                  "",
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 3500, "", "", ""}});

  rows.push_back({"ChannelClaimInAConnectionToken",
                  nullptr,
                  [](World& w) -> TestClient& {
                    return attacker_with_token(w, token("u1", "1", "tenant_admin",
                                                        R"(,"channel":"tenant:2:deployments")"));
                  },
                  3500,
                  "",
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"connect", 3500, "", "", ""}});

  rows.push_back({"ServerSideChannelOfAnotherTenantInTheToken",
                  nullptr,
                  [theirs](World& w) -> TestClient& {
                    g_victim = &w.subscriber("v2", "2", theirs);
                    return attacker_with_token(
                        w, token("u1", "1", "tenant_admin",
                                 R"(,"channels":["tenant:1:deployments","tenant:2:deployments"])"));
                  },
                  0,
                  error_reply(1, 103, "permission denied"),
                  [](World& w, TestClient& a) {
                    EXPECT_FALSE(a.session->authenticated());
                    EXPECT_EQ(a.session->subscription_count(), 0u);
                    EXPECT_EQ(w.limits.connections("1"), 0u);
                    only_victim_receives(w, *g_victim, a);
                  },
                  {"subscribe", 103, "u1", "1", theirs}});

  rows.push_back({"SecondConnectionOverTheTenantQuota",
                  [](config::Config& c) { c.tenants.max_connections = 1; },
                  [](World& w) -> TestClient& {
                    w.connect("first", "1");
                    return attacker_with_token(w, token("u2", "1", "tenant_admin",
                                                        R"(,"channels":["tenant:1:deployments"])"));
                  },
                  3504,
                  "",
                  [ours](World& w, TestClient& a) {
                    EXPECT_EQ(a.connection.close_reason, "connection limit");
                    EXPECT_FALSE(a.session->authenticated());
                    EXPECT_EQ(a.session->subscription_count(), 0u);
                    w.publish(ours, "1");
                    EXPECT_EQ(w.limits.connections("1"), 1u);
                    TestClient& other = w.connect("u3", "2");  // another tenant is admitted
                    EXPECT_TRUE(other.connection.closes.empty());
                    EXPECT_EQ(w.limits.connections("2"), 1u);
                    EXPECT_EQ(w.limits.connections("1"), 1u);
                  },
                  {"quota:tenant_connections", 3504, "u2", "1", ""}});

  rows.push_back({"PublishRateOfTheTenant",
                  [](config::Config& c) { c.tenants.max_publish_per_second = 2; },
                  [ours](World& w) -> TestClient& {
                    g_victim = &w.subscriber("o1", "1", ours);
                    TestClient& a = connected_attacker(w);
                    w.feed(a, publish_frame(2, ours, 1) + "\n" + publish_frame(3, ours, 2) + "\n" +
                                  publish_frame(4, ours, 3));
                    return a;
                  },
                  0,
                  error_reply(4, 111, "too many requests", true),
                  [](World&, TestClient& a) {
                    ASSERT_EQ(a.connection.sent.size(), 3u);
                    EXPECT_EQ(a.connection.sent[0], R"({"id":2,"publish":{}})");
                    EXPECT_EQ(a.connection.sent[1], R"({"id":3,"publish":{}})");
                    EXPECT_EQ(pubs(g_victim->connection.sent),
                              (std::vector<std::string>{R"({"n":1})", R"({"n":2})"}));
                  },
                  {"quota:tenant_publish_rate", 111, "u1", "1", ours}});

  rows.push_back({"RateLimitsPattern",
                  [](config::Config& c) {
                    c.rate_limits = {{"tenant:*:dashboard", 1}};
                  },
                  [](World& w) -> TestClient& {
                    g_victim = &w.subscriber("o1", "1", "tenant:1:dashboard");
                    TestClient& a = connected_attacker(w);
                    w.feed(a, publish_frame(2, "tenant:1:dashboard", 1) + "\n" +
                                  publish_frame(3, "tenant:1:dashboard", 2));
                    return a;
                  },
                  0,
                  error_reply(3, 111, "too many requests", true),
                  [](World& w, TestClient& a) {
                    ASSERT_EQ(a.connection.sent.size(), 2u);
                    EXPECT_EQ(a.connection.sent[0], R"({"id":2,"publish":{}})");
                    EXPECT_EQ(pubs(g_victim->connection.sent),
                              std::vector<std::string>{R"({"n":1})"});
                    // Another channel of the same tenant is not limited by the pattern.
                    w.feed(a, publish_frame(4, "tenant:1:deployments", 3));
                    EXPECT_EQ(a.connection.sent.back(), R"({"id":4,"publish":{}})");
                  },
                  {"quota:channel_rate", 111, "u1", "1", "tenant:1:dashboard"}});

  rows.push_back({"ChannelLimit",
                  [](config::Config& c) { c.client.channel_limit = 2; },
                  [](World& w) -> TestClient& {
                    TestClient& a = connected_attacker(w);
                    w.feed(a, subscribe_frame(2, "tenant:1:deployments") + "\n" +
                                  subscribe_frame(3, "tenant:1:dashboard") + "\n" +
                                  subscribe_frame(4, "tenant:1:billing"));
                    return a;
                  },
                  0,
                  error_reply(4, 106, "limit exceeded"),
                  [](World& w, TestClient& a) {
                    ASSERT_EQ(a.connection.sent.size(), 3u);
                    EXPECT_EQ(field(a.connection.sent[0], "/id"), "2");
                    EXPECT_EQ(field(a.connection.sent[1], "/id"), "3");
                    EXPECT_FALSE(field(a.connection.sent[1], "/error").has_value());
                    EXPECT_EQ(a.session->subscription_count(), 2u);
                    EXPECT_EQ(w.shard.hub.subscriber_count("tenant:1:billing"), 0u);
                    w.publish("tenant:1:billing", "1");
                  },
                  {"quota:channel_limit", 106, "u1", "1", "tenant:1:billing"}});

  rows.push_back({"TokenChannelsOverTheChannelLimit",
                  [](config::Config& c) { c.client.channel_limit = 2; },
                  [](World& w) -> TestClient& {
                    return attacker_with_token(
                        w, token("u1", "1", "tenant_admin",
                                 R"(,"channels":["tenant:1:a","tenant:1:b","tenant:1:c"])"));
                  },
                  3505,
                  "",
                  [ours](World& w, TestClient& a) { refused_connect(w, a, "1", ours); },
                  {"quota:channel_limit", 3505, "u1", "1", ""}});

  rows.push_back({"CommandRate",
                  [](config::Config& c) {
                    c.client.command_rate_per_second = 3;
                    c.client.command_burst = 3;
                  },
                  [ours](World& w) -> TestClient& {
                    g_victim = &w.subscriber("o1", "1", ours);
                    TestClient& a = connected_attacker(w);
                    w.feed(a, rpc_frame(2) + "\n" + rpc_frame(3) + "\n" + rpc_frame(4) + "\n" +
                                  publish_frame(5, ours, 1) + "\n" + rpc_frame(6));
                    return a;
                  },
                  0,
                  error_reply(6, 111, "too many requests", true),
                  [](World&, TestClient& a) {
                    ASSERT_EQ(a.connection.sent.size(), 5u);
                    for (int i = 0; i < 3; ++i)
                      EXPECT_EQ(a.connection.sent[i], error_reply(2 + i, 108, "not available"));
                    EXPECT_EQ(a.connection.sent[3], error_reply(5, 111, "too many requests", true));
                    EXPECT_TRUE(a.session->authenticated());  // the connection stays
                    EXPECT_TRUE(pubs(g_victim->connection.sent).empty());
                  },
                  // Once per episode: one line for the two refused commands.
                  {"quota:command_rate", 111, "u1", "1", ""}});

  rows.push_back({"SubscriptionTokenForAnotherTenantsChannel",
                  nullptr,
                  [theirs](World& w) -> TestClient& {
                    g_victim = &w.subscriber("v2", "2", theirs);
                    TestClient& a = connected_attacker(w);
                    std::string sub_token = jwt(R"({"sub":"u1","channel":"tenant:2:deployments",)"
                                                R"("exp":)" +
                                                exp_in(3600) + "}");
                    w.feed(a, subscribe_frame(2, theirs, sub_token));
                    return a;
                  },
                  0,
                  error_reply(2, 103, "permission denied"),
                  [](World& w, TestClient& a) {
                    EXPECT_EQ(a.session->subscription_count(), 0u);
                    only_victim_receives(w, *g_victim, a);
                  },
                  {"subscribe", 103, "u1", "1", theirs}});

  rows.push_back({"SubscriptionTokenOverMaxBytes",
                  [](config::Config& c) { c.client.token.max_bytes = 1024; },
                  [ours](World& w) -> TestClient& {
                    TestClient& a = connected_attacker(w, "u1", "1", "tenant_user");
                    std::string sub_token =
                        jwt(R"({"sub":"u1","channel":"tenant:1:deployments","info":{"pad":")" +
                            std::string(1200, 'x') + R"("},"exp":)" + exp_in(3600) + "}");
                    EXPECT_GT(sub_token.size(), 1024u);
                    w.feed(a, subscribe_frame(2, "tenant:2:deployments", sub_token));
                    return a;
                  },
                  0,
                  error_reply(2, 103, "permission denied"),
                  [](World& w, TestClient& a) {
                    EXPECT_EQ(a.session->subscription_count(), 0u);
                    w.publish("tenant:2:deployments", "1");
                  },
                  {"subscribe", 103, "u1", "1", "tenant:2:deployments"}});

  rows.push_back({"SubscriptionTokenOfAnotherUser",
                  nullptr,
                  [ours](World& w) -> TestClient& {
                    g_victim = &w.subscriber("o1", "1", ours);
                    TestClient& a = connected_attacker(w, "u1", "1", "tenant_user");
                    std::string sub_token = jwt(R"({"sub":"o1","channel":"tenant:1:deployments",)"
                                                R"("exp":)" +
                                                exp_in(3600) + "}");
                    w.feed(a, subscribe_frame(2, ours, sub_token));
                    return a;
                  },
                  3500,
                  "",
                  [ours](World& w, TestClient& a) {
                    EXPECT_EQ(a.session->subscription_count(), 0u);
                    w.publish(ours, "1");
                    EXPECT_EQ(pubs(g_victim->connection.sent).size(), 1u);
                  },
                  {"subscribe", 3500, "u1", "1", ours}});

  return rows;
}

class SecurityAttackTest : public ::testing::TestWithParam<Attack> {
 protected:
  void TearDown() override { g_victim = nullptr; }
};

TEST_P(SecurityAttackTest, IsRefusedWithItsCodeLeaksNothingAndIsAudited) {
  const Attack& attack = GetParam();
  config::Config config = base_config();
  if (attack.configure) attack.configure(config);
  World w(std::move(config));

  TestClient& a = attack.run(w);
  if (attack.close)
    EXPECT_EQ(a.connection.closes, std::vector<std::uint16_t>{attack.close});
  else
    EXPECT_TRUE(a.connection.closes.empty()) << a.connection.closes.front();
  EXPECT_TRUE(a.connection.aborts.empty());
  if (attack.last_frame.empty()) {
    EXPECT_TRUE(a.connection.sent.empty()) << a.connection.sent.front();
  } else {
    ASSERT_FALSE(a.connection.sent.empty());
    EXPECT_EQ(a.connection.sent.back(), attack.last_frame);
  }
  if (attack.nothing_leaked) attack.nothing_leaked(w, a);
  EXPECT_TRUE(pubs(a.connection.sent).empty()) << "a publication reached the attacker";

  std::vector<AuditLine> lines = w.audit_lines();
  std::vector<const AuditLine*> matching;
  for (const auto& line : lines) {
    if (line.fields.at("action") == attack.audit.action) matching.push_back(&line);
    EXPECT_EQ(line.raw.find("eyJ"), std::string::npos) << "a token in the audit log";
    EXPECT_EQ(line.raw.find("secret"), std::string::npos) << line.raw;
  }
  ASSERT_EQ(matching.size(), 1u) << "audit lines with action " << attack.audit.action << ": "
                                 << matching.size() << " of " << lines.size();
  const auto& f = matching[0]->fields;
  EXPECT_EQ(f.at("code"), std::to_string(attack.audit.code));
  EXPECT_EQ(f.at("user"), attack.audit.user);
  EXPECT_EQ(f.at("tenant"), attack.audit.tenant);
  EXPECT_EQ(f.at("channel"), attack.audit.channel);
  EXPECT_EQ(f.at("remote"), kAttackerAddress);
  EXPECT_EQ(f.at("node"), "node-1");
  EXPECT_FALSE(f.at("reason").empty());
}

INSTANTIATE_TEST_SUITE_P(Attacks, SecurityAttackTest, ::testing::ValuesIn(attacks()),
                         [](const ::testing::TestParamInfo<Attack>& info) {
                           return info.param.name;
                         });

// ---- controls and quota lifecycle ----------------------------------------------------------

class SessionSecurityTest : public ::testing::Test {
 protected:
  std::unique_ptr<World> world(const std::function<void(config::Config&)>& configure = nullptr) {
    config::Config config = base_config();
    if (configure) configure(config);
    return std::make_unique<World>(std::move(config));
  }
};

// The attacks above fail for the right reason: the same settings admit legitimate tokens.
TEST_F(SessionSecurityTest, ControlsAreAdmitted) {
  auto w = world([](config::Config& c) {
    c.client.token.audience = "neo-events";
    c.client.token.issuer = "https://auth.neo-stack.com";
    c.client.token.max_bytes = 1024;
  });
  std::string good =
      token("u1", "1", "tenant_admin", R"(,"aud":"neo-events","iss":"https://auth.neo-stack.com")");
  ASSERT_LE(good.size(), 1024u);
  TestClient& c = w->new_client();
  w->feed(c, connect_frame(good));
  EXPECT_TRUE(c.session->authenticated());
  w->feed(c, subscribe_frame(2, "tenant:1:deployments"));
  ASSERT_EQ(c.connection.sent.size(), 2u);
  EXPECT_EQ(field(c.connection.sent[1], "/id"), "2");
  EXPECT_FALSE(field(c.connection.sent[1], "/error").has_value());
  std::string sub_token = jwt(R"({"sub":"u1","channel":"tenant:1:billing","aud":"neo-events",)"
                              R"("iss":"https://auth.neo-stack.com","exp":)" +
                              exp_in(3600) + "}");
  w->feed(c, subscribe_frame(3, "tenant:1:billing", sub_token));
  ASSERT_EQ(c.connection.sent.size(), 3u);
  EXPECT_FALSE(field(c.connection.sent[2], "/error").has_value()) << c.connection.sent[2];
  EXPECT_EQ(c.session->subscription_count(), 2u);
  EXPECT_TRUE(w->audit_lines().empty());  // nothing was denied
}

// A subscription token's `data` comes back in the subscribe reply, and only in that one.
TEST_F(SessionSecurityTest, SubscriptionTokenDataIsInTheReply) {
  auto w = world();
  TestClient& c = w->new_client();
  w->feed(c, connect_frame(token("u1", "1")));
  std::string sub_token =
      jwt(R"({"sub":"u1","channel":"tenant:1:billing","data":{"plan":"gold"},"exp":)" +
          exp_in(3600) + "}");
  w->feed(c, subscribe_frame(2, "tenant:1:billing", sub_token));
  w->feed(c, subscribe_frame(3, "tenant:1:deployments"));
  ASSERT_EQ(c.connection.sent.size(), 3u);
  EXPECT_EQ(field(c.connection.sent[1], "/subscribe/data"), R"({"plan":"gold"})")
      << c.connection.sent[1];
  EXPECT_FALSE(field(c.connection.sent[2], "/subscribe/data").has_value()) << c.connection.sent[2];
}

TEST_F(SessionSecurityTest, AdminRoleMayCrossTenants) {
  auto w = world();
  TestClient& admin = w->connect("root", "1", "admin");
  w->feed(admin, subscribe_frame(2, "tenant:2:deployments"));
  ASSERT_EQ(admin.connection.sent.size(), 1u);
  EXPECT_FALSE(field(admin.connection.sent[0], "/error").has_value());
}

// When a quota-limited session closes, release_connection lets the next one in; refused and
// failed sessions never hold (or release) a slot.
TEST_F(SessionSecurityTest, ClosingAQuotaLimitedSessionLetsTheNextOneIn) {
  auto w = world([](config::Config& c) { c.tenants.max_connections = 1; });
  TestClient& first = w->connect("a", "1");
  EXPECT_EQ(w->limits.connections("1"), 1u);

  TestClient& refused = w->new_client();
  w->feed(refused, connect_frame(token("b", "1")));
  EXPECT_EQ(refused.connection.closes, std::vector<std::uint16_t>{3504});
  refused.session->on_close();  // the refused connection goes away: it held no slot
  EXPECT_EQ(w->limits.connections("1"), 1u);

  TestClient& expired = w->new_client();
  w->feed(expired, connect_frame(jwt(R"({"sub":"c","tenantId":"1","exp":)" + exp_in(-5) + "}")));
  EXPECT_EQ(expired.connection.sent.size(), 1u);
  expired.session->on_close();
  EXPECT_EQ(w->limits.connections("1"), 1u);

  TestClient& still_refused = w->new_client();
  w->feed(still_refused, connect_frame(token("d", "1")));
  EXPECT_EQ(still_refused.connection.closes, std::vector<std::uint16_t>{3504});

  first.session->on_close();
  EXPECT_EQ(w->limits.connections("1"), 0u);
  first.session->on_close();  // a second close releases nothing more
  EXPECT_EQ(w->limits.connections("1"), 0u);

  TestClient& next = w->new_client();
  w->feed(next, connect_frame(token("e", "1")));
  EXPECT_TRUE(next.session->authenticated());
  EXPECT_TRUE(next.connection.closes.empty());
  EXPECT_EQ(w->limits.connections("1"), 1u);

  // Destroying a session without on_close (the destructor closes it) releases its slot too.
  w->clients.erase(w->clients.end() - 1);
  EXPECT_EQ(w->limits.connections("1"), 0u);
  TestClient& last = w->new_client();
  w->feed(last, connect_frame(token("f", "1")));
  EXPECT_TRUE(last.session->authenticated());
}

// With a count shared by the nodes (Redis engine) the quota's answer comes later, on another
// thread: the connect reply waits for it.
TEST_F(SessionSecurityTest, ConnectWaitsForTheSharedQuotaAnswer) {
  test::FakeSharedQuota shared;  // outlives the world, whose sessions may release into it
  auto w = world([](config::Config& c) { c.tenants.max_connections = 1; });
  shared.deferred = true;
  w->limits.set_shared_quota(&shared);
  TestClient& c = w->new_client();
  w->feed(c, connect_frame(token("a", "1")));
  EXPECT_FALSE(c.session->authenticated());
  EXPECT_TRUE(c.connection.sent.empty());
  std::thread([&] { shared.answer_waiting(); }).join();
  w->run();
  EXPECT_TRUE(c.session->authenticated());
  EXPECT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(w->limits.connections("1"), 1u);
  c.session->on_close();
  EXPECT_EQ(shared.released, std::vector<std::string>{"1"});
}

TEST_F(SessionSecurityTest, SharedQuotaRefusalClosesWith3504) {
  test::FakeSharedQuota shared;  // outlives the world, whose sessions may release into it
  auto w = world([](config::Config& c) { c.tenants.max_connections = 1; });
  shared.deferred = true;
  shared.answer = limits::SharedQuota::Answer::refused;
  w->limits.set_shared_quota(&shared);
  TestClient& c = w->new_client();
  w->feed(c, connect_frame(token("b", "1")));
  std::thread([&] { shared.answer_waiting(); }).join();
  w->run();
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3504});
  EXPECT_EQ(w->limits.connections("1"), 0u);
  c.session->on_close();
  EXPECT_TRUE(shared.released.empty());
  auto lines = w->audit_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].fields["action"], "quota:tenant_connections");
  EXPECT_EQ(lines[0].fields["code"], "3504");
}

// The connection closed before the shared count admitted it: the place is given back.
TEST_F(SessionSecurityTest, ConnectionClosedBeforeTheSharedAnswerReleasesItsPlace) {
  test::FakeSharedQuota shared;  // outlives the world, whose sessions may release into it
  auto w = world([](config::Config& c) { c.tenants.max_connections = 1; });
  shared.deferred = true;
  w->limits.set_shared_quota(&shared);
  TestClient& c = w->new_client();
  w->feed(c, connect_frame(token("a", "1")));
  c.session->on_close();
  std::thread([&] { shared.answer_waiting(); }).join();
  w->run();
  EXPECT_TRUE(c.connection.sent.empty());
  EXPECT_EQ(shared.released, std::vector<std::string>{"1"});
  EXPECT_EQ(w->limits.connections("1"), 0u);
}

TEST_F(SessionSecurityTest, RefreshDoesNotCountTheConnectionAgain) {
  auto w = world([](config::Config& c) { c.tenants.max_connections = 1; });
  TestClient& c = w->connect("a", "1");
  w->feed(c, R"({"refresh":{"token":")" + token("a", "1") + R"("},"id":2})");
  ASSERT_EQ(c.connection.sent.size(), 1u);
  EXPECT_EQ(field(c.connection.sent[0], "/id"), "2");
  EXPECT_EQ(w->limits.connections("1"), 1u);
  c.session->on_close();
  EXPECT_EQ(w->limits.connections("1"), 0u);
}

// Refresh may not move a connection to another tenant (and so out of its quota).
TEST_F(SessionSecurityTest, RefreshIntoAnotherTenantClosesWith3500) {
  auto w = world([](config::Config& c) { c.tenants.max_connections = 1; });
  TestClient& c = w->connect("a", "1");
  w->feed(c, R"({"refresh":{"token":")" + token("a", "2") + R"("},"id":2})");
  EXPECT_EQ(c.connection.closes, std::vector<std::uint16_t>{3500});
  c.session->on_close();
  EXPECT_EQ(w->limits.connections("1"), 0u);
  EXPECT_EQ(w->limits.connections("2"), 0u);
}

// Publications another tenant's client is refused (103) never use the victim tenant's budget.
TEST_F(SessionSecurityTest, ForbiddenPublishesDoNotUseTheTargetTenantsBudget) {
  auto w = world([](config::Config& c) { c.tenants.max_publish_per_second = 2; });
  TestClient& attacker = w->connect("u1", "1");
  std::string frame;
  for (int i = 0; i < 10; ++i) frame += publish_frame(2 + i, "tenant:2:deployments", i) + "\n";
  frame.pop_back();
  w->feed(attacker, frame);
  ASSERT_EQ(attacker.connection.sent.size(), 10u);
  for (const auto& reply : attacker.connection.sent) EXPECT_EQ(field(reply, "/error/code"), "103");
  TestClient& owner = w->connect("v2", "2");
  w->feed(owner, publish_frame(2, "tenant:2:deployments", 1) + "\n" +
                     publish_frame(3, "tenant:2:deployments", 2));
  EXPECT_EQ(owner.connection.sent,
            (std::vector<std::string>{R"({"id":2,"publish":{}})", R"({"id":3,"publish":{}})"}));
}

// Each client publication over the tenant's rate gets its own 111; an audit line per refusal.
TEST_F(SessionSecurityTest, EveryPublicationOverTheTenantRateIsRefused) {
  auto w = world([](config::Config& c) { c.tenants.max_publish_per_second = 1; });
  TestClient& a = w->connect("u1", "1");
  TestClient& b = w->connect("u2", "1");  // the budget is the tenant's, not the connection's
  w->feed(a, publish_frame(2, "tenant:1:deployments", 1));
  w->feed(b, publish_frame(2, "tenant:1:deployments", 2) + "\n" +
                 publish_frame(3, "tenant:1:deployments", 3));
  EXPECT_EQ(a.connection.sent, std::vector<std::string>{R"({"id":2,"publish":{}})"});
  EXPECT_EQ(b.connection.sent,
            (std::vector<std::string>{error_reply(2, 111, "too many requests", true),
                                      error_reply(3, 111, "too many requests", true)}));
  int quota_lines = 0;
  for (const auto& line : w->audit_lines())
    quota_lines += line.fields.at("action") == "quota:tenant_publish_rate";
  EXPECT_EQ(quota_lines, 2);
}

// Limits::admit_publication keeps the tenant token of a publication the channel's rate_limits
// refuses: a tenant_user flooding tenant:1:notifications (5/s) drains all of tenant 1's budget
// and the tenant's other publishers get 111. Refused publications should not use it.
TEST_F(SessionSecurityTest, ChannelRateRefusalsDoNotStarveTheTenant) {
  auto w = world([](config::Config& c) {
    c.tenants.max_publish_per_second = 10;
    c.rate_limits = {{"tenant:*:notifications", 5}};
  });
  TestClient& spammer = w->connect("u1", "1", "tenant_user");
  std::string frame;
  for (int i = 0; i < 10; ++i) frame += publish_frame(2 + i, "tenant:1:notifications", i) + "\n";
  frame.pop_back();
  w->feed(spammer, frame);
  ASSERT_EQ(spammer.connection.sent.size(), 10u);
  EXPECT_EQ(spammer.connection.sent[9], error_reply(11, 111, "too many requests", true));
  TestClient& backend = w->connect("svc", "1");
  w->feed(backend, publish_frame(2, "tenant:1:deployments", 1));
  EXPECT_EQ(backend.connection.sent, std::vector<std::string>{R"({"id":2,"publish":{}})"});
}

// With a publish budget shared by the nodes (Redis engine) a publication without a leased token
// waits for the lease, which comes on another thread; the session's next command waits behind
// it, so replies keep their order.
TEST_F(SessionSecurityTest, PublishWaitsForALeaseOfTheSharedTenantRate) {
  limits::SteadyTime clock = std::chrono::steady_clock::now();
  test::FakeSharedRate shared(&clock, clock);  // outlives the world
  auto w = world([](config::Config& c) { c.tenants.max_publish_per_second = 20; });  // leases of 1
  shared.deferred = true;
  w->limits.set_shared_rate(&shared);
  TestClient& c = w->connect("u1", "1");
  w->feed(c, publish_frame(2, "tenant:1:deployments", 1) + "\n" +
                 publish_frame(3, "tenant:1:deployments", 2));
  EXPECT_TRUE(c.connection.sent.empty());
  std::thread([&] { shared.answer_waiting(); }).join();
  w->run();
  EXPECT_EQ(c.connection.sent, std::vector<std::string>{R"({"id":2,"publish":{}})"});
  std::thread([&] { shared.answer_waiting(); }).join();
  w->run();
  EXPECT_EQ(c.connection.sent,
            (std::vector<std::string>{R"({"id":2,"publish":{}})", R"({"id":3,"publish":{}})"}));
  EXPECT_EQ(shared.asked.size(), 2u);
}

TEST_F(SessionSecurityTest, SpentSharedTenantRateAnswers111) {
  limits::SteadyTime clock = std::chrono::steady_clock::now();
  test::FakeSharedRate shared(&clock, clock);  // outlives the world
  auto w = world([](config::Config& c) { c.tenants.max_publish_per_second = 1; });
  w->limits.set_shared_rate(&shared);
  TestClient& other_node = w->connect("u1", "1");
  w->feed(other_node, publish_frame(2, "tenant:1:deployments", 1));  // the window's one token
  shared.deferred = true;
  TestClient& c = w->connect("u2", "1");
  w->feed(c, publish_frame(2, "tenant:1:deployments", 2));
  std::thread([&] { shared.answer_waiting(); }).join();
  w->run();
  EXPECT_EQ(c.connection.sent,
            std::vector<std::string>{error_reply(2, 111, "too many requests", true)});
  auto lines = w->audit_lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].fields["action"], "quota:tenant_publish_rate");
  EXPECT_EQ(lines[0].fields["user"], "u2");
  EXPECT_EQ(lines[0].fields["channel"], "tenant:1:deployments");
  EXPECT_EQ(lines[0].fields["code"], "111");
}

// A connect.subs entry for another tenant's channel is ignored (as Centrifugo does).
TEST_F(SessionSecurityTest, ConnectSubsForAnotherTenantsChannelIsNotSubscribed) {
  auto w = world();
  TestClient& victim = w->subscriber("v2", "2", "tenant:2:deployments");
  TestClient& a = w->new_client();
  w->feed(a, R"({"connect":{"token":")" + token("u1", "1") +
                 R"(","subs":{"tenant:2:deployments":{"recover":true,"offset":0}}},"id":1})");
  EXPECT_TRUE(a.session->authenticated());
  EXPECT_EQ(a.session->subscription_count(), 0u);
  ASSERT_EQ(a.connection.sent.size(), 1u);
  EXPECT_FALSE(field(a.connection.sent[0], "/connect/subs").has_value());
  w->publish("tenant:2:deployments", "1");
  EXPECT_EQ(a.connection.sent.size(), 1u);
  EXPECT_EQ(pubs(victim.connection.sent).size(), 1u);
}

// An empty tenant claim never matches a {tenant_id} pattern nor a tenant:: channel.
TEST_F(SessionSecurityTest, EmptyTenantClaimGetsNoTenantChannel) {
  auto w = world();
  TestClient& c = w->connect("u1", "");
  w->feed(c, subscribe_frame(2, "tenant::deployments") + "\n" +
                 subscribe_frame(3, "tenant:1:deployments"));
  EXPECT_EQ(c.connection.sent,
            (std::vector<std::string>{error_reply(2, 103, "permission denied"),
                                      error_reply(3, 103, "permission denied")}));
  EXPECT_EQ(w->limits.connections(""), 0u);
}

}  // namespace
}  // namespace neo::session
