// Lua of the shared tenant connection count (run with EVAL: small, and cached by Redis).
// A tenant's count is one hash, `<prefix>.quota.{<tenant>}`, node id -> that node's
// connections; the hash tag keeps each script's keys in one slot of a Redis Cluster.
#pragma once

#include <string_view>

namespace neo::quota::scripts {

// KEYS: the tenant's hash. ARGV: node, max. Counts one connection of the node when the sum
// over every node is below max. Returns 1 when counted, 0 when the tenant is at its limit.
inline constexpr std::string_view kAcquire = R"lua(
local total = 0
for _, n in ipairs(redis.call('hvals', KEYS[1])) do total = total + tonumber(n) end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('hincrby', KEYS[1], ARGV[1], 1)
return 1
)lua";

// KEYS: the tenant's hash. ARGV: node. One connection of the node ended; a field never goes
// below zero (a release that outlived a re-sync or a forget must not credit other nodes).
inline constexpr std::string_view kRelease = R"lua(
local n = redis.call('hincrby', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('hdel', KEYS[1], ARGV[1]) end
return n
)lua";

}  // namespace neo::quota::scripts
