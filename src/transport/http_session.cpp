#include "transport/http_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "core/uri.h"
#include "transport/origin.h"
#include "transport/stream_connection.h"
#include "transport/websocket/deflate.h"

namespace neo::transport {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using Step = http::RequestReader::Step;

namespace {

// An idle keep-alive connection waits this long for a request, and a request takes at most
// this long from its first byte to its last (slowloris).
constexpr auto kReadTimeout = std::chrono::seconds(30);
// After our last answer, what the peer still sends is read and dropped for at most this long,
// so that closing with unread bytes does not reset the connection before it has the answer.
constexpr auto kLingerTimeout = std::chrono::seconds(5);
constexpr std::size_t kReadChunk = 16 * 1024;
// The body of a request refused from its head is read and dropped, keeping the connection,
// up to this size; a larger one is not worth reading: the connection closes instead.
constexpr std::uint64_t kMaxSkippedBodyBytes = 64 * 1024;
constexpr std::string_view kWebSocketPath = "/connection/websocket";
constexpr std::string_view kUniWebSocketPath = "/connection/uni_websocket";
constexpr std::string_view kUniSsePath = "/connection/uni_sse";
constexpr std::string_view kUniHttpStreamPath = "/connection/uni_http_stream";
constexpr std::string_view kHttpStreamPath = "/connection/http_stream";
constexpr std::string_view kSsePath = "/connection/sse";
constexpr std::string_view kEmulationPath = "/emulation";

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// The streaming transports that answer a plain request with a long response.
std::optional<TransportKind> stream_transport(std::string_view target) {
  std::string_view path = path_of(target);
  if (path == kUniSsePath) return TransportKind::uni_sse;
  if (path == kUniHttpStreamPath) return TransportKind::uni_http_stream;
  if (path == kHttpStreamPath) return TransportKind::http_stream;
  if (path == kSsePath) return TransportKind::sse;
  return std::nullopt;
}

// Whether a Sec-WebSocket-Protocol list ("a, b") offers `name`.
bool offers(std::string_view subprotocols, std::string_view name) {
  while (!subprotocols.empty()) {
    std::size_t comma = subprotocols.find(',');
    std::string_view item = subprotocols.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == name) return true;
    if (comma == std::string_view::npos) break;
    subprotocols.remove_prefix(comma + 1);
  }
  return false;
}

// Centrifugo's legacy query switch, beside the subprotocol.
bool query_asks_protobuf(std::string_view target) {
  return query_value(target, "format") == "protobuf" ||
         query_value(target, "cf_protocol") == "protobuf";
}

struct Negotiated {
  WireFormat format = WireFormat::json;
  std::string_view subprotocol;  // echoed in the 101 answer; a browser fails without it
};

Negotiated negotiate_websocket(std::string_view target, std::string_view subprotocols) {
  if (offers(subprotocols, "centrifuge-protobuf"))
    return {WireFormat::protobuf, "centrifuge-protobuf"};
  if (query_asks_protobuf(target)) return {WireFormat::protobuf, {}};
  return {WireFormat::json, offers(subprotocols, "centrifuge-json") ? "centrifuge-json" : ""};
}

// http_stream speaks protobuf when the client's body is protobuf (centrifuge-js sends
// Content-Type: application/octet-stream then).
WireFormat stream_format(const http::RequestReader::Request& head) {
  std::string_view type = head[boost::beast::http::field::content_type];
  bool binary = type.starts_with("application/octet-stream");
  return binary || query_asks_protobuf(head.target()) ? WireFormat::protobuf : WireFormat::json;
}

std::string address_of(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

HttpRequest plain_head(const http::RequestReader::Request& head, const std::string& remote) {
  HttpRequest plain;
  plain.method = std::string(head.method_string());
  plain.target = std::string(head.target());
  for (const auto& field : head) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    plain.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  plain.remote_address = remote;
  return plain;
}

HttpResponse text(unsigned status, std::string_view message) {
  return {status, "text/plain", std::string(message) + "\n", {}};
}

// The status line and fields of an answer, as Beast's prepare_payload would write them: no
// Content-Length on 1xx, 204 and 304; "Connection: close" when the connection ends after it.
std::string response_head(const HttpResponse& r, bool keep_alive) {
  std::string head = "HTTP/1.1 ";
  head += std::to_string(r.status);
  head += ' ';
  head += bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
  head += "\r\nServer: neo-events\r\n";
  auto field = [&head](std::string_view name, std::string_view value) {
    head.append(name).append(": ").append(value).append("\r\n");
  };
  if (!r.body.empty() || r.status != 200) field("Content-Type", r.content_type);
  for (const auto& [name, value] : r.headers) field(name, value);
  if (!keep_alive) field("Connection", "close");
  bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  if (!bodiless) field("Content-Length", std::to_string(r.body.size()));
  head += "\r\n";
  return head;
}

// What the peer sends while we linger is dropped here; one buffer per thread serves them all.
boost::asio::mutable_buffer discard_buffer() {
  static thread_local char buffer[kReadChunk];
  return boost::asio::buffer(buffer);
}

}  // namespace

HttpSession::HttpSession(NetSocket&& socket, const HttpLimits& limits, Endpoints endpoints,
                         std::size_t thread_index)
    : stream_(std::move(socket)),
      deadline_(stream_.get_executor()),
      buffer_(limits.max_header_bytes + kReadChunk),
      reader_(limits.max_header_bytes, limits.max_body_bytes),
      limits_(limits),
      endpoints_(endpoints),
      thread_index_(thread_index),
      remote_address_(address_of(stream_.lowest_layer())) {}

void HttpSession::start() {
  if (!stream_.tls()) return read();
  boost::system::error_code ec;
  stream_.non_blocking(true, ec);  // TLS runs on readiness: OpenSSL reads and writes directly
  expire_after(limits_.tls_handshake_timeout);
  stream_.async_handshake(
      [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_handshake(e); });
}

void HttpSession::on_handshake(beast::error_code ec) {
  if (!ec) return read();
  if (NetSocket::plain_http(ec)) return refuse_plain_http();
  // Scanners and clients that give up are common: not worth more than a debug line.
  spdlog::debug("TLS handshake with {} failed: {}", remote_address_, ec.message());
  beast::error_code ignored;
  stream_.close(ignored);
}

// A plain HTTP request on the TLS port: say so in plain HTTP (as nginx's 497 does), then close
// the way every other answer closes, so the client reads the answer rather than a reset.
void HttpSession::refuse_plain_http() {
  static constexpr std::string_view kAnswer =
      "HTTP/1.1 400 Bad Request\r\nServer: neo-events\r\nContent-Type: text/plain\r\n"
      "Content-Length: 57\r\nConnection: close\r\n\r\n"
      "This port speaks TLS: use https:// or wss:// to reach it\n";
  boost::asio::async_write(stream_.lowest_layer(), boost::asio::buffer(kAnswer),
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return;
                             self->stream_.lowest_layer().shutdown(
                                 boost::asio::ip::tcp::socket::shutdown_send, ec);
                             self->expire_after(kLingerTimeout);
                             self->drop_input(true);
                           });
}

