// Plain HTTP request/response values handed to the HTTP handler (server API, health,
// metrics), so that the handler needs no Beast types and can be tested without sockets.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neo::transport {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // path and query
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;

  std::string_view header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
      if (name == lower_name) return value;
    return {};
  }
  bool has_header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers)
      if (name == lower_name) return true;
    return false;
  }
  std::string_view path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class HttpHandler {
 public:
  using Respond = std::function<void(HttpResponse)>;
  virtual ~HttpHandler() = default;
  // `respond` must be called exactly once, from any thread.
  virtual void handle(HttpRequest request, Respond respond) = 0;
};

}  // namespace neo::transport
