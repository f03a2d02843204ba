#include "engine/redis/redis_client.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <charconv>
#include <optional>

namespace neo::engine::redis {

namespace asio = boost::asio;

std::optional<Address> parse_address(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  Address address;
  address.text = std::string(url);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    address.host = std::string(rest);
  } else {
    address.host = std::string(rest.substr(0, colon));
    auto port = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (ec != std::errc() || end != port.data() + port.size() || address.port <= 0 ||
        address.port > 65535)
      return std::nullopt;
  }
  if (address.host.empty()) return std::nullopt;
  return address;
}

// Drives hiredis's socket with Asio. The descriptor does not own the fd (hiredis closes it):
// cleanup releases it, which also aborts the pending waits.
struct RedisClient::Adapter : std::enable_shared_from_this<Adapter> {
  Adapter(asio::io_context& io, redisAsyncContext* ac) : socket(io, ac->c.fd), context(ac) {}
  asio::posix::stream_descriptor socket;
  redisAsyncContext* context;
  bool reading = false;
  bool writing = false;
  bool dead = false;

  void arm_read() {
    socket.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this()](boost::system::error_code ec) {
                        if (ec || self->dead || !self->reading) return;
                        redisAsyncHandleRead(self->context);  // may end the context
                        if (!self->dead && self->reading) self->arm_read();
                      });
  }
  void arm_write() {
    socket.async_wait(asio::posix::stream_descriptor::wait_write,
                      [self = shared_from_this()](boost::system::error_code ec) {
                        if (ec || self->dead || !self->writing) return;
                        self->writing = false;
                        redisAsyncHandleWrite(self->context);  // re-adds write if needed
                      });
  }
  static Adapter& of(void* data) { return *static_cast<Adapter*>(data); }
  static void add_read(void* data) {
    auto& a = of(data);
    if (!a.reading) {
      a.reading = true;
      a.arm_read();
    }
  }
  static void del_read(void* data) { of(data).reading = false; }
  static void add_write(void* data) {
    auto& a = of(data);
    if (!a.writing) {
      a.writing = true;
      a.arm_write();
    }
  }
  static void del_write(void* data) { of(data).writing = false; }
  static void cleanup(void* data) {
    auto& a = of(data);
    a.dead = true;
    a.reading = a.writing = false;
    a.socket.release();
  }
};

struct RedisClient::Pending {
  RedisClient* client;
  ReplyHandler handler;
  bool persistent;
};

RedisClient::RedisClient(asio::io_context& io, Address address, Hooks hooks)
    : io_(io), address_(std::move(address)), hooks_(std::move(hooks)), reconnect_timer_(io) {}

RedisClient::~RedisClient() { stop(); }

void RedisClient::start() { connect(); }

void RedisClient::stop() {
  stopping_ = true;
  reconnect_timer_.cancel();
  if (context_) {
    redisAsyncContext* ac = context_;
    context_ = nullptr;
    redisAsyncFree(ac);  // runs pending callbacks with nullptr, then cleanup
  }
  connected_ = false;
}

void RedisClient::connect() {
  if (stopping_) return;
  redisAsyncContext* ac = redisAsyncConnect(address_.host.c_str(), address_.port);
  if (!ac || ac->err) {
    std::string why = ac ? ac->errstr : "out of memory";
    if (ac) redisAsyncFree(ac);
    return lost(why);
  }
  context_ = ac;
  ac->data = this;
  adapter_ = std::make_shared<Adapter>(io_, ac);
  ac->ev.data = adapter_.get();
  ac->ev.addRead = Adapter::add_read;
  ac->ev.delRead = Adapter::del_read;
  ac->ev.addWrite = Adapter::add_write;
  ac->ev.delWrite = Adapter::del_write;
  ac->ev.cleanup = Adapter::cleanup;
  redisAsyncSetConnectCallback(ac, &RedisClient::on_connected);
  redisAsyncSetDisconnectCallback(ac, &RedisClient::on_disconnected);
}

void RedisClient::on_connected(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisClient*>(ac->data);
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    self->context_ = nullptr;
    return self->lost(ac->errstr);
  }
  self->connected_ = true;
  self->backoff_ = std::chrono::milliseconds(100);
  if (self->hooks_.on_connect) self->hooks_.on_connect();
}

void RedisClient::on_disconnected(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisClient*>(ac->data);
  self->context_ = nullptr;
  self->connected_ = false;
  if (self->stopping_) return;
  self->lost(status == REDIS_OK ? "connection closed" : ac->errstr);
}

void RedisClient::lost(std::string why) {
  connected_ = false;
  if (hooks_.on_disconnect) hooks_.on_disconnect(std::move(why));
  schedule_reconnect();
}

void RedisClient::schedule_reconnect() {
  if (stopping_) return;
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(2000));
  reconnect_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) connect();
  });
}

void RedisClient::on_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* pending = static_cast<Pending*>(privdata);
  if (pending->persistent) {  // the client's PUB/SUB handler: lives as long as the client
    if (reply) pending->handler(static_cast<redisReply*>(reply));
    return;
  }
  std::unique_ptr<Pending> owned(pending);
  owned->handler(static_cast<redisReply*>(reply));
}

void RedisClient::command(const std::vector<std::string_view>& args, ReplyHandler handler) {
  if (!connected_ || !context_) return handler(nullptr);
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (auto arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto pending = std::make_unique<Pending>(Pending{this, std::move(handler), false});
  if (redisAsyncCommandArgv(context_, &RedisClient::on_reply, pending.get(),
                            static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK)
    return pending->handler(nullptr);
  pending.release();  // freed in on_reply
}

bool RedisClient::pubsub(std::string_view verb, std::string_view channel) {
  if (!connected_ || !context_) return false;
  if (!pubsub_) {
    pubsub_ = std::make_unique<Pending>(Pending{this,
                                                [this](redisReply* reply) {
                                                  if (hooks_.on_pubsub) hooks_.on_pubsub(reply);
                                                },
                                                true});
  }
  const char* argv[] = {verb.data(), channel.data()};
  size_t lengths[] = {verb.size(), channel.size()};
  return redisAsyncCommandArgv(context_, &RedisClient::on_reply, pubsub_.get(), 2, argv, lengths) ==
         REDIS_OK;
}
}  // namespace neo::engine::redis
