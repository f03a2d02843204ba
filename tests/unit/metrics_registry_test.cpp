#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/registry.h"

namespace neo::metrics {
namespace {

// The sample lines of `text` that start with `prefix`.
std::vector<std::string> lines_with(const std::string& text, std::string_view prefix) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    std::string line = text.substr(at, end - at);
    if (line.starts_with(prefix)) out.push_back(line);
    at = end == std::string::npos ? text.size() : end + 1;
  }
  return out;
}

TEST(MetricsRegistry, CountersAreSummedOverTheThreadsThatWroteThem) {
  Registry registry;
  Counter counter = registry.counter("c_total", "help").counter({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counter.inc();
    });
  for (auto& t : threads) t.join();
  counter.inc(5);
  EXPECT_EQ(expose(registry, Format::text),
            "# HELP c_total help\n# TYPE c_total counter\nc_total 40005\n");
}

TEST(MetricsRegistry, GaugeDeltasOfDifferentThreadsCancelOut) {
  Registry registry;
  Gauge gauge = registry.gauge("g", "open").gauge({});
  std::thread([&] {
    gauge.inc();
    gauge.inc();
  }).join();
  std::thread([&] { gauge.dec(); }).join();
  gauge.dec();
  gauge.dec();
  EXPECT_EQ(lines_with(expose(registry, Format::text), "g "), std::vector<std::string>{"g -1"});
}

TEST(MetricsRegistry, LabelValuesAndHelpAreEscaped) {
  Registry registry;
  registry.counter("esc_total", "a \\ and\na newline", {"v"}).counter({"a\"b\\c\nd"}).inc();
  std::string text = expose(registry, Format::text);
  EXPECT_NE(text.find("# HELP esc_total a \\\\ and\\na newline\n"), std::string::npos) << text;
  EXPECT_NE(text.find("esc_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry registry;
  Histogram h = registry.histogram("h_seconds", "lat", {"m"}, {0.01, 1}).histogram({"x"});
  h.observe(0.003);
  std::thread([&] { h.observe(0.5); }).join();
  h.observe(20);
  h.observe(0.01);  // a bound belongs to its own bucket (le)
  EXPECT_EQ(expose(registry, Format::text),
            "# HELP h_seconds lat\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{m=\"x\",le=\"0.01\"} 2\n"
            "h_seconds_bucket{m=\"x\",le=\"1\"} 3\n"
            "h_seconds_bucket{m=\"x\",le=\"+Inf\"} 4\n"
            "h_seconds_sum{m=\"x\"} 20.513\n"
            "h_seconds_count{m=\"x\"} 4\n");
}

TEST(MetricsRegistry, OpenMetricsNamesCountersWithoutTotalAndEndsWithEof) {
  Registry registry;
  registry.counter("centrifugo_x", "plain counter", {"t"}).counter({"a"}).inc(2);
  registry.counter("neo_y_total", "total counter").counter({}).inc();
  registry.histogram("h", "hist", {}, {1, 2.5}).histogram({}).observe(2);
  registry.gauge("g", "gauge").gauge({}).inc();
  EXPECT_EQ(expose(registry, Format::openmetrics),
            "# HELP centrifugo_x plain counter\n# TYPE centrifugo_x counter\n"
            "centrifugo_x_total{t=\"a\"} 2\n"
            "# HELP neo_y total counter\n# TYPE neo_y counter\n"
            "neo_y_total 1\n"
            "# HELP h hist\n# TYPE h histogram\n"
            "h_bucket{le=\"1.0\"} 0\nh_bucket{le=\"2.5\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
            "h_sum 2\nh_count 1\n"
            "# HELP g gauge\n# TYPE g gauge\ng 1\n"
            "# EOF\n");
  // The same registry in text 0.0.4: the names as registered, integral bounds as they are.
  std::string text = expose(registry, Format::text);
  EXPECT_NE(text.find("centrifugo_x{t=\"a\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("neo_y_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_bucket{le=\"1\"} 0\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("# EOF"), std::string::npos) << text;
}

TEST(MetricsRegistry, OpenMetricsOnlyWhenAllowedAndAsked) {
  constexpr std::string_view kPrometheus =
      "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  EXPECT_EQ(negotiate(kPrometheus, true), Format::openmetrics);
  EXPECT_EQ(negotiate(kPrometheus, false), Format::text);
  EXPECT_EQ(negotiate("text/plain", true), Format::text);
  EXPECT_EQ(negotiate("", true), Format::text);
  EXPECT_EQ(content_type(Format::text), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(content_type(Format::openmetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(MetricsRegistry, DenseBlocksAreRowMajorAndZeroSeriesCanBeSkipped) {
  Registry registry;
  Family& family = registry.counter("d_total", "dense", {"a", "b"});
  family.skip_zero_series();
  std::uint32_t base = family.dense({{"x", "y"}, {"1", "2", "3"}});
  registry.local().add(base + 1 * 3 + 2, 7);  // (y, 3)
  EXPECT_EQ(lines_with(expose(registry, Format::text), "d_total{"),
            std::vector<std::string>{"d_total{a=\"y\",b=\"3\"} 7"});
  family.counter({"y", "3"}).inc();  // the same series again, not a new one
  EXPECT_EQ(family.snapshot().size(), 6u);
  EXPECT_EQ(lines_with(expose(registry, Format::text), "d_total{"),
            std::vector<std::string>{"d_total{a=\"y\",b=\"3\"} 8"});
  EXPECT_THROW(family.dense({{"x"}, {"1"}}), std::logic_error);
  EXPECT_THROW(family.counter({"only one"}), std::invalid_argument);
}

TEST(MetricsRegistry, ADefaultHandleCountsNothing) {
  Counter counter;
  Gauge gauge;
  Histogram histogram;
  counter.inc();
  gauge.dec();
  histogram.observe(1);
  EXPECT_FALSE(counter);
}

TEST(MetricsRegistry, CallbackFamiliesAreComputedAtScrape) {
  Registry registry;
  int calls = 0;
  registry.callback({"cb", "computed", Type::gauge, {"k"}, [&] {
                       ++calls;
                       return std::vector<Sample>{{{"a"}, 1.5}, {{"b"}, 2}};
                     }});
  EXPECT_EQ(expose(registry, Format::text),
            "# HELP cb computed\n# TYPE cb gauge\ncb{k=\"a\"} 1.5\ncb{k=\"b\"} 2\n");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace neo::metrics
