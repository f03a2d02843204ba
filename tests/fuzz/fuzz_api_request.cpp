// Server API requests -> ApiHttpHandler::handle, wired as src/node/node.cpp wires it (memory
// engine, Policy, TokenVerifier, InterestMap, Dispatcher, one Shard on an io_context that is
// polled after the call so posted work runs). `respond` must be called exactly once, and every
// JSON answer must be valid JSON (the legacy pipeline: one JSON document per line).
//
// Input: [key][method] then the body.
//   key % 8: 0-4 the master key in X-API-Key, 5 the tenant key of tenant 1, 6 the master key
//            as "Authorization: apikey", 7 the master key as ?api_key=.
//   method:  < 240 picks from kMethods (the real methods, then the legacy `/api` pipeline);
//            otherwise the method name is raw, up to the first '\n' of the rest.
// The engine and the shard are new for every input, so a crash reproduces from its input alone.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "../unit/support/api_node.h"
#include "api/http_handler.h"
#include "config/loader.h"
#include "engine/memory/memory_engine.h"
#include "fuzz_support.h"
#include "session/dispatcher.h"

namespace {

using namespace neo;

constexpr const char* kSecret = "fuzz-hmac-secret";
constexpr const char* kMasterKey = "fuzz-api-key";
constexpr const char* kTenantKey = "fuzz-tenant-1-key";

// Empty names mean the legacy pipeline (`/api` and `/api/`).
constexpr std::string_view kMethods[] = {"publish",    "broadcast",
                                         "subscribe",  "unsubscribe",
                                         "disconnect", "refresh",
                                         "presence",   "presence_stats",
                                         "history",    "history_remove",
                                         "channels",   "info",
                                         "batch",      "",
                                         "/"};
constexpr std::size_t kMethodCount = std::size(kMethods);

const config::Config& node_config() {
  static const config::Config config = [] {
    config::Config c = config::development_config(kSecret, kMasterKey);
    c.api.tenant_keys.push_back({"1", kTenantKey});
    c.metrics.enabled = true;
    return c;
  }();
  return config;
}

void check_response(const transport::HttpResponse& r, bool legacy) {
  if (r.content_type != "application/json" || r.status != 200) return;
  if (!legacy) return fuzz::require_json("API reply", r.body);
  // cent.js pipeline(): every '\n'-separated piece is JSON.parse'd: no blank or trailing line.
  std::string_view rest = r.body;
  for (;;) {
    auto end = rest.find('\n');
    fuzz::require_json("legacy API reply line", rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t key = in.byte() % 8;
  const std::uint8_t pick = in.byte();
  std::string method =
      pick < 240 ? std::string(kMethods[pick % kMethodCount]) : std::string(in.until('\n'));
  const bool legacy = method.empty() || method == "/";

  transport::HttpRequest request;
  request.method = "POST";
  request.target = "/api" + (legacy && method.empty() ? std::string() : "/" + method);
  if (method == "/") request.target = "/api/";
  request.remote_address = "127.0.0.1";
  request.headers.emplace_back("content-type", "application/json");
  if (key <= 4) request.headers.emplace_back("x-api-key", kMasterKey);
  if (key == 5) request.headers.emplace_back("x-api-key", kTenantKey);
  if (key == 6) request.headers.emplace_back("authorization", std::string("apikey ") + kMasterKey);
  if (key == 7) request.target += std::string("?api_key=") + kMasterKey;
  request.body = in.rest();

  test::ApiNode node(node_config());
  int calls = 0;
  node.http.handle(std::move(request), [&calls, legacy](transport::HttpResponse response) {
    if (++calls != 1) fuzz::fail("respond called more than once");
    check_response(response, legacy);
  });
  node.io.poll();
  if (calls != 1) fuzz::fail("respond not called once all posted work ran");
  return 0;
}