void HttpSession::expire_after(std::chrono::steady_clock::duration after) {
  deadline_.expires_after(after);
  deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->upgraded_) return;  // re-armed, cancelled, or the socket moved on
    self->stream_.close(ec);
  });
}

// Handles what is buffered, request by request; reads more once it is used up.
void HttpSession::read() {
  while (!reading_ && !input_done_ && may_read_ahead()) {
    switch (reader_.parse(buffer_)) {
      case Step::need_more:
        return receive();
      case Step::head:
        on_head();
        break;
      case Step::request:
        on_request(reader_.take());
        break;
      case Step::refused:
        return refuse(reader_.refusal());
    }
  }
}

bool HttpSession::may_read_ahead() const {
  return slots_.size() < kMaxInFlight && body_bytes_ < kMaxInFlightBodyBytes;
}

void HttpSession::receive() {
  std::size_t room = buffer_.max_size() - buffer_.size();
  if (room == 0) return refuse({431, "request header fields too large"});
  if (!reader_.mid_request() || !request_timed_) {
    request_timed_ = reader_.mid_request();
    expire_after(kReadTimeout);
  }
  reading_ = true;
  stream_.async_read_some(buffer_.prepare(std::min(room, kReadChunk)),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->on_received(ec, n);
                          });
}

void HttpSession::on_received(beast::error_code ec, std::size_t bytes) {
  reading_ = false;
  if (ec) return end_input();  // end of stream, a reset or a timeout: nobody to answer
  buffer_.commit(bytes);
  read();
}

