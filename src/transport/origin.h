// Origin check for browser upgrades, as Centrifugo: no Origin header passes; with one, an
// empty allow-list refuses, "*" allows all, other entries match with '*' wildcards.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace neo::transport {

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);

}  // namespace neo::transport
