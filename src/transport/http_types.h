// Plain HTTP request/response values handed to the HTTP handler (server API, health,
// metrics), so that the handler needs no Beast types and can be tested without sockets.
#pragma once

#include <functional>
#include <optional>
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
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields (Allow, Retry-After)
};

// The verdict on a request's head (method, target, headers; no body yet).
struct Admission {
  std::optional<HttpResponse> refusal;  // answer this; the body is never read
  bool takes_body = false;              // otherwise: may it carry a body (up to the node's limit)
};

class HttpHandler {
 public:
  using Respond = std::function<void(HttpResponse)>;
  virtual ~HttpHandler() = default;
  // Judges a request from its head alone, before a byte of its body is buffered, so that a
  // request without a valid key or route costs no memory for its body.
  virtual Admission admit(const HttpRequest& head) const = 0;
  // An admitted request with its body. `respond` must be called exactly once, from any thread.
  virtual void handle(HttpRequest request, Respond respond) = 0;
};

}  // namespace neo::transport
