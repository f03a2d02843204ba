// ServerApi: Centrifugo's server API methods (publish, broadcast, subscribe, unsubscribe,
// disconnect, refresh, presence, presence_stats, history, history_remove, channels, info,
// batch). A call is prepared synchronously from the parsed request (all validation happens
// there) and then run; running may finish on another thread.
#pragma once

#include <simdjson.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "api/caller.h"
#include "core/json_writer.h"
#include "core/result.h"
#include "session/services.h"

namespace neo::api {

// A JSON result body ("{...}") or an API error.
using Done = std::function<void(Result<std::string>)>;

// The API error for a code, with the server API's wording.
Error api_error(std::uint32_t code);

// One reply object's members: `"<result_key>":{...}` on success, `"error":{...}` otherwise
// (the shape of /api results, broadcast responses, batch and pipeline replies).
void write_outcome(JsonWriter& w, std::string_view result_key, const Result<std::string>& r);
using Action = std::function<void(Done)>;

class ServerApi {
 public:
  explicit ServerApi(session::Services& services);

  // Validates `params` for `method` and returns what to run, or the error to answer.
  // Unknown method: error 104.
  Result<Action> prepare(const Caller& caller, std::string_view method,
                         simdjson::dom::element params);
  // Prepare and run in one go.
  void call(const Caller& caller, std::string_view method, simdjson::dom::element params,
            Done done);

 private:
  Result<Action> prepare_method(const Caller& caller, std::string_view method,
                                simdjson::dom::element params);
  Result<Action> everywhere(const Caller& caller, std::string_view method,
                            simdjson::dom::object params, Result<Action> local);
  bool data_acceptable(const std::string& data) const;
  // The publication's rates, then `publish` (see server_api.cpp).
  Result<Action> admitted(const Caller& caller, std::string_view channel, Action publish) const;
  // With the namespace's validate_events: error 107 unless `data` is a catalogue event.
  std::optional<Error> check_event(const Caller& caller, const config::NamespaceOptions& ns,
                                   std::string_view channel, const std::string& data) const;
  Result<Action> publish(const Caller& caller, simdjson::dom::object params);
  Result<Action> broadcast(const Caller& caller, simdjson::dom::object params);
  void publish_to(std::string_view channel, Publication pub, const engine::HistoryOptions& history,
                  std::string_view idempotency_key, Done done);
  template <typename Act>
  Result<Action> channel_target_action(const Caller& caller, simdjson::dom::object params, Act act);
  Result<Action> subscribe(const Caller& caller, simdjson::dom::object params);
  Result<Action> unsubscribe(const Caller& caller, simdjson::dom::object params);
  Result<Action> disconnect(const Caller& caller, simdjson::dom::object params);
  Result<Action> refresh(const Caller& caller, simdjson::dom::object params);
  Result<Action> presence(const Caller& caller, simdjson::dom::object params, bool stats);
  Result<Action> history(const Caller& caller, simdjson::dom::object params);
  Result<Action> history_remove(const Caller& caller, simdjson::dom::object params);
  Result<Action> channels(const Caller& caller, simdjson::dom::object params);
  Result<Action> info(const Caller& caller);
  Result<Action> batch(const Caller& caller, simdjson::dom::object params);

  // Channel checks shared by every channel method: name, namespace, tenant-key scope.
  Result<const config::NamespaceOptions*> channel_namespace(const Caller& caller,
                                                            std::string_view channel) const;

  session::Services& services_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace neo::api
