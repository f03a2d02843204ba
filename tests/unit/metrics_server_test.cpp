#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "metrics/process.h"
#include "metrics/server_metrics.h"
#include "metrics/tenants.h"

namespace neo::metrics {
namespace {

std::size_t count_lines(const std::string& text, std::string_view prefix) {
  std::size_t n = 0;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    if (std::string_view(text).substr(at).starts_with(prefix)) ++n;
    at = end == std::string::npos ? text.size() : end + 1;
  }
  return n;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

TEST(MetricsTenants, TopFiveOfAThousandTenantsIsAtMostSixSeries) {
  Registry registry;
  Tenants tenants(registry, config::TenantLabels{{}, 5});
  for (int t = 0; t < 1000; ++t) {
    auto cells = tenants.resolve("t" + std::to_string(t));
    tenants.add(cells, Tenants::connections, 1);
    tenants.add(cells, Tenants::publications, t);
    tenants.add(cells, Tenants::deliveries, 2);
  }
  std::string text = expose(registry, Format::text);
  EXPECT_EQ(count_lines(text, "neo_events_tenant_connections{"), 6u) << text;
  EXPECT_EQ(count_lines(text, "neo_events_tenant_publications_total{"), 6u) << text;
  EXPECT_EQ(count_lines(text, "neo_events_tenant_deliveries_total{"), 6u) << text;
  // The most active by connections + publications: t995 .. t999; the rest is "other".
  EXPECT_TRUE(has_line(text, "neo_events_tenant_publications_total{tenant=\"t999\"} 999")) << text;
  EXPECT_TRUE(has_line(text, "neo_events_tenant_deliveries_total{tenant=\"other\"} 1990")) << text;
  long long publications = 0;
  for (int t = 0; t < 995; ++t) publications += t;
  EXPECT_TRUE(has_line(text, "neo_events_tenant_publications_total{tenant=\"other\"} " +
                                 std::to_string(publications)))
      << text;
}

TEST(MetricsTenants, AllowListsOnlyThoseTenantsAndOther) {
  Registry registry;
  Tenants tenants(registry, config::TenantLabels{{"1", "2"}, 0});
  tenants.add(tenants.resolve("1"), Tenants::connections, 3);
  tenants.add(tenants.resolve("9"), Tenants::connections, 4);
  tenants.add(tenants.resolve("8"), Tenants::connections, 1);
  tenants.add(tenants.resolve(""), Tenants::connections, 100);  // no tenant: not counted
  std::string text = expose(registry, Format::text);
  EXPECT_TRUE(has_line(text, "neo_events_tenant_connections{tenant=\"1\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "neo_events_tenant_connections{tenant=\"2\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "neo_events_tenant_connections{tenant=\"other\"} 5")) << text;
  EXPECT_EQ(count_lines(text, "neo_events_tenant_connections{"), 3u) << text;
}

TEST(MetricsTenants, OffHasNoTenantSeries) {
  Registry registry;
  Tenants tenants(registry, config::TenantLabels{});
  EXPECT_EQ(tenants.resolve("1"), Tenants::kNone);
  tenants.add(Tenants::kNone, Tenants::connections, 1);
  EXPECT_EQ(expose(registry, Format::text), "");
}

TEST(MetricsProcess, ParsesProcStat) {
  // Field 2 (comm) with a space and a parenthesis; 14 utime, 15 stime, 22 starttime, 23 vsize,
  // 24 rss.
  std::string stat =
      "42 (neo) events) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 "
      "1000 123456789 300 18446744073709551615";
  auto figures = parse_proc_stat(stat, 1700000000, 100, 4096);
  ASSERT_TRUE(figures.has_value());
  EXPECT_DOUBLE_EQ(figures->cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(figures->start_time_seconds, 1700000010.0);
  EXPECT_DOUBLE_EQ(figures->virtual_bytes, 123456789.0);
  EXPECT_DOUBLE_EQ(figures->resident_bytes, 300.0 * 4096);
  EXPECT_FALSE(parse_proc_stat("42 (neo) S 1", 0, 100, 4096).has_value());
  EXPECT_FALSE(parse_proc_stat("no parenthesis", 0, 100, 4096).has_value());
}

TEST(MetricsProcess, ReadsThisProcess) {
  ProcessFigures figures = read_process();
  EXPECT_GT(figures.resident_bytes, 0);
  EXPECT_GT(figures.open_fds, 2);
  EXPECT_GT(figures.start_time_seconds, 1.5e9);
}

config::Config two_namespaces() {
  config::Config config;
  config.namespaces = {config::NamespaceOptions{.name = "tenant"},
                       config::NamespaceOptions{.name = "admin"}};
  return config;
}

TEST(MetricsServer, NamespacesAreIndexedFromOne) {
  auto config = two_namespaces();
  ServerMetrics metrics(config);
  EXPECT_EQ(metrics.namespace_index("tenant:1:x"), 1);
  EXPECT_EQ(metrics.namespace_index("admin:alerts"), 2);
  EXPECT_EQ(metrics.namespace_index("nobody:x"), 0);
  EXPECT_EQ(metrics.namespace_index("plain"), 0);
}

TEST(MetricsServer, CountsLandInTheirSeries) {
  auto config = two_namespaces();
  ServerMetrics metrics(config);
  metrics.connection_accepted(0);
  metrics.reply_error(FrameType::subscribe, 103, 1);
  metrics.reply_error(FrameType::subscribe, 103, 1);
  metrics.reply_error(FrameType::publish, 4242, 2);  // a code outside the known ones
  metrics.server_disconnect(3008);
  metrics.server_disconnect(4000);
  metrics.recover(true, 1, false);
  metrics.api_call("publish", 0.002, 0);
  metrics.api_call("nonsense", 0.002, 104);
  metrics.registry.local().add(metrics.sent_base + metrics.message_cell(2, FrameType::push_join, 2),
                               3);
  std::string text = metrics.scrape(Format::text);
  for (const char* line :
       {"centrifugo_client_connections_accepted{transport=\"websocket\",accept_protocol=\"h1\"} 1",
        "centrifugo_client_connections_inflight{transport=\"websocket\",accept_protocol=\"h1\"} 1",
        "centrifugo_client_num_reply_errors{method=\"subscribe\",code=\"103\",channel_namespace="
        "\"tenant\"} 2",
        "centrifugo_client_num_reply_errors{method=\"publish\",code=\"4242\",channel_namespace="
        "\"admin\"} 1",
        "centrifugo_client_num_server_disconnects{code=\"3008\"} 1",
        "centrifugo_client_num_server_disconnects{code=\"4000\"} 1",
        "centrifugo_client_recover{recovered=\"true\",channel_namespace=\"tenant\","
        "has_recovered_publications=\"false\"} 1",
        "centrifugo_api_command_duration_seconds_histogram_count{protocol=\"http\",method="
        "\"publish\"} 1",
        "centrifugo_api_command_errors_total{protocol=\"http\",method=\"unknown\",error=\"104\"} 1",
        "centrifugo_transport_messages_sent{transport=\"uni_sse\",frame_type=\"push_join\","
        "channel_namespace=\"admin\"} 3",
        "centrifugo_node_build{version=\"" NEO_EVENTS_VERSION "\"} 1", "neo_events_ready 0",
        "centrifugo_node_num_nodes 1"})
    EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
  EXPECT_EQ(count_lines(text, "centrifugo_transport_messages_sent{"), 1u)
      << "series never written are left out";
}

// Every family name is a valid metric name, registered once, and is documented.
TEST(MetricsServer, SeriesNamesAreValidUniqueAndDocumented) {
  auto config = two_namespaces();
  config.metrics.tenant_labels.top = 3;
  ServerMetrics metrics(config);
  std::regex valid("[a-zA-Z_:][a-zA-Z0-9_:]*");
  auto registered = metrics.registry.names();
  std::set<std::string> unique(registered.begin(), registered.end());
  EXPECT_EQ(unique.size(), registered.size());
  std::ifstream in(NEO_SOURCE_DIR "/docs/metrics.md");
  std::stringstream docs;
  docs << in.rdbuf();
  ASSERT_FALSE(docs.str().empty());
  for (const auto& name : series_names(metrics)) {
    EXPECT_TRUE(std::regex_match(name, valid)) << name;
    EXPECT_NE(docs.str().find("| `" + name + "` |"), std::string::npos)
        << name << " is not listed in docs/metrics.md";
  }
}

}  // namespace
}  // namespace neo::metrics
