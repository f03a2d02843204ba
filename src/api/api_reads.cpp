// Server API methods that read state: presence, presence_stats, history, history_remove,
// channels, info; and batch.
#include <map>
#include <set>

#include "api/local_node.h"
#include "api/run_all.h"
#include "api/server_api.h"
#include "auth/policy.h"
#include "core/json_read.h"
#include "core/json_writer.h"
#include "protocol/codes.h"
#include "protocol/encoder.h"
#include "session/client_session.h"
#include "session/shards.h"

namespace neo::api {

namespace dom = simdjson::dom;
namespace code = protocol::error_code;
using json::read_string;

namespace {

template <typename T, typename Write>
std::function<void(Result<T>)> encode_with(Done done, Write write) {
  return [done = std::move(done), write](Result<T> r) {
    if (!r.ok()) return done(api_error(r.error().code == 112 ? 112 : code::internal));
    std::string body;
    JsonWriter w(body);
    write(w, r.value());
    done(std::move(body));
  };
}

}  // namespace

Result<Action> ServerApi::presence(const Caller& caller, dom::object obj, bool stats) {
  std::string channel;
  if (!read_string(obj, "channel", channel)) return api_error(code::bad_request);
  auto ns = channel_namespace(caller, channel);
  if (!ns.ok()) return ns.error();
  if (!ns.value()->presence) return api_error(code::not_available);
  return Action([this, channel, stats](Done done) {
    if (stats) {
      return services_.engine.presence_stats(
          channel, encode_with<PresenceStats>(std::move(done), protocol::write_presence_stats));
    }
    services_.engine.presence(
        channel, encode_with<std::vector<ClientInfo>>(std::move(done), protocol::write_presence));
  });
}

Result<Action> ServerApi::history(const Caller& caller, dom::object obj) {
  std::string channel;
  engine::HistoryQuery query;
  dom::object since;
  bool has_since = false;
  if (!read_string(obj, "channel", channel) || !json::read_i64(obj, "limit", query.limit) ||
      !json::read_bool(obj, "reverse", query.reverse) ||
      !json::read_object(obj, "since", since, has_since))
    return api_error(code::bad_request);
  if (has_since) {
    StreamPosition position;
    if (!json::read_u64(since, "offset", position.offset) ||
        !read_string(since, "epoch", position.epoch))
      return api_error(code::bad_request);
    if (query.reverse && position.offset == 0) return api_error(code::bad_request);
    query.since = position;
  }
  auto ns = channel_namespace(caller, channel);
  if (!ns.ok()) return ns.error();
  if (!ns.value()->history_enabled()) return api_error(code::not_available);
  auto options = session::history_options(*ns.value());
  return Action([this, channel, query, options](Done done) {
    services_.engine.history(channel, query, options,
                             encode_with<HistoryResult>(std::move(done), protocol::write_history));
  });
}

Result<Action> ServerApi::history_remove(const Caller& caller, dom::object obj) {
  std::string channel;
  if (!read_string(obj, "channel", channel)) return api_error(code::bad_request);
  auto ns = channel_namespace(caller, channel);
  if (!ns.ok()) return ns.error();
  if (!ns.value()->history_enabled()) return api_error(code::not_available);
  return Action([this, channel](Done done) {
    services_.engine.remove_history(channel, [done = std::move(done)](Result<Unit> r) {
      if (!r.ok()) return done(api_error(code::internal));
      done(std::string("{}"));
    });
  });
}

namespace {

std::string channels_body(const ChannelCounts& total) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("channels").begin_object();
  for (const auto& [name, n] : total) {
    w.key(name).begin_object();
    if (n) w.field_u64("num_clients", n);
    w.end_object();
  }
  w.end_object().end_object();
  return body;
}

void write_node(JsonWriter& w, const cluster::NodeInfo& n) {
  cluster::write_node_fields(w.begin_object(), n);
  w.end_object();
}

}  // namespace

// This node's channels plus, in a cluster, every other live node's (a survey).
Result<Action> ServerApi::channels(const Caller& caller, dom::object obj) {
  if (!caller.master) return api_error(code::permission_denied);
  std::string pattern;
  if (!read_string(obj, "pattern", pattern)) return api_error(code::bad_request);
  bool ask_others = services_.cluster && !caller.relayed;
  return Action([this, pattern, ask_others, params = simdjson::minify(obj)](Done done) {
    local_channel_counts(services_, pattern, [this, ask_others, params, done](ChannelCounts own) {
      if (!ask_others) return done(channels_body(own));
      services_.cluster->survey(
          "channels", params,
          [own = std::move(own), done](std::vector<std::string> replies) mutable {
            for (const auto& reply : replies)
              if (!add_channel_counts(reply, own)) return done(api_error(code::internal));
            done(channels_body(own));
          });
    });
  });
}

// This node first, then every other live node of the cluster as last announced.
Result<Action> ServerApi::info(const Caller& caller) {
  if (!caller.master) return api_error(code::permission_denied);
  return Action([this](Done done) {
    describe_node(services_, started_, [this, done](cluster::NodeInfo self) {
      std::string body;
      JsonWriter w(body);
      w.begin_object().key("nodes").begin_array();
      write_node(w, self);
      if (services_.cluster)
        for (const auto& other : services_.cluster->other_nodes()) write_node(w, other);
      w.end_array().end_object();
      done(std::move(body));
    });
  });
}

Result<Action> ServerApi::batch(const Caller& caller, dom::object obj) {
  dom::array commands;
  if (obj["commands"].get(commands)) return api_error(code::bad_request);
  std::vector<std::string> methods;
  std::vector<Action> actions;
  for (dom::element item : commands) {
    dom::object command;
    if (item.is_null() || item.get(command)) {
      methods.emplace_back();
      actions.push_back([](Done done) { done(api_error(code::bad_request)); });
      continue;
    }
    auto field = command.begin();
    std::string_view method = field == command.end() ? std::string_view() : field.key();
    auto prepared = command.size() == 1 && method != "batch"
                        ? prepare(caller, method, field.value())
                        : Result<Action>(api_error(code::method_not_found));
    methods.emplace_back(method);
    if (prepared.ok())
      actions.push_back(std::move(prepared.value()));
    else
      actions.push_back([error = prepared.error()](Done done) { done(error); });
  }
  return Action([actions = std::move(actions), methods = std::move(methods)](Done done) mutable {
    run_all(std::move(actions),
            [done = std::move(done), methods](std::vector<Result<std::string>> rs) {
              std::string body;
              JsonWriter w(body);
              w.begin_object().key("replies").begin_array();
              for (std::size_t i = 0; i < rs.size(); ++i) {
                w.begin_object();
                write_outcome(w, methods[i], rs[i]);
                w.end_object();
              }
              w.end_array().end_object();
              done(std::move(body));
            });
  });
}

}  // namespace neo::api
