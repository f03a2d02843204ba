// RedisClient: one connection to one Redis, on its own Asio socket (TCP, or TLS for rediss://),
// driven by an io_context (the engine's own thread, never a client I/O thread). hiredis is only
// the RESP parser and command formatter (resp.h).
//
// Up only once Redis has answered: TCP (+ TLS) connected, then AUTH and SELECT when the
// address asks for them, then PING; the on_connect hook runs when PING answers, all within
// connect_timeout. Reconnects by itself with backoff (100 ms doubling to 2 s, reset when up).
// While it is down, commands fail at once (the caller answers error 100) instead of queueing.
// Replies are matched to commands in order; a command without a reply within command_timeout
// fails and the connection is dropped (a stalled RESP stream cannot be resynchronised).
// Commands issued in one handler run leave in one write. Every method must be called on the
// io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/redis/address.h"
#include "engine/redis/client_options.h"

struct redisReply;

namespace neo::engine::redis {

// A reply, or nullptr when none came (disconnected, timed out, too many in flight).
using ReplyHandler = std::function<void(redisReply* reply)>;

class RedisClient {
 public:
  struct Hooks {
    std::function<void()> on_connect;                // up (PING answered): resubscribe, scripts
    std::function<void(std::string)> on_disconnect;  // lost or could not connect, and why
    // Every PUB/SUB push on this connection: ["subscribe", ch, n], ["message", ch, payload],
    // ["smessage", ...], ["sunsubscribe", ...], and an error answering a pubsub() command.
    std::function<void(redisReply*)> on_pubsub;
  };

  RedisClient(boost::asio::io_context& io, Address address, Hooks hooks,
              ClientOptions options = {});
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  void start();
  void stop();
  bool connected() const { return state_ == State::up; }
  const Address& address() const { return address_; }

  // Sends one command. `handler` runs exactly once: with the reply, or nullptr when
  // disconnected, over max_in_flight or timed out.
  void command(const std::vector<std::string_view>& args, ReplyHandler handler);
  // SUBSCRIBE / UNSUBSCRIBE / SSUBSCRIBE / SUNSUBSCRIBE; confirmations and messages go to
  // Hooks::on_pubsub. Returns false when disconnected (the on_connect hook resubscribes).
  bool pubsub(std::string_view verb, std::string_view channel);

 private:
  enum class State { down, connecting, up };
  struct Link;
  struct Pending {
    ReplyHandler handler;
    std::chrono::steady_clock::time_point deadline;
  };

  void connect();
  void on_transport(const std::shared_ptr<Link>& link, const std::string& error);
  void handshake();
  void handshake_step(std::vector<std::string_view> args, std::string what, bool last);
  void up();
  void lost(std::string why);
  void fail_pending();
  void schedule_reconnect();
  void send(const std::vector<std::string_view>& args);
  void flush(const std::shared_ptr<Link>& link);
  void read(const std::shared_ptr<Link>& link);
  void on_read(const std::shared_ptr<Link>& link, std::size_t bytes);
  void dispatch(redisReply* reply);
  void arm_command_timer();
  void check_deadlines();
  void count(std::string_view reason) const;

  boost::asio::io_context& io_;
  Address address_;
  Hooks hooks_;
  ClientOptions options_;
  std::shared_ptr<Link> link_;  // the connection being made or up; nullptr when down
  std::deque<Pending> pending_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer command_timer_;
  bool command_timer_armed_ = false;
  std::chrono::milliseconds backoff_{100};
  State state_ = State::down;
  bool subscribed_ = false;  // pubsub() used on this link: pushes go to on_pubsub
  bool stopping_ = false;
};

}  // namespace neo::engine::redis
