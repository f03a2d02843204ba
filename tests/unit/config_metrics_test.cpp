// http.internal_listen, http.internal_only_api and metrics.{openmetrics, tenant_labels}: what
// loads, and the exact message for each value that does not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"

namespace neo::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Environment kSecrets = {{"NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET", "test-secret"},
                              {"NEO_EVENTS_API_KEY", "test-api-key"}};

std::vector<std::string> problems_of(const std::string& yaml, Environment env = kSecrets) {
  try {
    load_from_text(yaml, env);
  } catch (const ConfigError& e) {
    return e.problems;
  }
  return {};
}

TEST(ConfigMetrics, Defaults) {
  Config c = load_from_text("", kSecrets);
  EXPECT_EQ(c.http.internal_listen, "");
  EXPECT_FALSE(c.http.internal_only_api);
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_FALSE(c.metrics.openmetrics);
  EXPECT_EQ(c.metrics.tenant_labels, TenantLabels{});
}

TEST(ConfigMetrics, InternalListenerLoads) {
  Config c = load_from_text(
      "http: { listen: 0.0.0.0:8000, internal_listen: 127.0.0.1:9000, internal_only_api: true }",
      kSecrets);
  EXPECT_EQ(c.http.internal_listen, "127.0.0.1:9000");
  EXPECT_TRUE(c.http.internal_only_api);
  EXPECT_THAT(problems_of("http: { listen: 127.0.0.1:0, internal_listen: 127.0.0.1:0 }"),
              IsEmpty());  // two free ports
}

TEST(ConfigMetrics, InternalListenerRejects) {
  EXPECT_THAT(problems_of("http: { internal_listen: localhost }"),
              ElementsAre("http.internal_listen: expected host:port (port 0-65535, IPv6 in "
                          "brackets), got \"localhost\""));
  EXPECT_THAT(problems_of("http: { listen: 0.0.0.0:8000, internal_listen: 0.0.0.0:8000 }"),
              ElementsAre("http.internal_listen: must differ from http.listen (0.0.0.0:8000)"));
  EXPECT_THAT(problems_of("http: { internal_only_api: true }"),
              ElementsAre("http.internal_only_api: requires http.internal_listen"));
  EXPECT_THAT(problems_of("http: { internal_only_api: maybe }"),
              ElementsAre("http.internal_only_api: expected true or false, got \"maybe\""));
}

TEST(ConfigMetrics, TenantLabelsLoad) {
  EXPECT_EQ(load_from_text("metrics: { tenant_labels: off }", kSecrets).metrics.tenant_labels,
            TenantLabels{});
  Config allow = load_from_text("metrics: { tenant_labels: { allow: [\"1\", a-b] } }", kSecrets);
  EXPECT_EQ(allow.metrics.tenant_labels.allow, (std::vector<std::string>{"1", "a-b"}));
  Config top =
      load_from_text("metrics: { openmetrics: true, tenant_labels: { top: 20 } }", kSecrets);
  EXPECT_EQ(top.metrics.tenant_labels.top, 20u);
  EXPECT_TRUE(top.metrics.openmetrics);
  Environment env = kSecrets;
  env["NEO_EVENTS_METRICS_TENANT_LABELS_TOP"] = "7";
  EXPECT_EQ(load_from_text("", env).metrics.tenant_labels.top, 7u);
}

TEST(ConfigMetrics, TenantLabelsReject) {
  const std::string expected = "expected off, {allow: [tenants]} or {top: N}";
  EXPECT_THAT(problems_of("metrics: { tenant_labels: on }"),
              ElementsAre("metrics.tenant_labels: " + expected + ", got \"on\""));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: [\"1\"] }"),
              ElementsAre("metrics.tenant_labels: " + expected + ", got a list"));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: {} }"),
              ElementsAre("metrics.tenant_labels: " + expected + ", got a mapping"));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: { top: 0 } }"),
              ElementsAre("metrics.tenant_labels.top: must be at least 1 (or tenant_labels: off)"));
  EXPECT_THAT(
      problems_of("metrics: { tenant_labels: { top: -3 } }"),
      ElementsAre("metrics.tenant_labels.top: expected a non-negative integer, got \"-3\""));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: { top: 1001 } }"),
              ElementsAre("metrics.tenant_labels.top: must be at most 1000, got 1001"));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: { allow: [] } }"),
              ElementsAre("metrics.tenant_labels.allow: must list at least one tenant"));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: { allow: [\"1\"], top: 2 } }"),
              ElementsAre("metrics.tenant_labels: set either allow or top, not both"));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: { allow: [\"a:b\"] } }"),
              ElementsAre("metrics.tenant_labels.allow[0]: must be non-empty without ':', '*', "
                          "'{', '}', '#' or whitespace, got \"a:b\""));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: { allow: [\"1\", other] } }"),
              ElementsAre("metrics.tenant_labels.allow[1]: \"other\" is the label of every "
                          "tenant not listed"));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: { allow: [\"1\", \"1\"] } }"),
              ElementsAre("metrics.tenant_labels.allow[1]: same tenant as "
                          "metrics.tenant_labels.allow[0]"));
  EXPECT_THAT(problems_of("metrics: { tenant_labels: { bottom: 3 } }"),
              ElementsAre("metrics.tenant_labels.bottom: unknown key"));
  EXPECT_THAT(problems_of("metrics: { openmetrics: sometimes }"),
              ElementsAre("metrics.openmetrics: expected true or false, got \"sometimes\""));
}

}  // namespace
}  // namespace neo::config
