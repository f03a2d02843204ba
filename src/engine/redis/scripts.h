// Lua scripts run atomically inside Redis (loaded with SCRIPT LOAD on every connect).
#pragma once

#include <string_view>

namespace neo::engine::redis::scripts {

// KEYS: stream, meta, pubsub channel[, result]. ARGV: payload, size, ttl s, meta ttl s, new
// epoch, generation[, result ttl ms]. Offset and epoch come from the meta hash; the publication is
// appended (exact MAXLEN), both keys get their TTL, and the message "p<offset>:<epoch>:<payload>"
// is published, all at once, so no node can see history and PUB/SUB disagree. With a result key (an
// idempotent publish), a repeat within the result ttl answers the first publish's position and
// publishes nothing. The result hash holds c = the channel's PUB/SUB name, e = epoch, s = offset;
// "c" tells a repeat from another channel whose key reads the same
// ("<p>.result.a.b" + ".c" = "<p>.result.a" + ".b.c"): that one is published, and nothing is
// remembered for it. Returns {offset, epoch, answered from the result 0/1}.
// Generation: the replication id of the master running the script ("" when unknown: no check),
// kept in the meta hash as g. A stream last written under another id may have lost what the old
// master acknowledged but never replicated (a failover), or its last second (a restart from the
// AOF), so it goes on under a new epoch: its subscribers are told (docs/redis.md, "Epochs
// follow the master").
inline constexpr std::string_view kPublish = R"lua(
local result = KEYS[4]
if result then
  local first = redis.call('hmget', result, 'c', 'e', 's')
  if first[1] == KEYS[3] then return {first[3], first[2], 1} end
  if first[1] then result = nil end
end
local meta = redis.call('hmget', KEYS[2], 'e', 'g')
local epoch = meta[1]
local moved = ARGV[6] ~= '' and meta[2] ~= ARGV[6]
if moved then epoch = nil end
if not epoch then
  epoch = ARGV[5]
  redis.call('hset', KEYS[2], 'e', epoch)
end
if moved then redis.call('hset', KEYS[2], 'g', ARGV[6]) end
local offset = redis.call('hincrby', KEYS[2], 's', 1)
if offset == 1 then redis.call('del', KEYS[1]) end
redis.call('expire', KEYS[2], ARGV[4])
redis.call('xadd', KEYS[1], 'MAXLEN', ARGV[2], offset .. '-0', 'd', ARGV[1])
redis.call('expire', KEYS[1], ARGV[3])
redis.call('publish', KEYS[3], 'p' .. offset .. ':' .. epoch .. ':' .. ARGV[1])
if result then
  redis.call('hset', result, 'c', KEYS[3], 'e', epoch, 's', offset)
  redis.call('pexpire', result, ARGV[7])
end
return {offset, epoch, 0}
)lua";

// An idempotent publish into a channel without history, with the result hash of kPublish.
// KEYS: pubsub channel, result. ARGV: message, result ttl ms. Returns {0, "", answered from the
// result 0/1}.
inline constexpr std::string_view kPublishNoHistory = R"lua(
local first = redis.call('hmget', KEYS[2], 'c', 'e', 's')
if first[1] == KEYS[1] then return {first[3], first[2], 1} end
redis.call('publish', KEYS[1], ARGV[1])
if not first[1] then
  redis.call('hset', KEYS[2], 'c', KEYS[1], 'e', '', 's', 0)
  redis.call('pexpire', KEYS[2], ARGV[2])
end
return {0, '', 0}
)lua";

// KEYS: stream, meta. ARGV: limit (0 none, -1 all), reverse (0/1), from id ('-', '+' or
// '<n>-0'), meta ttl s, new epoch, generation (as kPublish). Returns {top, epoch, entries}.
inline constexpr std::string_view kHistory = R"lua(
local meta = redis.call('hmget', KEYS[2], 'e', 'g')
local epoch = meta[1]
local moved = ARGV[6] ~= '' and meta[2] ~= ARGV[6]
if moved then epoch = nil end
if not epoch then
  epoch = ARGV[5]
  redis.call('hset', KEYS[2], 'e', epoch)
end
if moved then redis.call('hset', KEYS[2], 'g', ARGV[6]) end
redis.call('expire', KEYS[2], ARGV[4])
local top = redis.call('hget', KEYS[2], 's') or '0'
local limit = tonumber(ARGV[1])
if limit == 0 then return {top, epoch, {}} end
local entries
if ARGV[2] == '1' then
  if limit > 0 then entries = redis.call('xrevrange', KEYS[1], ARGV[3], '-', 'COUNT', limit)
  else entries = redis.call('xrevrange', KEYS[1], ARGV[3], '-') end
else
  if limit > 0 then entries = redis.call('xrange', KEYS[1], ARGV[3], '+', 'COUNT', limit)
  else entries = redis.call('xrange', KEYS[1], ARGV[3], '+') end
end
return {top, epoch, entries}
)lua";

// KEYS: data hash, expire zset. ARGV: client id, info json, expire-at (unix s), ttl s.
inline constexpr std::string_view kPresenceAdd = R"lua(
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
redis.call('expire', KEYS[1], ARGV[4])
redis.call('expire', KEYS[2], ARGV[4])
return 1
)lua";

// KEYS: data hash, expire zset. ARGV: now (unix s). Drops entries whose node stopped
// refreshing them (a crashed node's clients vanish), then returns every entry's info.
inline constexpr std::string_view kPresenceGet = R"lua(
local expired = redis.call('zrangebyscore', KEYS[2], '-inf', ARGV[1])
for _, id in ipairs(expired) do redis.call('hdel', KEYS[1], id) end
redis.call('zremrangebyscore', KEYS[2], '-inf', ARGV[1])
return redis.call('hvals', KEYS[1])
)lua";

}  // namespace neo::engine::redis::scripts
