// ApiHttpHandler: the HTTP side of the node (everything but WebSocket upgrades): `/api/<method>`
// and the legacy `/api` pipeline with API-key auth, `/health`, `/ready` and `/metrics`. The
// public and the internal listener each have one, serving the routes their Routes allow.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "api/server_api.h"
#include "transport/http_types.h"

namespace neo::api {

struct Routes {
  bool api = true;      // /api and /api/<method>
  bool metrics = true;  // /metrics (when the node has metrics)
};

class ApiHttpHandler final : public transport::HttpHandler {
 public:
  ApiHttpHandler(session::Services& services, Routes routes);

  transport::Admission admit(const transport::HttpRequest& head) const override;
  void handle(transport::HttpRequest request, Respond respond) override;

  // The caller a request's key identifies, or nullopt (401).
  std::optional<Caller> authenticate(const transport::HttpRequest& request) const;

 private:
  void handle_method(std::string_view method, const transport::HttpRequest& request,
                     const Caller& caller, Respond respond);
  void handle_legacy(const transport::HttpRequest& request, const Caller& caller, Respond respond);
  transport::HttpResponse ready() const;
  transport::HttpResponse metrics(const transport::HttpRequest& request) const;
  bool serves_metrics() const { return routes_.metrics && services_.metrics; }
  // centrifugo_api_*: one call of `method` that began at `start`, answered `error` (0: none).
  using Start = std::chrono::steady_clock::time_point;
  void record_call(std::string_view method, Start start, std::uint32_t error) const;

  session::Services& services_;
  ServerApi api_;
  Routes routes_;
};

}  // namespace neo::api
