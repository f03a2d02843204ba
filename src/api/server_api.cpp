#include "api/server_api.h"

#include <atomic>
#include <unordered_set>

#include "api/run_all.h"
#include "cluster/cluster.h"
#include "core/json_read.h"
#include "core/json_writer.h"
#include "protocol/codes.h"
#include "protocol/encoder.h"

namespace neo::api {

namespace dom = simdjson::dom;
namespace code = protocol::error_code;
using json::read_bool;
using json::read_raw;
using json::read_string;

namespace {

std::string encode_position(const StreamPosition& position) {
  if (position.epoch.empty()) return "{}";
  std::string body;
  JsonWriter w(body);
  w.begin_object().field_u64("offset", position.offset).field("epoch", position.epoch).end_object();
  return body;
}

}  // namespace

Error api_error(std::uint32_t code) { return protocol::make_api_error(code); }

void write_outcome(JsonWriter& w, std::string_view result_key, const Result<std::string>& r) {
  if (r.ok()) {
    w.field_raw(result_key, r.value());
  } else {
    protocol::write_error(w.key("error"), r.error(), false);
  }
}

ServerApi::ServerApi(session::Services& services) : services_(services) {}

void ServerApi::call(const Caller& caller, std::string_view method, dom::element params,
                     Done done) {
  auto action = prepare(caller, method, params);
  if (!action.ok()) return done(action.error());
  action.value()(std::move(done));
}

namespace {

// The channel(s) a request names, for the audit log.
std::string channels_named(dom::object obj) {
  std::string_view channel;
  if (!obj["channel"].get(channel)) return std::string(channel);
  dom::array list;
  std::string joined;
  if (obj["channels"].get(list)) return joined;
  for (dom::element item : list) {
    std::string_view name;
    if (item.get(name)) continue;
    if (!joined.empty()) joined += ',';
    joined += name;
  }
  return joined;
}

}  // namespace

// Every call made with a tenant key goes to the audit log, allowed or not.
Result<Action> ServerApi::prepare(const Caller& caller, std::string_view method,
                                  dom::element params) {
  Result<Action> prepared = prepare_method(caller, method, params);
  if (!caller.master) {
    dom::object obj;
    std::string channel = params.get(obj) ? std::string() : channels_named(obj);
    std::string action = "api:" + std::string(method);
    std::uint32_t error = prepared.ok() ? 0 : prepared.error().code;
    services_.record(audit::Event{action, "", caller.tenant, channel,
                                  prepared.ok() ? "allowed" : prepared.error().message,
                                  caller.remote, error});
  }
  return prepared;
}

Result<Action> ServerApi::prepare_method(const Caller& caller, std::string_view method,
                                         dom::element params) {
  dom::object obj;
  if (params.get(obj)) return api_error(code::bad_request);
  if (method == "publish") return publish(caller, obj);
  if (method == "broadcast") return broadcast(caller, obj);
  if (method == "subscribe") return everywhere(caller, method, obj, subscribe(caller, obj));
  if (method == "unsubscribe") return everywhere(caller, method, obj, unsubscribe(caller, obj));
  if (method == "disconnect") return everywhere(caller, method, obj, disconnect(caller, obj));
  if (method == "refresh") return everywhere(caller, method, obj, refresh(caller, obj));
  if (method == "presence") return presence(caller, obj, false);
  if (method == "presence_stats") return presence(caller, obj, true);
  if (method == "history") return history(caller, obj);
  if (method == "history_remove") return history_remove(caller, obj);
  if (method == "channels") return channels(caller, obj);
  if (method == "info") return info(caller);
  if (method == "batch") return batch(caller, obj);
  return api_error(code::method_not_found);
}

// Commands on connections reach every node: this one runs them, the others receive them over
// the cluster's control plane. The reply waits until the broker took the command.
Result<Action> ServerApi::everywhere(const Caller& caller, std::string_view method,
                                     dom::object params, Result<Action> local) {
  if (!local.ok() || !services_.cluster || caller.relayed) return local;
  return Action([cluster = services_.cluster, here = std::move(local.value()),
                 method = std::string(method), params = simdjson::minify(params)](Done done) {
    here([cluster, method, params, done](Result<std::string> r) {
      if (!r.ok()) return done(std::move(r));
      cluster->broadcast_command(method, params, [done, body = r.value()](Result<Unit> sent) {
        if (!sent.ok()) return done(api_error(code::internal));
        done(body);
      });
    });
  });
}

// Publication data must be present and at most client.max_message_bytes (as client frames).
bool ServerApi::data_acceptable(const std::string& data) const {
  return !data.empty() && data.size() <= services_.config().client.max_message_bytes;
}

// Per-tenant and per-channel publication rates: 0, or 111 (written to the audit log).
namespace {
audit::Event publish_audit(const Caller& caller, std::string_view channel) {
  return audit::Event{"publish", "", caller.tenant, channel, "", caller.remote, 0};
}
}  // namespace

// A refusal known at once is the request's error. A tenant budget shared across the cluster
// that must be asked first makes the action wait for it (its refusal is then the action's
// result, after the api: call was audited as allowed).
Result<Action> ServerApi::admitted(const Caller& caller, std::string_view channel,
                                   Action publish) const {
  auto at_once = services_.admit_publication(channel, publish_audit(caller, channel));
  if (at_once && *at_once) return api_error(*at_once);
  if (at_once) return publish;
  return Action([&services = services_, channel = std::string(channel), tenant = caller.tenant,
                 remote = caller.remote, publish = std::move(publish)](Done done) mutable {
    services.admit_publication_later(
        channel, audit::Event{"publish", "", tenant, channel, "", remote, 0},
        [publish = std::move(publish), done = std::move(done)](std::uint32_t error) mutable {
          if (error) return done(api_error(error));
          publish(std::move(done));
        });
  });
}

std::optional<Error> ServerApi::check_event(const Caller& caller,
                                            const config::NamespaceOptions& ns,
                                            std::string_view channel,
                                            const std::string& data) const {
  return services_.check_event(ns, channel, data, publish_audit(caller, channel));
}

Result<const config::NamespaceOptions*> ServerApi::channel_namespace(
    const Caller& caller, std::string_view channel) const {
  if (channel.empty()) return api_error(code::bad_request);
  std::uint32_t error = session::error_code_for(services_.policy().check_channel(channel));
  if (error) return api_error(error);
  if (!caller.may_use(channel)) return api_error(code::permission_denied);
  const auto* ns = session::namespace_for(services_.config(), channel);
  if (!ns) return api_error(code::unknown_channel);
  return ns;
}

namespace {

// Keeps the memory engine's remembered keys and the Redis key names bounded (README).
constexpr std::size_t kMaxIdempotencyKeyBytes = 256;

struct PublishParams {
  std::string data;
  bool skip_history = false;
  std::map<std::string, std::string> tags;
  std::string idempotency_key;  // empty = none
  bool delta = false;
};

bool read_publish_params(dom::object obj, PublishParams& out) {
  if (!read_raw(obj, "data", out.data) || !read_bool(obj, "skip_history", out.skip_history) ||
      !read_bool(obj, "delta", out.delta))
    return false;
  if (!read_string(obj, "idempotency_key", out.idempotency_key) ||
      out.idempotency_key.size() > kMaxIdempotencyKeyBytes)
    return false;
  dom::object tags;
  bool present = false;
  if (!json::read_object(obj, "tags", tags, present)) return false;
  if (!present) return true;
  for (auto [key, value] : tags) {
    std::string_view text;
    if (value.get(text)) return false;
    out.tags.emplace(std::string(key), std::string(text));
  }
  return true;
}

}  // namespace

Result<Action> ServerApi::publish(const Caller& caller, dom::object obj) {
  std::string channel;
  PublishParams params;
  if (!read_string(obj, "channel", channel) || !read_publish_params(obj, params))
    return api_error(code::bad_request);
  auto ns = channel_namespace(caller, channel);
  if (!ns.ok()) return ns.error();
  if (!data_acceptable(params.data)) return api_error(code::bad_request);
  if (auto invalid = check_event(caller, *ns.value(), channel, params.data)) return *invalid;
  engine::HistoryOptions history =
      params.skip_history ? engine::HistoryOptions{} : session::history_options(*ns.value());
  return admitted(
      caller, channel, [this, channel, params = std::move(params), history](Done done) mutable {
        Publication pub;
        pub.data = std::move(params.data);
        pub.tags = std::move(params.tags);
        pub.delta = params.delta;
        publish_to(channel, std::move(pub), history, params.idempotency_key, std::move(done));
      });
}

// The same idempotency key on the same channel within api.idempotency_ttl answers the first
// position again and publishes nothing.
void ServerApi::publish_to(std::string_view channel, Publication pub,
                           const engine::HistoryOptions& history, std::string_view idempotency_key,
                           Done done) {
  engine::Idempotency idempotency{idempotency_key, services_.config().api.idempotency_ttl};
  services_.engine.publish(channel, std::move(pub), history, idempotency,
                           [&services = services_, channel = std::string(channel),
                            done = std::move(done)](Result<StreamPosition> r) {
                             if (!r.ok()) return done(api_error(code::internal));
                             services.published(channel);
                             done(encode_position(r.value()));
                           });
}

Result<Action> ServerApi::broadcast(const Caller& caller, dom::object obj) {
  dom::array list;
  if (obj["channels"].get(list)) return api_error(code::bad_request);
  PublishParams params;
  if (!read_publish_params(obj, params)) return api_error(code::bad_request);
  if (list.size() == 0 || !data_acceptable(params.data)) return api_error(code::bad_request);
  std::vector<Action> actions;
  for (dom::element item : list) {
    std::string_view channel;
    if (item.get(channel)) return api_error(code::bad_request);
    auto ns = channel_namespace(caller, channel);
    if (ns.ok())
      if (auto invalid = check_event(caller, *ns.value(), channel, params.data)) ns = *invalid;
    if (!ns.ok()) {
      actions.push_back([error = ns.error()](Done done) { done(error); });
      continue;
    }
    engine::HistoryOptions history =
        params.skip_history ? engine::HistoryOptions{} : session::history_options(*ns.value());
    auto action = admitted(
        caller, channel, [this, channel = std::string(channel), params, history](Done done) {
          Publication pub{params.data, std::nullopt, params.tags, 0, params.delta};
          publish_to(channel, std::move(pub), history, params.idempotency_key, std::move(done));
        });
    if (!action.ok()) action = Action([error = action.error()](Done done) { done(error); });
    actions.push_back(std::move(action.value()));
  }
  return Action([actions = std::move(actions)](Done done) mutable {
    run_all(std::move(actions), [done = std::move(done)](std::vector<Result<std::string>> rs) {
      std::string body;
      JsonWriter w(body);
      w.begin_object().key("responses").begin_array();
      for (const auto& r : rs) {
        w.begin_object();
        write_outcome(w, "result", r);
        w.end_object();
      }
      w.end_array().end_object();
      done(std::move(body));
    });
  });
}

}  // namespace neo::api
