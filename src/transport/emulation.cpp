#include "transport/emulation.h"

#include <simdjson.h>

#include <boost/asio/post.hpp>

#include "core/ids.h"
#include "core/json_read.h"

namespace neo::transport {

namespace {

// Reads a base-128 varint of at most 10 bytes; false when truncated or too long.
bool read_varint(std::string_view& in, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    value |= std::uint64_t{byte & 0x7Fu} << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

// The three string fields of EmulationRequest, by hand: the transport does not link the
// protocol's generated code for one flat message (the fuzz target fuzz_stream_connect covers
// this parser). Unknown fields are skipped as protobuf requires (groups, proto2 only, are not).
std::optional<EmulationRequest> parse_protobuf_emulation_request(std::string_view in) {
  EmulationRequest request;
  while (!in.empty()) {
    std::uint64_t key = 0, size = 0;
    if (!read_varint(in, key)) return std::nullopt;
    std::uint64_t field = key >> 3, wire_type = key & 7;
    if (wire_type == 0) {
      if (!read_varint(in, size)) return std::nullopt;
      continue;
    }
    if (wire_type == 1 || wire_type == 5) {  // fixed64, fixed32
      std::size_t width = wire_type == 1 ? 8 : 4;
      if (in.size() < width) return std::nullopt;
      in.remove_prefix(width);
      continue;
    }
    // Groups (3, 4) are proto2 only: refused.
    if (wire_type != 2 || !read_varint(in, size) || size > in.size()) return std::nullopt;
    std::string_view bytes = in.substr(0, size);
    in.remove_prefix(size);
    if (field == 1) request.node = bytes;
    if (field == 2) request.session = bytes;
    if (field == 3) request.data = bytes;
  }
  if (request.session.empty() || request.data.empty()) return std::nullopt;
  return request;
}

}  // namespace

std::optional<EmulationRequest> parse_emulation_request(std::string_view body, WireFormat format) {
  if (format == WireFormat::protobuf) return parse_protobuf_emulation_request(body);
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
