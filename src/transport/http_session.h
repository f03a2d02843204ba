// HttpSession: one plain HTTP/1.1 connection. Requests go to the HttpHandler (server API,
// health, metrics); a WebSocket upgrade on the client endpoint becomes a WsConnection on the
// same thread. Keep-alive, one request at a time.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/connection.h"
#include "transport/http_types.h"
#include "transport/ws_connection.h"

namespace neo::transport {

struct HttpLimits {
  std::uint64_t max_body_bytes = 16 << 20;
  std::vector<std::string> allowed_origins;
  WsLimits ws;
};

struct Endpoints {
  HttpHandler* http = nullptr;
  SessionFactory* sessions = nullptr;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, const HttpLimits& limits, Endpoints endpoints,
              std::size_t thread_index);
  void start() { read(); }

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  void read();
  void on_read(boost::beast::error_code ec);
  void upgrade(Request request);
  void dispatch(Request request);
  void reply(unsigned status, std::string content_type, std::string body, bool keep_alive);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  const HttpLimits& limits_;
  Endpoints endpoints_;
  std::size_t thread_index_;
  std::string remote_address_;
};

}  // namespace neo::transport