// Judges the head before any byte of the body is buffered.
void HttpSession::on_head() {
  const auto& head = reader_.head();
  const std::optional<std::uint64_t> declared = reader_.declared_length();
  if (beast::websocket::is_upgrade(head)) {
    if (declared != 0) return refuse({400, "upgrade request with a body"});
    reader_.read_body(0);
    return;
  }
  pending_ = plain_head(head, remote_address_);
  stream_kind_ = stream_transport(head.target());
  if (stream_kind_ && !endpoints_.sessions)  // not a client listener: an unknown path
    return refuse_own_request(text(404, "Not Found"));
  if (stream_kind_) return on_stream_head(declared);
  emulation_request_ = path_of(head.target()) == kEmulationPath;
  if (emulation_request_) return on_emulation_head(declared);
  Admission admission = endpoints_.http->admit(pending_);
  if (admission.refusal) {
    // The connection goes on if the body (if any) is small enough to drop as it arrives.
    bool go_on = head.keep_alive() && reader_.skip_body(kMaxSkippedBodyBytes);
    reply(std::move(*admission.refusal), go_on);
    return;
  }
  std::uint64_t limit = admission.takes_body ? limits_.max_body_bytes : 0;
  std::uint64_t reserve = std::min(declared.value_or(limit), limit);
  if (reserve > 0 && limits_.bodies) {
    pending_lease_ = limits_.bodies->try_take(reserve);
    if (!pending_lease_) {
      HttpResponse busy = text(503, "Service Unavailable: too many request bodies in flight");
      busy.headers.emplace_back("Retry-After", "1");
      return reply(std::move(busy), false);
    }
  }
  if (!reader_.read_body(limit)) return refuse(reader_.refusal());
  if (reserve > 0 && beast::iequals(head[bhttp::field::expect], "100-continue")) send_continue();
}

// RFC 9110 §10.1.1: a client that asked may wait for this before sending the body it now knows
// will be read. Only when no earlier answer is owed (it would come out of order otherwise); the
// client then sends the body after its own short wait.
void HttpSession::send_continue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  if (writing_ || !slots_.empty()) return;
  writing_ = true;
  boost::asio::async_write(stream_, boost::asio::buffer(kContinue),
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->writing_ = false;
                             if (ec) return self->end_input();
                             self->write_next();
                           });
}

void HttpSession::on_request(Request request) {
  request_timed_ = false;
  if (beast::websocket::is_upgrade(request)) {
    // The socket changes protocol only once every earlier request has been answered.
    input_done_ = true;
    if (slots_.empty() && !writing_) return upgrade(std::move(request));
    deferred_upgrade_ = std::move(request);  // write_next() upgrades after the last answer
    return;
  }
  pending_.body = std::move(request.body());
  if (pending_lease_) pending_lease_->shrink_to(pending_.body.size());  // a chunked body's end
  if (emulation_request_) {
    emulation_request_ = false;
    return reply(route_emulation(pending_.body), request.keep_alive());
  }
  if (stream_kind_) {
    // Like an upgrade: the socket becomes the stream once earlier requests are answered.
    input_done_ = true;
    if (slots_.empty() && !writing_) return start_stream();
    deferred_stream_ = true;
    return;
  }
  dispatch(std::move(pending_), request.keep_alive());
}

// uni_sse (GET with cf_connect, or POST), uni_http_stream (POST) and the emulated streams: the
// connect request is read like any small body.
void HttpSession::on_stream_head(std::optional<std::uint64_t> declared) {
  const auto& head = reader_.head();
  stream_format_ = stream_format(head);
  if (stream_format_ == WireFormat::protobuf && *stream_kind_ != TransportKind::http_stream) {
    return refuse_own_request(text(400,
                                   "Bad Request: protobuf is served on /connection/websocket and "
                                   "/connection/http_stream; this transport speaks JSON only"));
  }
  bool sse = server_sent_events(*stream_kind_);
  admit_own_request(declared, {!emulated(*stream_kind_) || endpoints_.emulation, sse,
                               limits_.ws.max_message_bytes, "Payload Too Large: connect request"});
}

