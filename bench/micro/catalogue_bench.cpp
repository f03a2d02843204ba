// What validate_events costs a publication: the catalogue check of a typical event against
// decoding that event alone (the part every validator needs), valid and invalid.
#include <benchmark/benchmark.h>

#include "catalogue/catalogue.h"

namespace {

const std::string kChannel = "tenant:123:deployments";
const std::string kValid =
    R"({"type":"deployment_update","deploymentId":"d-456","status":"running","progress":40,)"
    R"("data":{"instanceType":"odoo","version":"17.0"},"timestamp":"2026-12-05T10:00:00.000Z"})";
const std::string kInvalid =
    R"({"type":"deployment_update","deploymentId":"d-456","status":"running","progress":140,)"
    R"("data":{"instanceType":"odoo","version":"17.0"},"timestamp":"2026-12-05T10:00:00.000Z"})";
const std::string kMetrics =
    R"({"type":"metrics_update","metrics":{"cpu":37.5,"memory":61.2,"disk":40.1,"rps":1200,)"
    R"("p95_ms":12.5,"errors":0,"connections":10432,"queue":3},"timestamp":"2026-12-05T10:00:00Z"})";

void decode_only(benchmark::State& state, const std::string& data) {
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    benchmark::DoNotOptimize(parser.parse(data.data(), data.size()).get(root));
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(data.size()));
}

void check(benchmark::State& state, const std::string& channel, const std::string& data) {
  auto catalogue = neo::catalogue::Catalogue::builtin();
  for (auto _ : state) benchmark::DoNotOptimize(catalogue->check(channel, data));
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(data.size()));
}

void BM_DecodeOnly(benchmark::State& state) { decode_only(state, kValid); }
void BM_CheckValidDeploymentUpdate(benchmark::State& state) { check(state, kChannel, kValid); }
void BM_CheckInvalidDeploymentUpdate(benchmark::State& state) { check(state, kChannel, kInvalid); }
void BM_CheckValidMetricsUpdate(benchmark::State& state) {
  check(state, "tenant:123:dashboard", kMetrics);
}

BENCHMARK(BM_DecodeOnly);
BENCHMARK(BM_CheckValidDeploymentUpdate);
BENCHMARK(BM_CheckInvalidDeploymentUpdate);
BENCHMARK(BM_CheckValidMetricsUpdate);

}  // namespace

BENCHMARK_MAIN();
