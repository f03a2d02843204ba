#include "session/client_session.h"

#include <chrono>

#include "core/ids.h"
#include "core/json_writer.h"
#include "protocol/encoder.h"

namespace neo::session {

namespace code = protocol::error_code;
namespace dc = protocol::disconnect;

namespace {
// Commands waiting behind an engine call; more than this from one client is abuse.
constexpr std::size_t kMaxBacklog = 1024;
}  // namespace

ClientSession::ClientSession(Services& services, Shard& shard, transport::Connection& connection,
                             transport::TransportKind transport, std::string_view emulation_session,
                             protocol::Encoding encoding)
    : services_(services),
      shard_(shard),
      connection_(connection),
      codec_(protocol::codec_for(encoding)),
      transport_(transport),
      uni_(transport::unidirectional(transport)),
      emulation_session_(emulation_session),
      created_at_(SteadyClock::now()),
      commands_(services.config().client.command_rate_per_second,
                services.config().client.command_burst, SteadyClock::now()) {
  std::string id = random_uuid();
  std::copy_n(id.data(), std::min(id.size(), client_id_.size()), client_id_.begin());
  shard_.sessions.insert(this);
  ++shard_.connections;
  if (services_.metrics)
    services_.metrics->connection_accepted(static_cast<std::size_t>(transport_));
  reschedule();
}

ClientSession::~ClientSession() {
  if (state_ != State::closed) on_close();
}

void ClientSession::on_message(std::string_view text) {
  if (state_ == State::closed || state_ == State::failed) return;
  if (uni_) return take_uni_connect(text);
  // Scratch space shared by the thread's sessions: a Command is a few hundred bytes, too much
  // to keep in every idle connection.
  static thread_local std::vector<Command> decoded;
  auto status = codec_.decode_commands(text, decoded);
  if (status == protocol::DecodeStatus::too_many) return close(dc::too_many_requests);
  if (status != protocol::DecodeStatus::ok) return close(dc::bad_request);
  count_received(decoded, text.size());
  if (backlog_.size() + decoded.size() > kMaxBacklog) return close(dc::too_many_requests);
  for (auto& cmd : decoded) {
    if (codec_.encoding() == protocol::Encoding::protobuf) protocol::require_json_payloads(cmd);
    backlog_.push_back(std::move(cmd));
  }
  decoded.clear();
  drain();
}

// The first message is the ConnectRequest itself ({"token":...}, not a command); whatever a
// uni_websocket client sends after it is ignored, as Centrifugo does.
void ClientSession::take_uni_connect(std::string_view request) {
  if (uni_connect_taken_) return;
  uni_connect_taken_ = true;
  Command connect;
  if (protocol::decode_connect_request(request, connect) != protocol::DecodeStatus::ok)
    return close(dc::bad_request);
  connect.method = protocol::Method::connect;
  count_received({connect}, request.size());
  backlog_.push_back(std::move(connect));
  drain();
}

void ClientSession::drain() {
  if (draining_) return;  // finish_command() ran inline inside handle(): the loop goes on
  draining_ = true;
  while (!busy_ && !backlog_.empty() && state_ != State::closed && state_ != State::failed) {
    Command cmd = std::move(backlog_.front());
    backlog_.pop_front();
    if (backlog_.empty()) Backlog().swap(backlog_);  // idle sessions keep no command storage
    busy_ = true;
    handle(cmd);
  }
  draining_ = false;
}

void ClientSession::finish_command() {
  end_command();
  busy_ = false;
  drain();
}

void ClientSession::handle(Command& cmd) {
  using protocol::Method;
  begin_command(cmd);
  if (cmd.payload_not_json) {
    if (state_ != State::connected || (cmd.method != Method::publish && cmd.method != Method::rpc))
      return close(dc::bad_request);
    reply_error(cmd.id, code::bad_request);
    return finish_command();
  }
  if (state_ == State::connecting) {
    if (cmd.method != Method::connect || cmd.id == 0) return close(dc::bad_request);
    return handle_connect(cmd);
  }
  if (cmd.method == Method::pong) return handle_pong();
  if (cmd.method == Method::send) return close(dc::not_available);
  if (cmd.id == 0 || cmd.method == Method::unknown || cmd.method == Method::connect) {
    return close(dc::bad_request);
  }
  if (!take_command_token()) {
    reply_error(cmd.id, code::too_many_requests);
    return finish_command();
  }
  handle_connected(cmd);
}

// One client must not starve its thread: commands beyond client.command_rate_per_second get
// error 111 (temporary, so centrifuge-js retries with backoff).
bool ClientSession::take_command_token() {
  if (services_.config().client.command_rate_per_second == 0) return true;
  if (commands_.take(SteadyClock::now())) {
    rate_limited_ = false;
    return true;
  }
  if (!rate_limited_) audit("quota:command_rate", "", "too many requests", code::too_many_requests);
  if (services_.metrics) services_.metrics->rate_limited(metrics::RateLimit::client_commands);
  rate_limited_ = true;
  return false;
}

void ClientSession::handle_connected(Command& cmd) {
  using protocol::Method;
  bool needs_channel = cmd.method != Method::refresh && cmd.method != Method::rpc;
  if (needs_channel && cmd.channel.empty()) return close(dc::bad_request);
  switch (cmd.method) {
    case Method::subscribe:
      return handle_subscribe(cmd);
    case Method::unsubscribe:
      return handle_unsubscribe(cmd);
    case Method::publish:
      return handle_publish(cmd);
    case Method::presence:
      return handle_presence(cmd, false);
    case Method::presence_stats:
      return handle_presence(cmd, true);
    case Method::history:
      return handle_history(cmd);
    case Method::refresh:
      return handle_refresh(cmd);
    case Method::sub_refresh:
      return handle_sub_refresh(cmd);
    case Method::rpc:
      return handle_rpc(cmd);
    default:
      return close(dc::bad_request);
  }
}

// The only RPC is the built-in `time`: centrifuge-js exposes no server clock, and synchronized
// timers (exam countdowns) need one. Any other method has no handler: 108.
void ClientSession::handle_rpc(const Command& cmd) {
  if (cmd.rpc_method != "time") {
    reply_error(cmd.id, code::not_available);
    return finish_command();
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  std::string data;
  JsonWriter w(data);
  w.begin_object().key("time").number_signed(now.count()).end_object();
  push(codec_.rpc_reply(cmd.id, data));
  finish_command();
}

void ClientSession::reply_error(std::uint32_t id, std::uint32_t error) {
  if (uni_) return close(protocol::uni_connect_disconnect(error));
  count_reply_error(error);
  push(codec_.error_reply(id, protocol::make_error(error)));
}

void ClientSession::push(std::string message) {
  push(std::move(message), command_method_, command_ns_);
}

void ClientSession::push(std::string message, FrameType type, std::uint16_t ns) {
  if (state_ == State::closed) return;
  send(FrameRef(message, type, ns));
}

void ClientSession::send(FrameRef frame) {
  if (connection_.send(std::move(frame))) return;
  count_disconnect(dc::slow.code);
  state_ = State::failed;
  closing_ = true;
  connection_.abort(dc::slow.code, dc::slow.reason);
}

std::uint32_t ClientSession::ttl_until(std::int64_t expire_at) {
  return seconds_until(expire_at, unix_seconds());
}

std::string ClientSession::expiry_reply(const Command& cmd,
                                        const std::optional<std::int64_t>& expire_at) const {
  return codec_.expiry_reply(cmd.id, cmd.method, expire_at.has_value(),
                             expire_at ? ttl_until(*expire_at) : 0);
}

void ClientSession::close(const protocol::Disconnect& reason) {
  if (state_ == State::closed) return;
  count_disconnect(reason.code);
  if (state_ != State::failed) state_ = State::failed;  // no more commands are read
  closing_ = true;  // the transport bounds the rest: no more deadlines here
  backlog_.clear();
  connection_.close(reason.code, reason.reason);
}

void ClientSession::disconnect(const protocol::Disconnect& reason) { close(reason); }

void ClientSession::on_close() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  unlink();  // no deadlines for a closed session
  backlog_.clear();
  while (!subs_.empty()) remove_subscription(subs_.begin()->first, true);
  shard_.sessions.erase(this);
  --shard_.connections;
  if (services_.metrics) services_.metrics->connection_closed(static_cast<std::size_t>(transport_));
  count_gone();
  if (counted_connection_ && services_.limits)
    services_.limits->release_connection(identity_.tenant);
  auto it = shard_.users.find(identity_.user);
  if (registered_ && it != shard_.users.end()) {
    std::erase(it->second, this);
    if (it->second.empty()) {
      shard_.users.erase(it);
      if (services_.metrics) services_.metrics->users.dec();
    }
  }
}

void ClientSession::tick(SteadyClock::time_point now, std::int64_t unix_now) {
  check_deadlines(now, unix_now);
  reschedule(now, unix_now);
}

void ClientSession::reschedule() { reschedule(SteadyClock::now(), unix_seconds()); }

void ClientSession::reschedule(SteadyClock::time_point now, std::int64_t unix_now) {
  if (state_ == State::closed || closing_) return unlink();
  shard_.wheel.schedule(*this, next_deadline(now, unix_now));
}

// The earliest moment something may need doing; waking early is harmless (the next deadline
// is computed again), waking late is not, so every change that brings a deadline forward
// calls reschedule().
SteadyClock::time_point ClientSession::next_deadline(SteadyClock::time_point now,
                                                     std::int64_t unix_now) const {
  const auto& client = services_.config().client;
  if (state_ != State::connected) return created_at_ + client.stale_close_delay;
  auto grace = std::chrono::duration_cast<std::chrono::seconds>(client.expired_close_delay);
  auto at_unix = [&](std::int64_t unix_time) {  // check_deadlines() closes a second after
    return steady_time_of(saturating_add(unix_time, grace.count() + 1), now, unix_now);
  };
  auto due = awaiting_pong_ ? std::min(pong_deadline_, next_ping_) : next_ping_;
  if (expire_at_) due = std::min(due, at_unix(*expire_at_));
  if (services_.engine.presence_refresh_interval().count() > 0)
    due = std::min(due, next_presence_refresh_);
  if (expiring_subs_ > 0) {
    for (const auto& [channel, sub] : subs_)
      if (sub->expire_at) due = std::min(due, at_unix(*sub->expire_at));
  }
  return due;
}

void ClientSession::check_deadlines(SteadyClock::time_point now, std::int64_t unix_now) {
  if (state_ == State::connecting || state_ == State::failed) {
    if (now - created_at_ >= services_.config().client.stale_close_delay) close(dc::stale);
    return;
  }
  if (state_ != State::connected) return;
  if (awaiting_pong_ && now >= pong_deadline_) return close(dc::no_pong);
  if (now >= next_ping_) {
    push(std::string(codec_.ping()), FrameType::server_ping, 0);
    awaiting_pong_ = !uni_;  // unidirectional clients cannot answer
    pong_deadline_ = now + services_.config().client.pong_timeout;
    next_ping_ = now + services_.config().client.ping_interval;
  }
  auto grace = std::chrono::duration_cast<std::chrono::seconds>(
                   services_.config().client.expired_close_delay)
                   .count();
  if (expire_at_ && unix_now > saturating_add(*expire_at_, grace))
    return close(dc::connection_expired);
  refresh_presence(now);
  if (expiring_subs_ == 0) return;
  std::vector<Subscription*> expired;
  for (auto& [channel, sub] : subs_) {
    if (sub->expire_at && unix_now > saturating_add(*sub->expire_at, grace))
      expired.push_back(sub.get());
  }
  for (Subscription* sub : expired) {
    if (sub->server_side) return close(protocol::Disconnect{3006, "subscription expired"});
    push(codec_.unsubscribe_push(sub->channel, protocol::unsubscribe::expired),
         FrameType::push_unsubscribe, sub->ns);
    count_unsubscribe(protocol::unsubscribe::expired.code, sub->ns);
    remove_subscription(sub->channel, true);
  }
}

// Remote engines expire presence entries that their node stops refreshing, so a crashed
// node's clients vanish; live ones are re-added on the engine's interval.
void ClientSession::refresh_presence(SteadyClock::time_point now) {
  auto interval = services_.engine.presence_refresh_interval();
  if (interval.count() == 0 || now < next_presence_refresh_) return;
  bool first = next_presence_refresh_ == SteadyClock::time_point{};
  next_presence_refresh_ = now + interval;
  if (first) return;  // just added by the subscribe itself
  for (auto& [channel, sub] : subs_) {
    if (sub->subscribed && sub->presence)
      services_.engine.add_presence(channel, client_info(sub.get()));
  }
}

void ClientSession::handle_pong() {
  if (!awaiting_pong_) return close(dc::bad_request);  // a pong nobody asked for
  awaiting_pong_ = false;
  finish_command();
}

}  // namespace neo::session