// POST /emulation: a command batch for an emulated session, answered 204 once handed over. The
// commands travel as a JSON string inside the request: room for their escaping.
void HttpSession::on_emulation_head(std::optional<std::uint64_t> declared) {
  admit_own_request(
      declared, {endpoints_.emulation != nullptr, false, 2 * limits_.ws.max_message_bytes + 1024,
                 "Payload Too Large: emulation request"});
}

// The transport's own endpoints: 404 when not served, the origin check, CORS preflights, the
// method, then the body up to its limit (none for a GET).
void HttpSession::admit_own_request(std::optional<std::uint64_t> declared,
                                    const OwnEndpoint& endpoint) {
  const auto& head = reader_.head();
  std::string_view origin = head[bhttp::field::origin];
  if (!endpoint.available) return refuse_own_request(text(404, "Not Found"));
  if (!origin_allowed(origin, limits_.allowed_origins)) {
    count_origin_denial();
    return refuse_own_request(text(403, "Forbidden: origin not allowed"));
  }
  auto method = head.method();
  if (method == bhttp::verb::options) return refuse_own_request(preflight(origin));
  if (method != bhttp::verb::post && !(endpoint.allows_get && method == bhttp::verb::get)) {
    HttpResponse not_allowed = text(405, "Method Not Allowed");
    not_allowed.headers = {{"Allow", endpoint.allows_get ? "GET, POST, OPTIONS" : "POST, OPTIONS"}};
    return refuse_own_request(std::move(not_allowed));
  }
  std::uint64_t limit = method == bhttp::verb::post ? endpoint.body_limit : 0;
  if (declared && *declared > limit) {
    forget_own_request();
    return refuse({413, endpoint.too_large});
  }
  if (!reader_.read_body(limit)) {
    forget_own_request();
    return refuse(reader_.refusal());
  }
}

// Answered from its head: the connection goes on if the body is small enough to drop.
void HttpSession::refuse_own_request(HttpResponse response) {
  forget_own_request();
  bool go_on = reader_.head().keep_alive() && reader_.skip_body(kMaxSkippedBodyBytes);
  reply(std::move(response), go_on);
}

void HttpSession::forget_own_request() {
  stream_kind_.reset();
  emulation_request_ = false;
}

HttpResponse HttpSession::route_emulation(std::string_view body) {
  std::string origin(pending_.header("origin"));
  HttpResponse response{204, "text/plain", "", {}};
  bool binary = pending_.header("content-type").starts_with("application/octet-stream");
  auto request = parse_emulation_request(body, binary ? WireFormat::protobuf : WireFormat::json);
  if (!request) {
    response = text(400, binary ? "Bad Request: expected an EmulationRequest message"
                                : "Bad Request: expected {\"session\",\"node\",\"data\"}");
  } else if (request->data.size() > limits_.ws.max_message_bytes) {
    response = text(413, "Payload Too Large: commands over client.max_message_bytes");
  } else if (endpoints_.emulation->route(std::move(*request)) ==
             EmulationRegistry::Route::other_node) {
    // Not this node's session: the client reconnects (several nodes need sticky sessions).
    response = text(404, "Not Found: unknown node");
  }
  for (auto& header : cors_headers(origin)) response.headers.push_back(std::move(header));
  return response;
}

HttpResponse HttpSession::preflight(std::string_view origin) const {
  HttpResponse allowed{204, "text/plain", "", {}};
  allowed.headers = cors_headers(origin);
  if (!origin.empty()) {
    allowed.headers.insert(allowed.headers.end(),
                           {{"Access-Control-Allow-Methods", "GET, POST, OPTIONS"},
                            {"Access-Control-Allow-Headers", "Content-Type, Authorization"},
                            {"Access-Control-Max-Age", "600"}});
  }
  return allowed;
}

