// ClientSession: the Centrifugo protocol state machine of one bidirectional connection.
// Lives on its connection's I/O thread; every method runs there. Commands of one connection
// are handled strictly in order: when a command waits for the engine, later ones wait in a
// bounded backlog (Centrifugo's default, client.concurrency = 0).
#pragma once

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/container/devector.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "protocol/codec.h"
#include "protocol/codes.h"
#include "protocol/command.h"
#include "protocol/results.h"
#include "session/services.h"
#include "session/subscription.h"
#include "transport/connection.h"

namespace neo::session {

class ClientSession final : public transport::SessionHandler, public TimerWheel::Hook {
 public:
  ClientSession(Services& services, Shard& shard, transport::Connection& connection,
                transport::TransportKind transport = transport::TransportKind::websocket,
                std::string_view emulation_session = {},
                protocol::Encoding encoding = protocol::Encoding::json);
  ~ClientSession() override;

  void on_message(std::string_view text) override;
  void on_close() override;

  // Called by the shard's timer wheel when this session's next deadline is due: pings, pong
  // and stale deadlines, expiry, presence refresh. Schedules the next one.
  void tick(SteadyClock::time_point now, std::int64_t unix_now);
  void deliver(Subscription& sub, const hub::Delivery& delivery);

  // Server API actions, run on this session's thread.
  void disconnect(const protocol::Disconnect& reason);
  void server_unsubscribe(std::string_view channel);
  void revoke_forbidden_subscriptions();
  void server_subscribe(std::string_view channel);
  void server_refresh(bool expired, std::optional<std::int64_t> expire_at, std::string info);

  std::string_view client_id() const { return {client_id_.data(), client_id_.size()}; }
  const std::string& user() const { return identity_.user; }
  bool authenticated() const { return state_ == State::connected; }
  std::size_t subscription_count() const { return subs_.size(); }

 private:
  enum class State { connecting, connected, failed, closed };
  using Command = protocol::Command;

  // Command flow (client_session.cpp).
  void drain();
  void finish_command();
  void handle(Command& cmd);
  void handle_connected(Command& cmd);
  void reply_error(std::uint32_t id, std::uint32_t code);
  // Unidirectional transports: the connect request alone, as a connect command.
  void take_uni_connect(std::string_view request);
  // A reply to the command being handled (tagged with its method and namespace)...
  void push(std::string message);
  // ... or a push of the server's own.
  void push(std::string message, FrameType type, std::uint16_t ns);
  // Queues a frame; a full queue disconnects the client as slow (3008).
  void send(FrameRef frame);
  void close(const protocol::Disconnect& reason);
  struct Home;
  Home home();

  // Metrics (session_metrics.cpp): the command being handled, what came in, why refused.
  void begin_command(const Command& cmd);
  void end_command();
  void count_received(const std::vector<Command>& commands, std::size_t bytes);
  void count_reply_error(std::uint32_t code);
  void count_disconnect(std::uint32_t code);
  void count_denial(std::string_view channel, auth::Decision decision) const;
  void count_token_denial();
  void count_unsubscribe(std::uint32_t code, std::uint16_t ns);
  void count_quota(metrics::Quota quota);
  void count_connected();
  void count_gone();
  void count_recover(std::uint16_t ns, const protocol::SubscribeResult& result);
  std::uint16_t ns_of(std::string_view channel) const;

  // Connect, refresh, ping (session_connect.cpp).
  void handle_connect(Command& cmd);
  void refuse_connect(const Command& cmd, auth::TokenStatus status, std::string_view reason);
  void admit_tenant_connection(std::function<void()> admitted);
  void on_tenant_admission(bool ok, const std::function<void()>& admitted);
  void subscribe_and_reply(const Command& cmd, const std::vector<std::string>& channels);
  void audit(std::string_view action, std::string_view channel, std::string_view reason,
             std::uint32_t code) const;
  bool take_command_token();
  // Seconds from now until `expire_at` (0 once passed): the ttl of connect, refresh and
  // subscribe results.
  static std::uint32_t ttl_until(std::int64_t expire_at);
  // The refresh or sub_refresh reply: expires and ttl when there is an expiry.
  std::string expiry_reply(const Command& cmd, const std::optional<std::int64_t>& expire_at) const;
  // client.token.leeway in seconds: the clock skew tolerated on every expiry check.
  std::int64_t leeway_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(services_.config().client.token.leeway)
        .count();
  }
  // A token's `expire_at` already past, even allowing for the leeway (error 110).
  bool expire_at_passed(std::int64_t expire_at) const {
    return saturating_add(expire_at, leeway_seconds()) <= unix_seconds();
  }
  void handle_refresh(Command& cmd);
  void handle_rpc(const Command& cmd);
  void handle_pong();
  void refresh_presence(SteadyClock::time_point now);
  struct PendingConnect;
  bool add_client_listed_channels(const Command& cmd, std::vector<std::string>& channels);
  void add_server_subscriptions(const std::vector<std::string>& channels, const Command& cmd,
                                const std::shared_ptr<PendingConnect>& pending);
  void finish_connect(PendingConnect& pending);
  void register_connected();
  void schedule_first_ping(SteadyClock::time_point now);

