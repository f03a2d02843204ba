// Lua of the shared tenant connection count and publish budget (run with EVAL: small, and
// cached by Redis). A tenant's count is one hash, `<prefix>.quota.{<tenant>}`, node id -> that
// node's connections; the hash tag keeps each script's keys in one slot of a Redis Cluster.
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

// KEYS: the tenant's rate hash, `<prefix>.rate.{<tenant>}` (w: the window, Redis TIME's second;
// used: tokens granted in it). ARGV: rate, wanted. Grants min(wanted, what is left of the
// window's budget) and returns {granted, milliseconds until the window ends}; the hash outlives
// its window by a second at most (Redis 7 replicates a script's effects, so TIME is allowed).
inline constexpr std::string_view kLease = R"lua(
local now = redis.call('time')
local window = tonumber(now[1])
local state = redis.call('hmget', KEYS[1], 'w', 'used')
local used = 0
if tonumber(state[1]) == window then used = tonumber(state[2]) end
local grant = math.max(0, math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) - used))
if grant > 0 then
  redis.call('hset', KEYS[1], 'w', window, 'used', used + grant)
  redis.call('expire', KEYS[1], 2)
end
return {grant, 1000 - math.floor(tonumber(now[2]) / 1000)}
)lua";

}  // namespace neo::quota::scripts