// Hands the socket to a StreamConnection with the connect request: the body of a POST, else
// the cf_connect query parameter.
void HttpSession::start_stream() {
  TransportKind kind = *stream_kind_;
  stream_kind_.reset();
  std::string request = std::move(pending_.body);
  if (request.empty()) {
    auto from_query = query_value(pending_.target, "cf_connect");
    if (!from_query || from_query->empty())
      return reply(text(400, "Bad Request: no connect request (cf_connect or body)"), false);
    request = std::move(*from_query);
  }
  deadline_.cancel();
  upgraded_ = true;
  std::string origin(pending_.header("origin"));
  auto connection =
      std::make_shared<StreamConnection>(std::move(stream_), limits_.ws, remote_address_, kind,
                                         origin, endpoints_.emulation, stream_format_);
  UpgradeInfo info{pending_.target, origin, remote_address_, thread_index_, kind};
  info.format = stream_format_;
  connection->start(request, *endpoints_.sessions, info);
}

void HttpSession::upgrade(Request request) {
  input_done_ = true;  // whatever happens, no more HTTP requests on this connection
  std::string_view target = request.target();
  std::string_view path = path_of(target);
  if ((path != kWebSocketPath && path != kUniWebSocketPath) || !endpoints_.sessions) {
    return reply(text(404, "Not Found"), false);
  }
  std::string_view origin = request[bhttp::field::origin];
  if (!origin_allowed(origin, limits_.allowed_origins)) {
    count_origin_denial();
    return reply(text(403, "Forbidden: origin not allowed"), false);
  }
  // RFC 6455 4.2.2: an unsupported version is answered with the versions we speak.
  if (request[bhttp::field::sec_websocket_version] != "13") {
    HttpResponse upgrade_required = text(426, "Upgrade Required: Sec-WebSocket-Version 13");
    upgrade_required.headers = {{"Sec-WebSocket-Version", "13"}, {"Upgrade", "websocket"}};
    return reply(std::move(upgrade_required), false);
  }
  std::string_view key = request[bhttp::field::sec_websocket_key];
  if (!websocket::valid_client_key(key)) {
    return reply(text(400, "Bad Request: Sec-WebSocket-Key"), false);
  }
  Negotiated negotiated =
      negotiate_websocket(target, request[bhttp::field::sec_websocket_protocol]);
  if (negotiated.format == WireFormat::protobuf && path == kUniWebSocketPath) {
    return reply(text(400, "Bad Request: uni_websocket speaks JSON only"), false);
  }
  std::string early = beast::buffers_to_string(buffer_.data());  // frames sent right after
  deadline_.cancel();
  upgraded_ = true;
  auto ws = std::make_shared<WsConnection>(std::move(stream_), limits_.ws, remote_address_);
  auto kind = path == kUniWebSocketPath ? TransportKind::uni_websocket : TransportKind::websocket;
  UpgradeInfo info{target, origin, remote_address_, thread_index_, kind};
  info.format = negotiated.format;
  info.subprotocol = negotiated.subprotocol;
  // Compression on the bidirectional endpoint only: uni pushes are views without the wrapper,
  // which the shared compressed bytes are not.
  bool deflate =
      limits_.ws.compression.enabled && kind == TransportKind::websocket &&
      websocket::accepts_permessage_deflate(request[bhttp::field::sec_websocket_extensions]);
  ws->start(websocket::accept_key(key), std::move(early), *endpoints_.sessions, info, deflate);
}

// Reserves the answer's place in line; returns its sequence number.
std::uint64_t HttpSession::open_slot(bool keep_alive, std::uint64_t body_bytes, Lease lease) {
  Slot slot;
  slot.body_bytes = body_bytes;
  slot.lease = std::move(lease);
  slot.keep_alive = keep_alive;
  slots_.push_back(std::move(slot));
  body_bytes_ += body_bytes;
  if (!keep_alive) input_done_ = true;  // nothing after a Connection: close is read
  return first_seq_ + slots_.size() - 1;
}