  // Subscriptions (session_subscribe.cpp).
  void handle_subscribe(Command& cmd);
  void handle_unsubscribe(Command& cmd);
  void handle_sub_refresh(Command& cmd);
  std::uint32_t authorize_subscribe(const protocol::SubscribeRequest& req,
                                    const config::NamespaceOptions*& ns, Subscription& sub,
                                    std::string& token_data);
  Subscription& start_subscription(const protocol::SubscribeRequest& req,
                                   const config::NamespaceOptions& ns, bool server_side,
                                   std::unique_ptr<Subscription> sub);
  void position_subscription(Subscription& sub, const protocol::SubscribeRequest& req,
                             const config::NamespaceOptions& ns, bool recoverable,
                             std::function<void(Result<protocol::SubscribeResult>)> done);
  void complete_subscription(Subscription& sub);
  void remove_subscription(std::string channel, bool publish_leave);
  void insufficient_state(Subscription& sub);
  FrameRef encoded_for(Subscription& sub, const hub::Delivery& delivery);
  ClientInfo client_info(const Subscription* sub) const;

  // Publish, presence, history, rpc (session_commands.cpp).
  void handle_publish(Command& cmd);
  void publish_once_admitted(Command& cmd, const audit::Event& who);
  void publish_admitted(Command& cmd, const config::NamespaceOptions& ns);
  void handle_presence(Command& cmd, bool stats);
  // Deadlines (client_session.cpp).
  void check_deadlines(SteadyClock::time_point now, std::int64_t unix_now);
  SteadyClock::time_point next_deadline(SteadyClock::time_point now, std::int64_t unix_now) const;
  void reschedule();  // at the current time
  void reschedule(SteadyClock::time_point now, std::int64_t unix_now);
  void handle_history(Command& cmd);
  std::uint32_t check_read_access(std::string_view channel,
                                  const config::NamespaceOptions*& ns) const;

  Services& services_;
  Shard& shard_;
  transport::Connection& connection_;
  const protocol::Codec& codec_;
  State state_ = State::connecting;
  std::array<char, 36> client_id_{};  // a UUID: inline, no allocation per connection
  auth::Identity identity_;
  std::optional<std::int64_t> expire_at_;    // unix seconds
  std::vector<std::string> token_channels_;  // sorted `channels` claim, compared on refresh
  std::unordered_map<std::string, std::unique_ptr<Subscription>> subs_;
  std::size_t expiring_subs_ = 0;
  bool registered_ = false;          // listed in shard_.users
  bool closing_ = false;             // close or abort asked of the connection
  bool counted_connection_ = false;  // counted in the tenant's connection quota
  bool rate_limited_ = false;        // the current episode of 111s is already in the audit log
  // uni_websocket, uni_sse, uni_http_stream: one connect request, no other command, the connect
  // result as a push, errors as disconnects, pings without pongs.
  transport::TransportKind transport_;
  bool uni_ = false;
  bool uni_connect_taken_ = false;
  std::string emulation_session_;  // http_stream / sse: goes into the connect result

  // Allocates nothing until a command waits (a std::deque would allocate ~600 bytes at once).
  using Backlog = boost::container::devector<Command>;
  Backlog backlog_;
  bool busy_ = false;
  bool draining_ = false;

  SteadyClock::time_point created_at_;
  limits::TokenBucket commands_;  // client.command_rate_per_second
  SteadyClock::time_point next_ping_{};
  SteadyClock::time_point pong_deadline_{};
  bool awaiting_pong_ = false;
  SteadyClock::time_point next_presence_refresh_{};
  // Metrics of the command being handled, and the connection's tenant cells.
  SteadyClock::time_point command_started_{};
  FrameType command_method_ = FrameType::untagged;
  std::uint16_t command_ns_ = 0;
  std::uint32_t tenant_cells_ = metrics::Tenants::kNone;
};

// Engine callbacks may come back on another thread, after the session is gone. Everything
// they need to get home is captured here, on the session's own thread, so the callback never
// touches the session until the connection's lifetime token proves it still exists.
struct ClientSession::Home {
  boost::asio::any_io_executor executor;
  std::weak_ptr<void> life;
  ClientSession* session;

  template <typename Fn>
  void run(Fn&& fn) const {
    run_or(std::forward<Fn>(fn), [] {});
  }
  // `gone` instead of `fn` when the session closed meanwhile (it must not touch the session):
  // what the callback brought, such as a counted connection, is given back there.
  template <typename Fn, typename Gone>
  void run_or(Fn&& fn, Gone&& gone) const {
    boost::asio::dispatch(executor, [life = life, session = session, fn = std::forward<Fn>(fn),
                                     gone = std::forward<Gone>(gone)]() mutable {
      if (life.expired() || session->state_ == State::closed) return gone();
      fn();
    });
  }
};

inline ClientSession::Home ClientSession::home() {
  return Home{connection_.executor(), connection_.lifetime(), this};
}

}  // namespace neo::session
