// RedisClient: one hiredis async connection driven by an Asio io_context (the engine's own
// thread, never a client I/O thread). Reconnects by itself with backoff; while it is down,
// commands fail at once (the caller answers error 100) instead of queueing without bound.
// Every method must be called on the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace neo::engine::redis {

struct Address {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string text;  // as configured, for logs
};

// "redis://host:port" -> Address; nullopt when malformed.
std::optional<Address> parse_address(std::string_view url);

// A reply, or nullptr when the connection failed before one came.
using ReplyHandler = std::function<void(redisReply* reply)>;

class RedisClient {
 public:
  struct Hooks {
    std::function<void()> on_connect;                // (re)connected: resubscribe, reload scripts
    std::function<void(std::string)> on_disconnect;  // lost or could not connect
    // Every PUB/SUB reply on this connection: ["subscribe", ch, n], ["message", ch, payload], ...
    std::function<void(redisReply*)> on_pubsub;
  };

  RedisClient(boost::asio::io_context& io, Address address, Hooks hooks);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  void start();
  void stop();
  bool connected() const { return connected_; }
  const Address& address() const { return address_; }

  // Sends one command. `handler` runs exactly once (with nullptr when disconnected).
  void command(const std::vector<std::string_view>& args, ReplyHandler handler);
  // SUBSCRIBE / UNSUBSCRIBE; confirmations and messages go to Hooks::on_pubsub. Returns false
  // when disconnected (the on_connect hook resubscribes).
  bool pubsub(std::string_view verb, std::string_view channel);

 private:
  struct Adapter;
  struct Pending;
  void connect();
  void schedule_reconnect();
  static void on_connected(const redisAsyncContext* ac, int status);
  static void on_disconnected(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  void lost(std::string why);

  boost::asio::io_context& io_;
  Address address_;
  Hooks hooks_;
  redisAsyncContext* context_ = nullptr;
  std::shared_ptr<Adapter> adapter_;
  boost::asio::steady_timer reconnect_timer_;
  std::chrono::milliseconds backoff_{100};
  bool connected_ = false;
  bool stopping_ = false;
  std::unique_ptr<Pending> pubsub_;  // one handler for every subscribed channel
};

}  // namespace neo::engine::redis
