#include "transport/emulation.h"

#include <simdjson.h>

#include <boost/asio/post.hpp>

#include "core/ids.h"
#include "core/json_read.h"

namespace neo::transport {

std::optional<EmulationRequest> parse_emulation_request(std::string_view body) {
  simdjson::dom::element doc;
  if (json::thread_parser().parse(body.data(), body.size(), true).get(doc)) return std::nullopt;
  simdjson::dom::object obj;
  if (doc.get(obj)) return std::nullopt;
  EmulationRequest request;
  if (!json::read_string(obj, "session", request.session) ||
      !json::read_string(obj, "node", request.node) ||
      !json::read_string(obj, "data", request.data))
    return std::nullopt;
  if (request.session.empty() || request.data.empty()) return std::nullopt;
  return request;
}

std::string EmulationRegistry::add(boost::asio::any_io_executor executor,
                                   std::weak_ptr<EmulatedConnection> target) {
  std::string session = random_uuid();
  std::lock_guard lock(mutex_);
  sessions_.emplace(session, Entry{std::move(executor), std::move(target)});
  return session;
}

void EmulationRegistry::remove(const std::string& session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

std::size_t EmulationRegistry::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

auto EmulationRegistry::route(EmulationRequest request) -> Route {
  if (request.node != node_id_) return Route::other_node;
  Entry entry;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(request.session);
    if (it == sessions_.end()) return Route::gone;
    entry = it->second;
  }
  boost::asio::post(entry.executor,
                    [target = std::move(entry.target), data = std::move(request.data)] {
                      if (auto connection = target.lock()) connection->take_commands(data);
                    });
  return Route::delivered;
}

}  // namespace neo::transport
