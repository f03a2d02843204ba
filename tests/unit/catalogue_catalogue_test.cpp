#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "catalogue/catalogue.h"
#include "catalogue/embedded.h"
#include "support/allocation_counter.h"

namespace neo::catalogue {
namespace {

namespace dom = simdjson::dom;

constexpr const char* kTimestamp = "2026-12-05T10:00:00.000Z";

// A channel where `type` may be published, made from the first catalogue rule that allows it.
std::string channel_for(const Catalogue& catalogue, std::string_view type) {
  for (const auto& rule : catalogue.channels())
    for (std::size_t index : rule.types)
      if (catalogue.types()[index].name == type) {
        std::string channel = rule.pattern;
        for (auto star = channel.find('*'); star != std::string::npos; star = channel.find('*'))
          channel.replace(star, 1, "123");
        return channel;
      }
  return "";
}

std::string check(std::string_view channel, const std::string& data) {
  auto problem = Catalogue::builtin()->check(channel, data);
  return problem ? *problem : "";
}

TEST(BuiltinCatalogue, HasEveryTypeOfSpecSection7) {
  auto catalogue = Catalogue::builtin();
  for (const char* type : {"deployment_update", "deployment_log", "invoice_event", "usage_update",
                           "alert", "metrics_update", "notification", "tenant_activity"}) {
    const EventType* t = catalogue->find(type);
    ASSERT_NE(t, nullptr) << type;
    EXPECT_TRUE(t->schema.property_required("type")) << type;
    EXPECT_TRUE(t->schema.property_required("timestamp")) << type;
  }
}

TEST(BuiltinCatalogue, MapsTheSpecChannelsToTheirTypes) {
  auto catalogue = Catalogue::builtin();
  const std::map<std::string, std::vector<std::string>> spec = {
      {"tenant:7:deployments", {"deployment_update", "deployment_log"}},
      {"tenant:7:billing", {"invoice_event", "usage_update"}},
      {"tenant:7:monitoring", {"alert"}},
      {"tenant:7:dashboard", {"metrics_update"}},
      {"tenant:7:notifications", {"notification"}},
      {"user:u1:notifications", {"notification"}},
      {"admin:metrics", {"metrics_update"}},
      {"admin:alerts", {"alert"}},
      {"admin:tenants", {"tenant_activity"}},
  };
  for (const auto& [channel, types] : spec) {
    const ChannelRule* rule = catalogue->rule_for(channel);
    ASSERT_NE(rule, nullptr) << channel;
    std::vector<std::string> names;
    for (std::size_t index : rule->types) names.push_back(catalogue->types()[index].name);
    EXPECT_EQ(names, types) << channel;
  }
  EXPECT_EQ(catalogue->rule_for("tenant:7:unknown"), nullptr);
}

// Every schema's own examples (the spec §7 shapes) pass on the channel the catalogue gives them.
TEST(BuiltinCatalogue, AcceptsEveryExample) {
  auto catalogue = Catalogue::builtin();
  int examples = 0;
  for (const auto& file : embedded_files()) {
    if (!file.path.starts_with("events/")) continue;
    dom::parser parser;
    dom::object schema = parser.parse(file.text.data(), file.text.size()).get_object().value();
    dom::array list = schema["examples"].get_array().value();
    for (dom::element example : list) {
      std::string type(example["type"].get_string().value());
      std::string data = simdjson::minify(example);
      EXPECT_EQ(check(channel_for(*catalogue, type), data), "") << file.path;
      ++examples;
    }
  }
  EXPECT_GE(examples, 9);
}

struct Broken {
  std::string channel;
  std::string data;
  std::string problem;
};

void PrintTo(const Broken& broken, std::ostream* out) { *out << broken.problem; }

std::string event(const std::string& type, const std::string& fields) {
  return R"({"type":")" + type + R"(",)" + fields + R"(,"timestamp":")" + kTimestamp + R"("})";
}

class BrokenField : public testing::TestWithParam<Broken> {};

TEST_P(BrokenField, IsRefusedNamingItsPath) {
  EXPECT_EQ(check(GetParam().channel, GetParam().data), GetParam().problem);
}

INSTANTIATE_TEST_SUITE_P(
    EachType, BrokenField,
    testing::Values(
        Broken{
            "tenant:1:deployments",
            event("deployment_update", R"("deploymentId":"d1","status":"running","progress":101)"),
            "/progress: must be <= 100"},
        Broken{
            "tenant:1:deployments",
            event("deployment_update", R"("deploymentId":"d1","status":"running","progress":-1)"),
            "/progress: must be >= 0"},
        Broken{"tenant:1:deployments",
               event("deployment_update", R"("deploymentId":"d1","status":"paused")"),
               "/status: must be one of starting, running, completed, failed"},
        Broken{"tenant:1:deployments", event("deployment_update", R"("status":"running")"),
               "/deploymentId: is required"},
        Broken{"tenant:1:deployments",
               event("deployment_update", R"("deploymentId":"","status":"running")"),
               "/deploymentId: must have at least 1 characters"},
        Broken{"tenant:1:deployments",
               event("deployment_update", R"("deploymentId":"d1","status":"running","data":[])"),
               "/data: must be object"},
        Broken{"tenant:1:deployments",
               event("deployment_log", R"("deploymentId":"d1","log":"x","level":"debug")"),
               "/level: must be one of info, warning, error"},
        Broken{"tenant:1:deployments",
               event("deployment_log", R"("deploymentId":"d1","log":7,"level":"info")"),
               "/log: must be string"},
        Broken{"tenant:1:billing",
               event("invoice_event", R"("invoiceId":"i1","event":"voided","amount":1)"),
               "/event: must be one of created, paid, failed, refunded"},
        Broken{"tenant:1:billing",
               event("invoice_event", R"("invoiceId":"i1","event":"paid","amount":"9.90")"),
               "/amount: must be number"},
        Broken{"tenant:1:billing",
               event("usage_update", R"("resource":"cpu","usage":1,"limit":0,"percentage":0)"),
               "/limit: must be > 0"},
        Broken{"tenant:1:billing", event("usage_update", R"("resource":"cpu","usage":1,"limit":2)"),
               "/percentage: is required"},
        Broken{"tenant:1:monitoring", event("alert", R"("severity":"fatal","message":"m")"),
               "/severity: must be one of info, warning, error, critical"},
        Broken{"tenant:1:monitoring",
               event("alert", R"("severity":"info","message":"m","meta":{})"),
               "/meta: is not allowed (no such property)"},
        Broken{"tenant:1:dashboard", event("metrics_update", R"("metrics":{"cpu":"high"})"),
               "/metrics/cpu: must be number"},
        Broken{"tenant:1:dashboard", event("metrics_update", R"("metric":{})"),
               "/metric: is not allowed (no such property)"},
        Broken{"user:u1:notifications",
               event("notification", R"("title":"t","message":"m","level":"loud")"),
               "/level: must be one of info, success, warning, error"},
        Broken{"tenant:1:notifications",
               event("notification", R"("title":"","message":"m","level":"info")"),
               "/title: must have at least 1 characters"},
        Broken{"admin:tenants", event("tenant_activity", R"("activity":"login")"),
               "/tenantId: is required"},
        Broken{"tenant:1:presence", event("presence_update", R"("userId":"u","status":"gone")"),
               "/status: must be one of online, away, busy, offline"},
        // Timestamps: required, RFC 3339, UTC.
        Broken{"tenant:1:monitoring", R"({"type":"alert","severity":"info","message":"m"})",
               "/timestamp: is required"},
        Broken{"tenant:1:monitoring",
               R"({"type":"alert","severity":"info","message":"m","timestamp":"2026-12-05 10:00"})",
               "/timestamp: must be an RFC 3339 date-time in UTC, e.g. 2026-12-05T10:00:00.000Z"},
        Broken{
            "tenant:1:monitoring",
            R"({"type":"alert","severity":"info","message":"m","timestamp":"2026-12-05T10:00:00+01:00"})",
            "/timestamp: must be an RFC 3339 date-time in UTC, e.g. 2026-12-05T10:00:00.000Z"},
        // The catalogue's own rules.
        Broken{"tenant:1:deployments", event("alert", R"("severity":"info","message":"m")"),
               "/type: must be one of deployment_update, deployment_log on tenant:*:deployments"},
        Broken{"tenant:1:deployments", R"({"deploymentId":"d1"})", "/type: is required"},
        Broken{"tenant:1:deployments", R"({"type":5})", "/type: must be string"},
        Broken{"tenant:1:deployments", R"(["deployment_update"])", "/: must be object"},
        Broken{"tenant:1:deployments", R"({"type":)", "/: must be JSON"},
        Broken{"tenant:1:chat",
               event("notification", R"("title":"t","message":"m","level":"info")"),
               "channel tenant:1:chat has no event types in the catalogue"}));

TEST(CatalogueCheck, AllocatesNothingForAValidEvent) {
  auto catalogue = Catalogue::builtin();
  const std::string data = event(
      "deployment_update",
      R"("deploymentId":"d-456","status":"running","progress":40,"data":{"instanceType":"odoo"})");
  ASSERT_EQ(catalogue->check("tenant:123:deployments", data), std::nullopt);  // warms the parser
  std::uint64_t before = test::allocation_count();
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(catalogue->check("tenant:123:deployments", data), std::nullopt);
  EXPECT_EQ(test::allocation_count() - before, 0u);
}

class CatalogueFile : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("neo-catalogue-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "events");
    write("events/ping.schema.json",
          R"({"type":"object","properties":{"type":{"const":"ping"},"n":{"type":"integer"}},
              "required":["type","n"]})");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string path() const { return (dir_ / "catalogue.json").string(); }
  std::string load_error(const std::string& catalogue) {
    write("catalogue.json", catalogue);
    try {
      Catalogue::from_file(path());
    } catch (const CatalogueError& error) {
      return error.what();
    }
    return "";
  }

