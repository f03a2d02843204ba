// DemoHttpHandler: in front of the node's API handler in `neo-events demo` only. Serves the
// built portals (GET), `GET /demo/users` and `POST /demo/login {"user":"u-1-1"}` ->
// {token,user,name,tenant,roles}; hands /api, /health and /metrics to the API handler.
#pragma once

#include "config/config.h"
#include "demo/static_files.h"
#include "transport/http_types.h"

namespace neo::demo {

class DemoHttpHandler final : public transport::HttpHandler {
 public:
  DemoHttpHandler(transport::HttpHandler& api, const config::Config& config, StaticFiles files);

  transport::Admission admit(const transport::HttpRequest& head) const override;
  void handle(transport::HttpRequest request, Respond respond) override;

 private:
  transport::HttpResponse login(const transport::HttpRequest& request) const;
  transport::HttpResponse users() const;
  transport::HttpResponse file(const transport::HttpRequest& request) const;

  transport::HttpHandler& api_;
  const config::Config& config_;
  StaticFiles files_;
};

}  // namespace neo::demo
