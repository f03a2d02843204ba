// Result shapes of the client protocol that the server API shares (history, presence).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/types.h"

namespace neo::protocol {

struct SubscribeResult {
  bool expires = false;
  std::uint32_t ttl = 0;
  bool recoverable = false;
  bool positioned = false;
  std::string epoch;
  std::uint64_t offset = 0;
  std::vector<Publication> publications;
  bool recovered = false;
  bool was_recovering = false;
  std::string data;    // raw JSON
  bool delta = false;  // fossil deltas negotiated: `publications` carry data as delta subscribers
                       // receive it (a JSON string in JSON, full payloads)
};

struct ConnectResult {
  std::string client;
  std::string version;
  bool expires = false;
  std::uint32_t ttl = 0;
  std::string data;  // raw JSON
  std::vector<std::pair<std::string, SubscribeResult>> subs;
  std::uint32_t ping = 0;
  bool pong = false;
  std::string session;  // emulated transports: the id their POST /emulation requests name
  std::string node;
};

}  // namespace neo::protocol
