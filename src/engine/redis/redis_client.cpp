#include "engine/redis/redis_client.h"

#include <hiredis/hiredis.h>

#include <array>
#include <boost/asio/post.hpp>

#include "engine/redis/redis_stream.h"
#include "engine/redis/resp.h"

namespace neo::engine::redis {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kNoDeadline = Clock::time_point::max();  // the handshake: connect_timeout

std::string text_of(const redisReply* r) { return std::string(r->str, r->len); }

}  // namespace

// One connection attempt and, once up, the connection. Its I/O handlers hold it and reach the
// client through `owner`, which is cleared when the client lets go of it (dropped, stopped,
// destroyed): a late handler then finds nobody to call.
struct RedisClient::Link {
  Link(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls, std::string server_name)
      : stream(io, std::move(tls), std::move(server_name)) {}
  RedisClient* owner = nullptr;
  RedisStream stream;
  ReplyReader reader;
  std::array<char, 16 * 1024> in;
  std::string out;      // commands not yet handed to the socket
  std::string writing;  // the write in flight
  bool flush_posted = false;
};

RedisClient::RedisClient(asio::io_context& io, Address address, Hooks hooks, ClientOptions options)
    : io_(io),
      address_(std::move(address)),
      hooks_(std::move(hooks)),
      options_(std::move(options)),
      reconnect_timer_(io),
      connect_timer_(io),
      command_timer_(io) {
  if (address_.tls && !options_.tls) {
    std::vector<std::string> ignored;  // no files to read: only the system's trust store
    options_.tls = make_tls_context({}, ignored);
  }
}

RedisClient::~RedisClient() { stop(); }

void RedisClient::start() {
  stopping_ = false;
  connect();
}

void RedisClient::stop() {
  stopping_ = true;
  reconnect_timer_.cancel();
  lost("stopped");
}

void RedisClient::connect() {
  if (stopping_) return;
  state_ = State::connecting;
  subscribed_ = false;
  link_ = std::make_shared<Link>(io_, address_.tls ? options_.tls : nullptr, options_.server_name);
  link_->owner = this;
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([this, link = link_](boost::system::error_code ec) {
    if (ec || link != link_ || state_ != State::connecting) return;
    lost("no answer within engine.redis.connect_timeout (" +
         std::to_string(options_.connect_timeout.count()) + " ms: connect, TLS, AUTH, PING)");
  });
  link_->stream.connect(address_, [link = link_](std::string error) {
    if (auto* self = link->owner) self->on_transport(link, error);
  });
}

void RedisClient::on_transport(const std::shared_ptr<Link>& link, const std::string& error) {
  if (link != link_) return;
  if (!error.empty()) return lost(error);
  read(link);
  handshake();
}

// AUTH and SELECT when the address asks for them, then PING: only Redis answering makes the
// client up (a proxy or load balancer accepts connections while Redis is down).
void RedisClient::handshake() {
  if (!address_.password.empty() && !address_.user.empty())
    handshake_step({"AUTH", address_.user, address_.password}, "AUTH", false);
  else if (!address_.password.empty())
    handshake_step({"AUTH", address_.password}, "AUTH", false);
  std::string db = address_.db ? std::to_string(*address_.db) : "";
  if (address_.db) handshake_step({"SELECT", db}, "SELECT " + db, false);
  handshake_step({"PING"}, "PING", true);
}

void RedisClient::handshake_step(std::vector<std::string_view> args, std::string what, bool last) {
  send(args);
  auto on_reply = [this, link = link_, what = std::move(what), last](redisReply* r) {
    if (!r || link != link_) return;  // the connection went already, and said why
    if (r->type == REDIS_REPLY_ERROR) return lost(what + " failed: " + text_of(r));
    if (last) up();
  };
  pending_.push_back({std::move(on_reply), kNoDeadline});
}

void RedisClient::up() {
  state_ = State::up;
  connect_timer_.cancel();
  backoff_ = std::chrono::milliseconds(100);
  if (hooks_.on_connect) hooks_.on_connect();
}

void RedisClient::lost(std::string why) {
  if (link_) {
    link_->owner = nullptr;
    link_->stream.close();
    link_.reset();
  }
  state_ = State::down;
  subscribed_ = false;
  connect_timer_.cancel();
  command_timer_.cancel();
  command_timer_armed_ = false;
  fail_pending();
  if (stopping_) return;
  if (hooks_.on_disconnect) hooks_.on_disconnect(std::move(why));
  schedule_reconnect();
}

