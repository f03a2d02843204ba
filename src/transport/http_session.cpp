#include "transport/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "transport/origin.h"

namespace neo::transport {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kReadTimeout = std::chrono::seconds(30);
constexpr std::string_view kWebSocketPath = "/connection/websocket";

std::string address_of(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

HttpRequest to_plain(http::request<http::string_body>&& request, std::string remote) {
  HttpRequest plain;
  plain.method = std::string(request.method_string());
  plain.target = std::string(request.target());
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    plain.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  plain.body = std::move(request.body());
  plain.remote_address = std::move(remote);
  return plain;
}

}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, const HttpLimits& limits,
                         Endpoints endpoints, std::size_t thread_index)
    : stream_(std::move(socket)),
      limits_(limits),
      endpoints_(endpoints),
      thread_index_(thread_index),
      remote_address_(address_of(stream_.socket())) {}

void HttpSession::read() {
  if (reading_ || input_done_ || !may_read_ahead()) return;
  reading_ = true;
  parser_.emplace();
  parser_->body_limit(limits_.max_body_bytes);
  parser_->header_limit(16 * 1024);
  stream_.expires_after(kReadTimeout);
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

bool HttpSession::may_read_ahead() const {
  return slots_.size() < kMaxInFlight && body_bytes_ < kMaxInFlightBodyBytes;
}

void HttpSession::on_read(beast::error_code ec) {
  reading_ = false;
  if (ec == http::error::body_limit) {
    return reply(413, "application/json", R"({"error":{"code":107,"message":"bad request"}})",
                 false);
  }
  if (ec) return end_input();  // end of stream, a reset, a timeout or a malformed request
  if (input_done_) return;     // a write failed meanwhile: nothing more is answered
  Request request = parser_->release();
  if (beast::websocket::is_upgrade(request)) {
    // The socket changes protocol: only once every earlier request has been answered.
    if (!slots_.empty() || writing_) {
      return reply(400, "text/plain", "Bad Request: upgrade behind pipelined requests\n", false);
    }
    return upgrade(std::move(request));
  }
  dispatch(std::move(request));
  read();
}

void HttpSession::upgrade(Request request) {
  std::string_view target = request.target();
  if (target.substr(0, target.find('?')) != kWebSocketPath) {
    return reply(404, "text/plain", "Not Found\n", false);
  }
  std::string_view origin = request[http::field::origin];
  if (!origin_allowed(origin, limits_.allowed_origins)) {
    return reply(403, "text/plain", "Forbidden: origin not allowed\n", false);
  }
  // RFC 6455 4.2.1: version 13 and a well-formed key, else no upgrade.
  if (request[http::field::sec_websocket_version] != "13") {
    return reply(426, "text/plain", "Upgrade Required: Sec-WebSocket-Version 13\n", false);
  }
  std::string_view key = request[http::field::sec_websocket_key];
  if (!websocket::valid_client_key(key)) {
    return reply(400, "text/plain", "Bad Request: Sec-WebSocket-Key\n", false);
  }
  std::string early = beast::buffers_to_string(buffer_.data());  // frames sent right after
  stream_.expires_never();
  auto ws = std::make_shared<WsConnection>(stream_.release_socket(), limits_.ws, remote_address_);
  UpgradeInfo info{target, origin, remote_address_, thread_index_};
  ws->start(websocket::accept_key(key), std::move(early), *endpoints_.sessions, info);
}

// Reserves the answer's place in line; returns its sequence number.
std::uint64_t HttpSession::open_slot(bool keep_alive, std::uint64_t body_bytes) {
  slots_.push_back(Slot{std::nullopt, body_bytes, keep_alive});
  body_bytes_ += body_bytes;
  if (!keep_alive) input_done_ = true;  // nothing after a Connection: close is read
  return first_seq_ + slots_.size() - 1;
}

void HttpSession::dispatch(Request request) {
  std::uint64_t seq = open_slot(request.keep_alive(), request.body().size());
  auto respond = [self = shared_from_this(), seq](HttpResponse response) {
    // The handler may answer from another thread: hop back to this connection's executor.
    boost::asio::dispatch(self->stream_.get_executor(),
                          [self, seq, response = std::move(response)]() mutable {
                            self->answer(seq, response.status, std::move(response.content_type),
                                         std::move(response.body));
                          });
  };
  endpoints_.http->handle(to_plain(std::move(request), remote_address_), std::move(respond));
}

// A response of our own (413, 404, ...), after which the connection closes.
void HttpSession::reply(unsigned status, std::string content_type, std::string body,
                        bool keep_alive) {
  answer(open_slot(keep_alive, 0), status, std::move(content_type), std::move(body));
}

void HttpSession::answer(std::uint64_t seq, unsigned status, std::string content_type,
                         std::string body) {
  if (seq < first_seq_ || seq - first_seq_ >= slots_.size()) return;  // connection gone
  Slot& slot = slots_[seq - first_seq_];
  Response& response = slot.response.emplace(static_cast<http::status>(status), 11);
  response.set(http::field::server, "neo-events");
  if (!body.empty() || status != 200) response.set(http::field::content_type, content_type);
  response.body() = std::move(body);
  response.keep_alive(slot.keep_alive);
  response.prepare_payload();
  write_next();
}

// Writes the oldest request's answer once it is there; later answers wait their turn. The
// answer stays in slots_.front() until written (a deque keeps references across push_back).
void HttpSession::write_next() {
  if (writing_) return;
  if (slots_.empty() || !slots_.front().response) return shut_down_when_done();
  writing_ = true;
  http::async_write(
      stream_, *slots_.front().response,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
}

void HttpSession::on_written(beast::error_code ec) {
  writing_ = false;
  Slot done = std::move(slots_.front());
  slots_.pop_front();
  ++first_seq_;
  body_bytes_ -= done.body_bytes;
  if (ec || !done.keep_alive) {
    input_done_ = true;
    first_seq_ += slots_.size();  // answers still to come for these are dropped
    slots_.clear();
    body_bytes_ = 0;
  }
  write_next();
  read();  // room again for reading ahead
}

void HttpSession::end_input() {
  input_done_ = true;
  shut_down_when_done();
}

// After the last request: once every answer is written, the sending side is closed.
void HttpSession::shut_down_when_done() {
  if (!input_done_ || reading_ || writing_ || !slots_.empty()) return;
  beast::error_code ec;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace neo::transport
