// How publications and client infos travel through Redis: compact JSON, the same shapes the
// client protocol uses, so payloads are validated once and never re-encoded per subscriber.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace neo::engine::redis {

std::string encode_publication(const Publication& pub);
std::optional<Publication> decode_publication(std::string_view json);
std::string encode_client_info(const ClientInfo& info);
std::optional<ClientInfo> decode_client_info(std::string_view json);

// Jump consistent hash of the channel over `shards`: adding a shard moves about 1/(n+1) of
// the channels, and every node computes the same mapping.
std::size_t shard_of(std::string_view channel, std::size_t shards);

}  // namespace neo::engine::redis
