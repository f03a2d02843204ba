// HttpSession: one HTTP/1.1 connection, over TCP or TLS (the TLS handshake comes first, bounded
// by http.tls.handshake_timeout; plain HTTP sent to the TLS port is answered 400 and closed).
// Requests go to the HttpHandler (server API, health, metrics); a WebSocket upgrade on the client
// endpoint becomes a WsConnection on the same thread. Keep-alive with pipelining: while earlier
// requests wait for their answers (a Redis round trip, say), the next ones are read and dispatched
// too, and the responses are written in request order (RFC 9112 §9.3.2). Read-ahead is bounded by
// count and by the bytes of bodies in flight.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metrics/server_metrics.h"
#include "transport/connection.h"
#include "transport/emulation.h"
#include "transport/http/body_budget.h"
#include "transport/http/request_reader.h"
#include "transport/http_types.h"
#include "transport/ws_connection.h"

namespace neo::transport {

struct HttpLimits {
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint64_t max_body_bytes = 16 << 20;
  http::BodyBudget* bodies = nullptr;  // the node's; none: bodies are bounded per request only
  std::vector<std::string> allowed_origins;
  WsLimits ws;
  std::chrono::milliseconds tls_handshake_timeout{10000};
  const metrics::ServerMetrics* metrics = nullptr;  // counts refused origins
};

struct Endpoints {
  HttpHandler* http = nullptr;
  // None: no client connections here (the internal listener): their endpoints answer 404.
  SessionFactory* sessions = nullptr;
  EmulationRegistry* emulation = nullptr;  // none: the emulated transports answer 404
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(NetSocket&& socket, const HttpLimits& limits, Endpoints endpoints,
              std::size_t thread_index);
  void start();

  // Requests dispatched and not yet answered on the wire, per connection.
  static constexpr std::size_t kMaxInFlight = 32;
  // No read-ahead while the bodies of unanswered requests hold this much.
  static constexpr std::uint64_t kMaxInFlightBodyBytes = 1 << 20;

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  using Lease = std::optional<http::BodyBudget::Lease>;

  // One request awaiting its answer; answers leave in the order the requests came.
  struct Slot {
    bool answered = false;
    std::string head;  // status line and fields, once answered
    std::string body;
    std::uint64_t body_bytes = 0;
    Lease lease;  // the body's share of the node's budget, until the answer is written
    bool keep_alive = true;
  };

  void on_handshake(boost::system::error_code ec);
  void refuse_plain_http();
  // The deadline of what the connection is waiting for (the handshake, a request, the linger):
  // when it passes, the socket is closed and whatever is pending fails.
  void expire_after(std::chrono::steady_clock::duration after);
  void read();
  bool may_read_ahead() const;
  void receive();
  void on_received(boost::beast::error_code ec, std::size_t bytes);
  void on_head();
  void send_continue();
  void on_request(Request request);
  void upgrade(Request request);
  // An endpoint that HttpSession serves itself (streams, /emulation), as admit_own_request
  // judges it.
  struct OwnEndpoint {
    bool available;
    bool allows_get;
    std::uint64_t body_limit;    // of a POST
    std::string_view too_large;  // the 413's reason
  };
  void on_stream_head(std::optional<std::uint64_t> declared);
  void on_emulation_head(std::optional<std::uint64_t> declared);
  void admit_own_request(std::optional<std::uint64_t> declared, const OwnEndpoint& endpoint);
  void refuse_own_request(HttpResponse response);
  void forget_own_request();
  HttpResponse route_emulation(std::string_view body);
  HttpResponse preflight(std::string_view origin) const;
  void start_stream();
  void dispatch(HttpRequest request, bool keep_alive);
  void refuse(const http::Refusal& refusal);
  void count_origin_denial() const {
    if (limits_.metrics) limits_.metrics->denial(metrics::Denial::origin);
  }
  void reply(HttpResponse response, bool keep_alive);
  std::uint64_t open_slot(bool keep_alive, std::uint64_t body_bytes, Lease lease);
  void answer(std::uint64_t seq, HttpResponse response);
  void write_next();
  void on_written(boost::beast::error_code ec);
  // Answers written together: the ready ones at the front, one gathered write for all of them,
  // so pipelined requests cost one send and one completion however many there are (a write per
  // answer queued each completion behind the thread's fan-out work and capped publish acks).
  static constexpr std::size_t kMaxAnswersPerWrite = 32;
  void end_input();
  void shut_down_when_done();
  void drop_input(bool below_tls = false);

  NetSocket stream_;
  boost::asio::steady_timer deadline_;
  boost::beast::flat_buffer buffer_;
  http::RequestReader reader_;
  HttpRequest pending_;  // the head of the request whose body is being read
  Lease pending_lease_;
  std::optional<Request> deferred_upgrade_;      // waits for the answers to earlier requests
  std::optional<TransportKind> stream_kind_;     // the request being read opens a stream
  bool deferred_stream_ = false;                 // ... once the earlier requests are answered
  bool emulation_request_ = false;               // the request being read is POST /emulation
  WireFormat stream_format_ = WireFormat::json;  // of the stream request being read
  std::deque<Slot> slots_;
  std::vector<boost::asio::const_buffer> out_;  // the write in flight: heads and bodies
  std::size_t slots_in_write_ = 0;
  std::uint64_t first_seq_ = 0;   // sequence number of slots_.front()
  std::uint64_t body_bytes_ = 0;  // of the requests in slots_
  bool reading_ = false;
  bool writing_ = false;
  bool input_done_ = false;     // no more requests: end of stream, error, or Connection: close
  bool request_timed_ = false;  // the current request's deadline is set
  bool upgraded_ = false;       // the socket went to a WsConnection
  const HttpLimits& limits_;
  Endpoints endpoints_;
  std::size_t thread_index_;
  std::string remote_address_;
};

}  // namespace neo::transport
