// Server API methods that act on live connections: subscribe, unsubscribe, disconnect,
// refresh. Each runs on every I/O thread against that thread's sessions of the user.
#include <memory>

#include "api/server_api.h"
#include "core/clock.h"
#include "core/json_read.h"
#include "protocol/codes.h"
#include "session/client_session.h"
#include "session/shards.h"

namespace neo::api {

namespace dom = simdjson::dom;
namespace code = protocol::error_code;
using json::read_string;

namespace {

struct Target {
  std::string user;
  std::string client;
};

bool read_target(dom::object obj, Target& target) {
  return read_string(obj, "user", target.user) && read_string(obj, "client", target.client);
}

// Calls `act` for every session of the target on every thread, then answers {}.
template <typename Act>
Action for_target_sessions(session::Services& services, Target target, Act act) {
  return [&services, target = std::move(target), act](Done done) {
    session::gather_from_shards<int>(
        services.shards,
        [target, act](session::Shard& shard) {
          auto it = shard.users.find(target.user);
          if (it == shard.users.end()) return 0;
          auto sessions = it->second;  // acting may end sessions and edit the list
          for (session::ClientSession* s : sessions) {
            if (target.client.empty() || s->client_id() == target.client) act(*s);
          }
          return 0;
        },
        [done](std::vector<int>) { done(std::string("{}")); });
  };
}

}  // namespace

// subscribe / unsubscribe: a user (optionally one client) and a channel the caller may use.
template <typename Act>
Result<Action> ServerApi::channel_target_action(const Caller& caller, dom::object obj, Act act) {
  Target target;
  std::string channel;
  if (!read_target(obj, target) || !read_string(obj, "channel", channel))
    return api_error(code::bad_request);
  auto ns = channel_namespace(caller, channel);
  if (!ns.ok()) return ns.error();
  return for_target_sessions(services_, std::move(target),
                             [channel, act](session::ClientSession& s) { act(s, channel); });
}

Result<Action> ServerApi::subscribe(const Caller& caller, dom::object obj) {
  return channel_target_action(caller, obj, [](session::ClientSession& s, const std::string& ch) {
    s.server_subscribe(ch);
  });
}

Result<Action> ServerApi::unsubscribe(const Caller& caller, dom::object obj) {
  return channel_target_action(caller, obj, [](session::ClientSession& s, const std::string& ch) {
    s.server_unsubscribe(ch);
  });
}

Result<Action> ServerApi::disconnect(const Caller& caller, dom::object obj) {
  if (!caller.master) return api_error(code::permission_denied);
  Target target;
  if (!read_target(obj, target)) return api_error(code::bad_request);
  std::vector<std::string> whitelist;
  dom::array list;
  if (!obj["whitelist"].get(list)) {
    for (dom::element item : list) {
      std::string_view id;
      if (item.get(id)) return api_error(code::bad_request);
      whitelist.emplace_back(id);
    }
  }
  auto reason = std::make_shared<std::string>(protocol::disconnect::force_disconnect.reason);
  std::uint64_t code_value = protocol::disconnect::force_disconnect.code;
  dom::object custom;
  bool present = false;
  if (!json::read_object(obj, "disconnect", custom, present)) return api_error(code::bad_request);
  if (present) {
    if (!json::read_u64(custom, "code", code_value) || !read_string(custom, "reason", *reason))
      return api_error(code::bad_request);
    if (code_value < 3000 || code_value > 4999 || reason->size() > 123)
      return api_error(code::bad_request);
  }
  auto code16 = static_cast<std::uint16_t>(code_value);
  return for_target_sessions(services_, std::move(target),
                             [whitelist, reason, code16](session::ClientSession& s) {
                               for (const auto& id : whitelist)
                                 if (id == s.client_id()) return;
                               s.disconnect(protocol::Disconnect{code16, *reason});
                             });
}

Result<Action> ServerApi::refresh(const Caller& caller, dom::object obj) {
  if (!caller.master) return api_error(code::permission_denied);
  Target target;
  bool expired = false;
  std::int64_t expire_at = -1;
  std::string info;
  if (!read_target(obj, target) || !json::read_bool(obj, "expired", expired) ||
      !json::read_i64(obj, "expire_at", expire_at) || !json::read_raw(obj, "info", info))
    return api_error(code::bad_request);
  std::optional<std::int64_t> new_expiry;  // 0: no expiry any more; as a token's, at most a year
  if (expire_at >= 0) new_expiry = capped_expiry(expire_at, unix_seconds());
  return for_target_sessions(services_, std::move(target),
                             [expired, new_expiry, info](session::ClientSession& s) {
                               s.server_refresh(expired, new_expiry, info);
                             });
}

}  // namespace neo::api
