// /ready, /metrics and the routes a listener serves (Routes): the public listener with
// http.internal_only_api, the internal one, and the draining flag the shutdown sets first.
#include <gtest/gtest.h>

#include <string>

#include "api/http_handler.h"
#include "config/loader.h"
#include "metrics/server_metrics.h"
#include "support/api_node.h"

namespace neo {
namespace {

transport::HttpResponse get(test::ApiNode& node, std::string target,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
  transport::HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers = std::move(headers);
  transport::HttpResponse response;
  int calls = 0;
  node.http.handle(std::move(request), [&](transport::HttpResponse r) {
    ++calls;
    response = std::move(r);
  });
  node.io.poll();
  EXPECT_EQ(calls, 1);
  return response;
}

transport::HttpResponse post_api(test::ApiNode& node, std::string method, std::string body) {
  transport::HttpRequest request;
  request.method = "POST";
  request.target = "/api/" + method;
  request.headers = {{"x-api-key", "api-key"}};
  request.body = std::move(body);
  transport::HttpResponse response;
  node.http.handle(std::move(request), [&](transport::HttpResponse r) { response = std::move(r); });
  node.io.poll();
  return response;
}

const config::Config kConfig = config::development_config("hmac-secret", "api-key");

TEST(ApiRoutes, ReadyUntilDraining) {
  test::ApiNode node(kConfig);
  auto ready = get(node, "/ready");
  EXPECT_EQ(ready.status, 200u);
  EXPECT_EQ(ready.body, R"({"status":"ready"})");
  node.services.draining = true;
  auto draining = get(node, "/ready");
  EXPECT_EQ(draining.status, 503u);
  EXPECT_EQ(draining.body, R"({"status":"draining"})");
  EXPECT_EQ(get(node, "/health").status, 200u) << "draining is not unhealthy: clients stay";
}

TEST(ApiRoutes, WithoutApiRoutesTheApiIs404) {
  test::ApiNode node(kConfig, api::Routes{false, false});
  auto refused = node.http.admit([] {
    transport::HttpRequest head;
    head.method = "POST";
    head.target = "/api/publish";
    head.headers = {{"x-api-key", "api-key"}};
    return head;
  }());
  ASSERT_TRUE(refused.refusal.has_value());
  EXPECT_EQ(refused.refusal->status, 404u);
  EXPECT_EQ(get(node, "/metrics").status, 404u);
  EXPECT_EQ(get(node, "/health").status, 200u);
  EXPECT_EQ(get(node, "/ready").status, 200u);
}

TEST(ApiRoutes, MetricsInTheFormatAskedForWhenAllowed) {
  config::Config config = kConfig;
  config.metrics.openmetrics = true;
  metrics::ServerMetrics metrics(config);
  test::ApiNode node(config);
  node.services.metrics = &metrics;
  metrics.figures.ready = [&node] { return node.services.ready(); };
  auto text = get(node, "/metrics");
  EXPECT_EQ(text.status, 200u);
  EXPECT_EQ(text.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(text.body.find("\ncentrifugo_node_num_clients 0\n"), std::string::npos);
  auto open = get(node, "/metrics", {{"accept", "application/openmetrics-text; version=1.0.0"}});
  EXPECT_EQ(open.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_TRUE(open.body.ends_with("# EOF\n"));
  EXPECT_NE(open.body.find("\nneo_events_ready 1\n"), std::string::npos) << open.body;
}

TEST(ApiRoutes, ApiCallsAreTimedAndTheirErrorsCounted) {
  metrics::ServerMetrics metrics(kConfig);
  test::ApiNode node(kConfig);
  node.services.metrics = &metrics;
  EXPECT_EQ(post_api(node, "publish", R"({"channel":"tenant:1:notifications","data":{}})").status,
            200u);
  EXPECT_EQ(post_api(node, "publish", R"({"channel":"nowhere:1","data":{}})").status, 200u);
  std::string text = metrics.scrape(metrics::Format::text);
  for (const char* line :
       {"centrifugo_api_command_duration_seconds_histogram_count{protocol=\"http\",method="
        "\"publish\"} 2\n",
        "centrifugo_api_command_errors_total{protocol=\"http\",method=\"publish\",error=\"102\"} "
        "1\n",
        "neo_events_publications_total 1\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
}

}  // namespace
}  // namespace neo
