#include "api/http_handler.h"

#include <cctype>

#include "api/run_all.h"
#include "core/json_read.h"
#include "core/json_writer.h"
#include "metrics/exposition.h"
#include "protocol/codes.h"
#include "protocol/encoder.h"

namespace neo::api {

namespace dom = simdjson::dom;
using transport::HttpRequest;
using transport::HttpResponse;

namespace {

constexpr std::string_view kApiPrefix = "/api";

HttpResponse bad_request() { return {400, "text/plain; charset=utf-8", "Bad Request\n", {}}; }
HttpResponse unauthorized() {
  return {401, "application/json", R"({"error":{"code":101,"message":"unauthorized"}})", {}};
}
HttpResponse not_found() { return {404, "text/plain", "Not Found\n", {}}; }
HttpResponse method_not_allowed() { return {405, "text/plain", "", {{"Allow", "POST"}}}; }

bool is_api_path(std::string_view path) {
  return path == kApiPrefix || path.substr(0, kApiPrefix.size() + 1) == "/api/";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// The key from X-API-Key, else "Authorization: apikey KEY", else ?api_key=KEY.
std::optional<std::string_view> presented_key(const HttpRequest& request) {
  if (request.has_header("x-api-key")) return request.header("x-api-key");
  std::string_view auth = request.header("authorization");
  if (!auth.empty()) {
    auto space = auth.find(' ');
    if (space == std::string_view::npos || auth.find(' ', space + 1) != std::string_view::npos)
      return std::nullopt;
    if (!iequals(auth.substr(0, space), "apikey")) return std::nullopt;
    return auth.substr(space + 1);
  }
  std::string_view target = request.target;
  auto at = target.find("api_key=");
  if (at == std::string_view::npos || (target[at - 1] != '?' && target[at - 1] != '&'))
    return std::nullopt;
  auto value = target.substr(at + 8);
  return value.substr(0, value.find('&'));
}

// Constant-time comparison: key checks must not leak how much of a key matched.
bool same_key(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string result_body(const Result<std::string>& r) {
  std::string body;
  JsonWriter w(body);
  w.begin_object();
  write_outcome(w, "result", r);
  w.end_object();
  return body;
}

}  // namespace

ApiHttpHandler::ApiHttpHandler(session::Services& services, Routes routes)
    : services_(services), api_(services), routes_(routes) {}

std::optional<Caller> ApiHttpHandler::authenticate(const HttpRequest& request) const {
  auto key = presented_key(request);
  if (!key) return std::nullopt;
  if (same_key(*key, services_.config().api.key)) return Caller{true, {}, request.remote_address};
  for (const auto& tenant_key : services_.config().api.tenant_keys)
    if (same_key(*key, tenant_key.key))
      return Caller{false, tenant_key.tenant, request.remote_address};
  return std::nullopt;
}

// Route, method and key are all in the head: a request failing them is answered before its
// body is read. Only an authenticated API call may carry a body.
transport::Admission ApiHttpHandler::admit(const HttpRequest& head) const {
  std::string_view path = head.path();
  if (path == "/health" || path == "/ready" || (path == "/metrics" && serves_metrics())) return {};
  if (!is_api_path(path) || !routes_.api) return {not_found()};
  if (head.method != "POST") return {method_not_allowed()};
  if (!authenticate(head)) return {unauthorized()};
  return {std::nullopt, true};
}

void ApiHttpHandler::handle(HttpRequest request, Respond respond) {
  // Judged again: handle() is also called without admit() (tests, the fuzz target).
  if (auto refused = admit(request).refusal) return respond(std::move(*refused));
  std::string_view path = request.path();
  if (path == "/health") {
    // Liveness: a draining node is alive (restarting it would cut its clients); /ready says
    // whether to send it new ones.
    if (services_.engine.healthy() && !services_.shutting_down)
      return respond({200, "application/json", "{}", {}});
    return respond({503, "application/json", R"({"error":"engine unavailable"})", {}});
  }
  if (path == "/ready") return respond(ready());
  if (path == "/metrics") return respond(metrics(request));
  auto caller = authenticate(request);
  if (!caller) return respond(unauthorized());
  if (path == kApiPrefix || path == "/api/")
    return handle_legacy(request, *caller, std::move(respond));
  handle_method(path.substr(kApiPrefix.size() + 1), request, *caller, std::move(respond));
}

// 503 from the moment the node starts draining, so a load balancer takes it out of rotation
// before its clients are told to reconnect elsewhere; also while the engine is unreachable.
HttpResponse ApiHttpHandler::ready() const {
  if (services_.ready()) return {200, "application/json", R"({"status":"ready"})", {}};
  bool draining = services_.draining || services_.shutting_down;
  return {503,
          "application/json",
          draining ? R"({"status":"draining"})" : R"({"status":"engine unavailable"})",
          {}};
}

HttpResponse ApiHttpHandler::metrics(const HttpRequest& request) const {
  const auto& m = *services_.metrics;
  auto format = metrics::negotiate(request.header("accept"), m.openmetrics);
  return {200, std::string(metrics::content_type(format)), m.scrape(format), {}};
}

void ApiHttpHandler::record_call(std::string_view method, Start start, std::uint32_t error) const {
  if (!services_.metrics) return;
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  services_.metrics->api_call(method, took.count(), error);
}

void ApiHttpHandler::handle_method(std::string_view method, const HttpRequest& request,
                                   const Caller& caller, Respond respond) {
  const Start start = std::chrono::steady_clock::now();
  dom::element params;
  if (request.body.empty() ||
      json::thread_parser().parse(request.body.data(), request.body.size(), true).get(params)) {
    record_call(method, start, protocol::error_code::bad_request);
    return respond(bad_request());
  }
  bool bare = method == "batch";  // Centrifugo answers batch as {"replies":[...]}, unwrapped
  api_.call(
      caller, method, params,
      [this, method = std::string(method), start, respond = std::move(respond),
       bare](Result<std::string> r) {
        record_call(method, start, r.ok() ? 0 : r.error().code);
        respond(
            {200, "application/json", bare && r.ok() ? std::move(r.value()) : result_body(r), {}});
      });
}

// Newline-separated {"id","method","params"} objects; one reply line per command, in order.
void ApiHttpHandler::handle_legacy(const HttpRequest& request, const Caller& caller,
                                   Respond respond) {
  dom::document_stream stream;
  // parse_many reads past the end of its input in SIMD-sized steps: it needs padded memory.
  simdjson::padded_string padded(request.body);
  if (request.body.empty() ||
      json::thread_parser().parse_many(padded, padded.size() + 64).get(stream))
    return respond(bad_request());
  std::vector<Action> actions;
  std::vector<std::uint64_t> ids;
  std::vector<std::string> methods;
  for (auto doc : stream) {
    dom::object command;
    if (doc.get(command)) return respond(bad_request());
    std::string method = "publish";  // Centrifugo: an absent method is enum 0, publish
    std::uint64_t id = 0;
    if (!json::read_string(command, "method", method) || !json::read_u64(command, "id", id))
      return respond(bad_request());
    dom::element params;
    bool has_params = !command["params"].get(params) && params.is_object();
    auto prepared = has_params ? api_.prepare(caller, method, params)
                               : Result<Action>(protocol::make_api_error(107));
    if (!prepared.ok() && prepared.error().code == 104) return respond(bad_request());
    ids.push_back(id);
    methods.push_back(method);
    if (prepared.ok())
      actions.push_back(std::move(prepared.value()));
    else
      actions.push_back([error = prepared.error()](Done done) { done(error); });
  }
  if (actions.empty()) return respond(bad_request());
  run_all(std::move(actions),
          [this, ids, methods = std::move(methods), start = std::chrono::steady_clock::now(),
           respond = std::move(respond)](std::vector<Result<std::string>> rs) {
            std::string body;
            for (std::size_t i = 0; i < rs.size(); ++i) {
              record_call(methods[i], start, rs[i].ok() ? 0 : rs[i].error().code);
              if (i) body.push_back('\n');
              JsonWriter w(body);
              w.begin_object();
              if (ids[i]) w.field_u64("id", ids[i]);
              write_outcome(w, "result", rs[i]);
              w.end_object();
            }
            respond({200, "application/json", std::move(body), {}});
          });
}

}  // namespace neo::api
