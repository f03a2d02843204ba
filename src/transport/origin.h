// Origin check for browser upgrades, as Centrifugo: no Origin header passes; with one, an
// empty allow-list refuses, "*" allows all, other entries match with '*' wildcards.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neo::transport {

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);

// The CORS headers that let a page of `origin` (already allowed) read an answer of the
// transport's own endpoints (streams, /emulation); none without an Origin.
inline std::vector<std::pair<std::string, std::string>> cors_headers(std::string_view origin) {
  if (origin.empty()) return {};
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Access-Control-Allow-Credentials", "true"},
          {"Vary", "Origin"}};
}

}  // namespace neo::transport
