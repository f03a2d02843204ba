// Domain types shared by the engine, the protocol encoders and the sessions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace neo {

// Who published or joined. conn_info/chan_info are raw JSON ("" when absent).
struct ClientInfo {
  std::string user;
  std::string client;
  std::string conn_info;
  std::string chan_info;
};

// A stream position: offset counts up by one per publication inside an epoch.
struct StreamPosition {
  std::uint64_t offset = 0;
  std::string epoch;
  bool operator==(const StreamPosition&) const = default;
};

struct Publication {
  std::string data;                // raw compact JSON
  std::optional<ClientInfo> info;  // set only for client publications
  std::map<std::string, std::string> tags;
  std::uint64_t offset = 0;  // 0 = channel keeps no history
  // The publisher asked for delta compression (server API `delta`); delta subscribers then get
  // a fossil patch against the previous publication.
  bool delta = false;
  // Unix milliseconds at which the publishing node accepted it (0: unknown). The Redis engine
  // carries it between nodes so a receiving node can measure its pub/sub lag.
  std::int64_t time_ms = 0;
};

struct HistoryResult {
  std::vector<Publication> publications;
  StreamPosition position;  // the current top of the stream
};

struct PresenceStats {
  std::uint32_t num_clients = 0;
  std::uint32_t num_users = 0;
};

}  // namespace neo