  std::filesystem::path dir_;
};

TEST_F(CatalogueFile, ReplacesTheBuiltinOne) {
  write("catalogue.json", R"({"events":{"ping":"events/ping.schema.json"},
                              "channels":[{"pattern":"game:*","types":["ping"]}]})");
  auto catalogue = Catalogue::load(path());
  EXPECT_EQ(catalogue->types().size(), 1u);
  EXPECT_EQ(catalogue->check("game:1", R"({"type":"ping","n":3})"), std::nullopt);
  EXPECT_EQ(catalogue->check("game:1", R"({"type":"ping","n":3.5})"), "/n: must be integer");
  EXPECT_EQ(catalogue->check("tenant:1:deployments", "{}"),
            "channel tenant:1:deployments has no event types in the catalogue");
  EXPECT_EQ(Catalogue::load(""), Catalogue::builtin());
}

TEST_F(CatalogueFile, ReportsEachProblemWithItsPlace) {
  const std::string p = path() + ": ";
  EXPECT_EQ(load_error("{").rfind(p + "catalogue.json: not a JSON object: ", 0), 0u);
  EXPECT_EQ(load_error(R"({"channels":[]})"), p + "catalogue.json: /events: must be an object");
  EXPECT_EQ(load_error(R"({"events":{},"channels":[],"extra":1})"),
            p + "catalogue.json: /extra: unknown key");
  EXPECT_EQ(load_error(R"({"events":{"x":"events/missing.json"},"channels":[]})"),
            p + "catalogue.json: /events/x: cannot read events/missing.json");
  EXPECT_EQ(load_error(R"({"events":{"ping":"events/ping.schema.json"},
                           "channels":[{"pattern":"a:*","types":["pong"]}]})"),
            p + "catalogue.json: /channels/0/types: names an event type not in /events");
  EXPECT_EQ(load_error(R"({"events":{"ping":"events/ping.schema.json"},
                           "channels":[{"pattern":"a:*","types":["ping"],"color":"red"}]})"),
            p + "catalogue.json: /channels/0/color: unknown key");
  write("events/bad.schema.json", R"({"properties":{"id":{"pattern":"^x"}}})");
  EXPECT_EQ(load_error(R"({"events":{"bad":"events/bad.schema.json"},"channels":[]})"),
            p + "events/bad.schema.json: /properties/id/pattern: keyword not supported by the "
                "server's validator");
  write("events/broken.schema.json", "{");
  EXPECT_NE(load_error(R"({"events":{"b":"events/broken.schema.json"},"channels":[]})")
                .find("events/broken.schema.json: not JSON"),
            std::string::npos);
}

TEST(CatalogueFileMissing, SaysItCannotRead) {
  try {
    Catalogue::from_file("/nonexistent/catalogue.json");
    FAIL() << "loaded a missing file";
  } catch (const CatalogueError& error) {
    EXPECT_STREQ(error.what(), "/nonexistent/catalogue.json: cannot read the file");
  }
}

}  // namespace
}  // namespace neo::catalogue
