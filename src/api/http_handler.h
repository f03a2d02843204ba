// ApiHttpHandler: the HTTP side of the node (everything but WebSocket upgrades): `/api/<method>`
// and the legacy `/api` pipeline with API-key auth, `/health` and `/metrics`.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "api/server_api.h"
#include "transport/http_types.h"

namespace neo::api {

class ApiHttpHandler final : public transport::HttpHandler {
 public:
  using MetricsText = std::function<std::string()>;
  ApiHttpHandler(session::Services& services, MetricsText metrics);

  transport::Admission admit(const transport::HttpRequest& head) const override;
  void handle(transport::HttpRequest request, Respond respond) override;

  // The caller a request's key identifies, or nullopt (401).
  std::optional<Caller> authenticate(const transport::HttpRequest& request) const;

 private:
  void handle_method(std::string_view method, const transport::HttpRequest& request,
                     const Caller& caller, Respond respond);
  void handle_legacy(const transport::HttpRequest& request, const Caller& caller, Respond respond);

  session::Services& services_;
  ServerApi api_;
  MetricsText metrics_;
};

}  // namespace neo::api
