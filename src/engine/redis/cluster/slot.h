// Redis Cluster's key -> slot mapping, bit for bit as Redis computes it (cluster.c keyHashSlot):
// CRC16-XMODEM of the key, or of its hash tag, modulo 16384. Keys that must meet in one Lua
// script (a channel's stream, meta, presence and result keys) share a hash tag.
#pragma once

#include <cstdint>
#include <string_view>

namespace neo::engine::redis::cluster {

inline constexpr std::uint16_t kSlots = 16384;

// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0, no reflection).
std::uint16_t crc16(std::string_view data);

// The part of `key` that is hashed: the text between the first '{' and the first '}' after
// it, when that text is not empty; otherwise the whole key.
std::string_view hash_tag(std::string_view key);

std::uint16_t key_slot(std::string_view key);

}  // namespace neo::engine::redis::cluster