void RedisClient::fail_pending() {
  auto failed = std::move(pending_);
  pending_.clear();
  for (auto& p : failed) {
    if (p.deadline != kNoDeadline) count("disconnected");
    p.handler(nullptr);
  }
}

void RedisClient::schedule_reconnect() {
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(2000));
  reconnect_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) connect();
  });
}

void RedisClient::count(std::string_view reason) const {
  if (options_.on_command_error) options_.on_command_error(reason);
}

void RedisClient::command(const std::vector<std::string_view>& args, ReplyHandler handler) {
  if (state_ != State::up) {
    count("disconnected");
    return handler(nullptr);
  }
  if (pending_.size() >= options_.max_in_flight) {
    count("overload");
    return handler(nullptr);
  }
  send(args);
  pending_.push_back({std::move(handler), Clock::now() + options_.command_timeout});
  arm_command_timer();
}

bool RedisClient::pubsub(std::string_view verb, std::string_view channel) {
  if (state_ != State::up) return false;
  subscribed_ = true;
  send({verb, channel});
  return true;
}

// Queues the command's bytes; one flush per handler run carries every command queued in it.
void RedisClient::send(const std::vector<std::string_view>& args) {
  append_command(link_->out, args);
  if (link_->flush_posted || !link_->writing.empty()) return;
  link_->flush_posted = true;
  asio::post(io_, [link = link_] {
    link->flush_posted = false;
    if (auto* self = link->owner) self->flush(link);
  });
}

void RedisClient::flush(const std::shared_ptr<Link>& link) {
  if (link->out.empty()) return;
  link->writing.swap(link->out);
  link->stream.write(asio::buffer(link->writing),
                     [link](boost::system::error_code ec, std::size_t) {
                       link->writing.clear();
                       auto* self = link->owner;
                       if (!self) return;
                       if (ec) return self->lost("write failed: " + ec.message());
                       self->flush(link);
                     });
}

void RedisClient::read(const std::shared_ptr<Link>& link) {
  link->stream.read_some(asio::buffer(link->in),
                         [link](boost::system::error_code ec, std::size_t bytes) {
                           auto* self = link->owner;
                           if (!self) return;
                           if (ec == asio::error::eof) return self->lost("connection closed");
                           if (ec) return self->lost(ec.message());
                           self->on_read(link, bytes);
                         });
}

void RedisClient::on_read(const std::shared_ptr<Link>& link, std::size_t bytes) {
  link->reader.feed(link->in.data(), bytes);
  while (link == link_) {  // a handler may drop or stop the connection
    ReplyPtr reply = link->reader.next();
    if (!reply) break;
    dispatch(reply.get());
  }
  if (link != link_) return;
  if (!link->reader.error().empty())
    return lost("unreadable reply from redis: " + link->reader.error());
  read(link);
}

// Pushes of a subscribed connection go to on_pubsub; every other reply answers the oldest
// command (Redis answers in order).
void RedisClient::dispatch(redisReply* reply) {
  if (subscribed_ && is_push(reply)) {
    if (hooks_.on_pubsub) hooks_.on_pubsub(reply);
    return;
  }
  if (pending_.empty()) {
    if (subscribed_ && hooks_.on_pubsub) return hooks_.on_pubsub(reply);  // a refused pubsub()
    return lost("a reply to no command: the connection is out of step");
  }
  Pending answered = std::move(pending_.front());
  pending_.pop_front();
  if (reply->type == REDIS_REPLY_ERROR && answered.deadline != kNoDeadline) count("error");
  answered.handler(reply);
}

// One timer for every command: they share one timeout and are answered in order, so the
// oldest one's deadline comes first.
void RedisClient::arm_command_timer() {
  if (command_timer_armed_ || pending_.empty() || pending_.front().deadline == kNoDeadline) return;
  command_timer_armed_ = true;
  command_timer_.expires_at(pending_.front().deadline);
  command_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    command_timer_armed_ = false;
    check_deadlines();
  });
}

void RedisClient::check_deadlines() {
  if (pending_.empty()) return;
  if (pending_.front().deadline > Clock::now()) return arm_command_timer();
  Pending expired = std::move(pending_.front());
  pending_.pop_front();
  count("timeout");
  lost("no reply within engine.redis.command_timeout (" +
       std::to_string(options_.command_timeout.count()) + " ms); reconnecting");
  expired.handler(nullptr);
}

}  // namespace neo::engine::redis