void HttpSession::dispatch(HttpRequest request, bool keep_alive) {
  std::uint64_t seq = open_slot(keep_alive, request.body.size(), std::move(pending_lease_));
  pending_lease_.reset();
  auto respond = [self = shared_from_this(), seq](HttpResponse response) {
    // The handler may answer from another thread: hop back to this connection's executor.
    boost::asio::dispatch(self->stream_.get_executor(),
                          [self, seq, response = std::move(response)]() mutable {
                            self->answer(seq, std::move(response));
                          });
  };
  endpoints_.http->handle(std::move(request), std::move(respond));
}

// The bytes cannot be framed (or must not be): answer, then close without parsing further.
void HttpSession::refuse(const http::Refusal& refusal) {
  reply(text(refusal.status, refusal.reason), false);
}

// A response of our own, not the handler's.
void HttpSession::reply(HttpResponse response, bool keep_alive) {
  pending_lease_.reset();
  answer(open_slot(keep_alive, 0, std::nullopt), std::move(response));
}

void HttpSession::answer(std::uint64_t seq, HttpResponse r) {
  if (seq < first_seq_ || seq - first_seq_ >= slots_.size()) return;  // connection gone
  Slot& slot = slots_[seq - first_seq_];
  slot.head = response_head(r, slot.keep_alive);
  slot.body = std::move(r.body);
  slot.answered = true;
  write_next();
}

// Writes the answers that are ready at the front of the line, all in one gathered write; later
// answers wait their turn. They stay in slots_ until written (a deque keeps references across
// push_back).
void HttpSession::write_next() {
  if (writing_) return;
  if (slots_.empty() && deferred_upgrade_) {
    Request request = std::move(*deferred_upgrade_);
    deferred_upgrade_.reset();
    return upgrade(std::move(request));
  }
  if (slots_.empty() && deferred_stream_) {
    deferred_stream_ = false;
    return start_stream();
  }
  if (slots_.empty() || !slots_.front().answered) return shut_down_when_done();
  out_.clear();
  slots_in_write_ = 0;
  for (const Slot& slot : slots_) {
    if (!slot.answered || slots_in_write_ == kMaxAnswersPerWrite) break;
    out_.emplace_back(slot.head.data(), slot.head.size());
    if (!slot.body.empty()) out_.emplace_back(slot.body.data(), slot.body.size());
    ++slots_in_write_;
  }
  writing_ = true;
  boost::asio::async_write(
      stream_, out_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
}

void HttpSession::on_written(beast::error_code ec) {
  writing_ = false;
  bool keep_alive = true;
  for (; slots_in_write_ > 0; --slots_in_write_) {
    Slot& done = slots_.front();
    keep_alive = done.keep_alive;
    body_bytes_ -= done.body_bytes;
    slots_.pop_front();  // and with it the body's lease
    ++first_seq_;
  }
  out_.clear();
  if (ec || !keep_alive) {
    input_done_ = true;
    first_seq_ += slots_.size();  // answers still to come for these are dropped
    slots_.clear();
    body_bytes_ = 0;
    deferred_upgrade_.reset();  // the connection is broken or closing: no upgrade
    deferred_stream_ = false;
  }
  write_next();
  read();  // room again for reading ahead
}

void HttpSession::end_input() {
  input_done_ = true;
  shut_down_when_done();
}

// After the last request: once every answer is written, the sending side is closed and what
// the peer still sends is dropped until it closes too (or kLingerTimeout), never parsed.
void HttpSession::shut_down_when_done() {
  if (!input_done_ || reading_ || writing_ || !slots_.empty() || upgraded_) return;
  reading_ = true;  // from now on only drop_input() reads
  beast::error_code ec;
  stream_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return;
  expire_after(kLingerTimeout);
  drop_input();
}

// `below_tls`: the bytes are not TLS records (plain HTTP sent to the TLS port).
void HttpSession::drop_input(bool below_tls) {
  auto again = [self = shared_from_this(), below_tls](beast::error_code ec, std::size_t) {
    if (!ec) self->drop_input(below_tls);
  };
  if (below_tls) return stream_.lowest_layer().async_read_some(discard_buffer(), std::move(again));
  stream_.async_read_some(discard_buffer(), std::move(again));
}

}  // namespace neo::transport
