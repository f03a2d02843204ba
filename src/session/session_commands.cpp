// Publish, presence and history commands of ClientSession.
#include "protocol/encoder.h"
#include "session/client_session.h"

namespace neo::session {

namespace code = protocol::error_code;

void ClientSession::handle_publish(Command& cmd) {
  auto decision = services_.policy().check(identity_, cmd.channel, auth::Action::publish);
  std::uint32_t error = error_code_for(decision);
  if (!error && (cmd.data.empty() || cmd.data == "null")) error = code::bad_request;
  const config::NamespaceOptions* ns = namespace_for(services_.config(), cmd.channel);
  if (!error && !ns) error = code::unknown_channel;
  if (error) {
    audit("publish", cmd.channel, protocol::make_error(error).message, error);
    count_denial(cmd.channel, decision);
  } else {
    const audit::Event who{
        "publish", identity_.user, identity_.tenant, cmd.channel, "", connection_.remote_address(),
        0};
    if (auto invalid = services_.check_event(*ns, cmd.channel, cmd.data, who)) {
      count_reply_error(invalid->code);
      push(codec_.error_reply(cmd.id, *invalid));
      return finish_command();
    }
    auto admitted = services_.admit_publication(cmd.channel, who);
    if (!admitted) return publish_once_admitted(cmd, who);
    error = *admitted;
  }
  if (error) {
    reply_error(cmd.id, error);
    return finish_command();
  }
  publish_admitted(cmd, *ns);
}

// The tenant's publish budget is shared across the cluster and answers later, on another
// thread; the command waits for it (a session handles one command at a time).
void ClientSession::publish_once_admitted(Command& cmd, const audit::Event& who) {
  std::string channel = cmd.channel;  // `cmd` moves into the callback; `who` is read without it
  auto then = [home = home(), this, cmd = std::move(cmd)](std::uint32_t error) mutable {
    home.run([this, error, cmd = std::move(cmd)]() mutable {
      const config::NamespaceOptions* ns = namespace_for(services_.config(), cmd.channel);
      if (!error && !ns) error = code::unknown_channel;  // a reload removed it meanwhile
      if (!error) return publish_admitted(cmd, *ns);
      reply_error(cmd.id, error);
      finish_command();
    });
  };
  services_.admit_publication_later(channel, who, std::move(then));
}

void ClientSession::publish_admitted(Command& cmd, const config::NamespaceOptions& ns) {
  auto sub = subs_.find(cmd.channel);
  Publication pub;
  pub.data = std::move(cmd.data);
  pub.info = client_info(sub == subs_.end() ? nullptr : sub->second.get());
  services_.engine.publish(cmd.channel, std::move(pub), history_options(ns),
                           [home = home(), this, id = cmd.id, channel = cmd.channel,
                            &services = services_](Result<StreamPosition> r) {
                             if (r.ok()) services.published(channel);
                             home.run([this, id, ok = r.ok()] {
                               if (ok)
                                 push(codec_.empty_reply(id, protocol::Method::publish));
                               else
                                 reply_error(id, code::internal);
                               finish_command();
                             });
                           });
}

// Presence and history are for subscribers of the channel and for whoever may subscribe to it.
std::uint32_t ClientSession::check_read_access(std::string_view channel,
                                               const config::NamespaceOptions*& ns) const {
  if (!subs_.count(std::string(channel))) {
    auto decision = services_.policy().check(identity_, channel, auth::Action::subscribe);
    if (decision != auth::Decision::allow) {
      count_denial(channel, decision);
      return error_code_for(decision);
    }
  }
  ns = namespace_for(services_.config(), channel);
  return ns ? 0 : code::unknown_channel;
}

void ClientSession::handle_presence(Command& cmd, bool stats) {
  const config::NamespaceOptions* ns = nullptr;
  std::uint32_t error = check_read_access(cmd.channel, ns);
  if (!error && !ns->presence) error = code::not_available;
  if (error) {
    reply_error(cmd.id, error);
    return finish_command();
  }
  // The reply is encoded on the engine's thread, with this session's codec (immutable, shared).
  auto answer = [home = home(), this](std::uint32_t failure, std::uint32_t id, std::string reply) {
    home.run([this, id, failure, reply = std::move(reply)]() mutable {
      if (failure)
        reply_error(id, failure);
      else
        push(std::move(reply));
      finish_command();
    });
  };
  const protocol::Codec& codec = codec_;
  if (stats) {
    services_.engine.presence_stats(cmd.channel,
                                    [answer, &codec, id = cmd.id](Result<PresenceStats> r) {
                                      if (!r.ok()) return answer(code::internal, id, {});
                                      answer(0, id, codec.presence_stats_reply(id, r.value()));
                                    });
    return;
  }
  services_.engine.presence(cmd.channel,
                            [answer, &codec, id = cmd.id](Result<std::vector<ClientInfo>> r) {
                              if (!r.ok()) return answer(code::internal, id, {});
                              answer(0, id, codec.presence_reply(id, r.value()));
                            });
}

void ClientSession::handle_history(Command& cmd) {
  const config::NamespaceOptions* ns = nullptr;
  std::uint32_t error = check_read_access(cmd.channel, ns);
  if (!error && !ns->history_enabled()) error = code::not_available;
  if (!error && cmd.has_since && cmd.reverse && cmd.since.offset == 0) error = code::bad_request;
  if (error) {
    reply_error(cmd.id, error);
    return finish_command();
  }
  const std::int64_t max_limit = services_.config().client.history_max_publication_limit;
  engine::HistoryQuery query;
  query.limit = (cmd.limit < 0 || cmd.limit > max_limit) ? max_limit : cmd.limit;
  query.reverse = cmd.reverse;
  if (cmd.has_since) query.since = cmd.since;
  services_.engine.history(
      cmd.channel, query, history_options(*ns),
      [home = home(), this, &codec = codec_, id = cmd.id](Result<HistoryResult> r) {
        std::uint32_t failure = r.ok() ? 0 : r.error().code;
        std::string reply = r.ok() ? codec.history_reply(id, r.value()) : std::string();
        home.run([this, id, failure, reply = std::move(reply)]() mutable {
          if (failure)
            reply_error(id, failure == 112 ? failure : code::internal);
          else
            push(std::move(reply));
          finish_command();
        });
      });
}

}  // namespace neo::session
