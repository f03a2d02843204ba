#include "demo/demo_http.h"

#include "auth/token.h"
#include "core/file.h"
#include "core/json_read.h"
#include "core/json_writer.h"
#include "demo/demo_users.h"

namespace neo::demo {

using transport::Admission;
using transport::HttpRequest;
using transport::HttpResponse;

namespace {

constexpr std::string_view kLogin = "/demo/login";
constexpr std::string_view kUsers = "/demo/users";
constexpr std::int64_t kTokenTtlSeconds = 24 * 3600;

bool for_api(std::string_view path) {
  return path == "/api" || path.starts_with("/api/") || path == "/health" || path == "/ready" ||
         path == "/metrics";
}

HttpResponse not_found() { return {404, "text/plain", "Not Found\n", {}}; }
HttpResponse only(std::string_view method) {
  return {405, "text/plain", "", {{"Allow", std::string(method)}}};
}
HttpResponse json_error(unsigned status, std::string_view message) {
  std::string body;
  JsonWriter(body).begin_object().field("error", message).end_object();
  return {status, "application/json", std::move(body), {}};
}

void write_user(JsonWriter& w, const DemoUser& user) {
  w.field("user", user.id).field("name", user.name).field("tenant", user.tenant);
  w.key("roles").begin_array();
  for (const auto& role : user.roles) w.string(role);
  w.end_array();
}

}  // namespace

DemoHttpHandler::DemoHttpHandler(transport::HttpHandler& api, const config::Config& config,
                                 StaticFiles files)
    : api_(api), config_(config), files_(std::move(files)) {}

// Only the login takes a body; everything of ours is GET, so no other request costs memory.
Admission DemoHttpHandler::admit(const HttpRequest& head) const {
  std::string_view path = head.path();
  if (for_api(path)) return api_.admit(head);
  if (path == kLogin) {
    if (head.method != "POST") return {only("POST")};
    return {std::nullopt, true};
  }
  if (head.method != "GET") return {only("GET")};
  return {};
}

void DemoHttpHandler::handle(HttpRequest request, Respond respond) {
  std::string_view path = request.path();
  if (for_api(path)) return api_.handle(std::move(request), std::move(respond));
  if (auto refused = admit(request).refusal) return respond(std::move(*refused));
  if (path == kLogin) return respond(login(request));
  if (path == kUsers) return respond(users());
  respond(file(request));
}

HttpResponse DemoHttpHandler::login(const HttpRequest& request) const {
  simdjson::dom::element doc;
  simdjson::dom::object body;
  std::string id;
  if (json::thread_parser().parse(request.body).get(doc) || doc.get(body) ||
      !json::read_string(body, "user", id))
    return json_error(400, "expected {\"user\":\"<demo user>\"}");
  const DemoUser* user = find_demo_user(id);
  if (!user) return json_error(404, "no such demo user");
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("token",
                         auth::sign_connection_token(config_.client.token, user->id, user->tenant,
                                                     user->roles, kTokenTtlSeconds));
  write_user(w, *user);
  w.end_object();
  return {200, "application/json", std::move(out), {{"Cache-Control", "no-store"}}};
}

HttpResponse DemoHttpHandler::users() const {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  for (const auto& user : demo_users()) {
    w.begin_object();
    write_user(w, user);
    w.end_object();
  }
  w.end_array();
  return {200, "application/json", std::move(out), {}};
}

HttpResponse DemoHttpHandler::file(const HttpRequest& request) const {
  auto found = files_.resolve(request.target);
  if (!found) return not_found();
  std::string bytes;
  if (read_file(found->path.string(), bytes)) return not_found();
  std::string cache = found->immutable ? "public, max-age=31536000, immutable" : "no-cache";
  return {200,
          found->content_type,
          std::move(bytes),
          {{"Cache-Control", std::move(cache)}, {"X-Content-Type-Options", "nosniff"}}};
}

}  // namespace neo::demo
