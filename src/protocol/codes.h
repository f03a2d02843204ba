// Centrifugo's error, unsubscribe and disconnect codes with their exact messages.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace neo::protocol {

namespace error_code {
inline constexpr std::uint32_t internal = 100;
inline constexpr std::uint32_t unauthorized = 101;
inline constexpr std::uint32_t unknown_channel = 102;
inline constexpr std::uint32_t permission_denied = 103;
inline constexpr std::uint32_t method_not_found = 104;
inline constexpr std::uint32_t already_subscribed = 105;
inline constexpr std::uint32_t limit_exceeded = 106;
inline constexpr std::uint32_t bad_request = 107;
inline constexpr std::uint32_t not_available = 108;
inline constexpr std::uint32_t token_expired = 109;
inline constexpr std::uint32_t expired = 110;
inline constexpr std::uint32_t too_many_requests = 111;
inline constexpr std::uint32_t unrecoverable_position = 112;
}  // namespace error_code

// The error with its canonical message (100 and 111 are temporary).
Error make_error(std::uint32_t code);
// Server API wording differs for 104 ("not found").
Error make_api_error(std::uint32_t code);

struct Disconnect {
  std::uint16_t code;
  std::string_view reason;
};

namespace disconnect {
inline constexpr Disconnect shutdown{3001, "shutdown"};
inline constexpr Disconnect internal{3004, "internal server error"};
inline constexpr Disconnect connection_expired{3005, "connection expired"};
inline constexpr Disconnect slow{3008, "slow"};
inline constexpr Disconnect write_error{3009, "write error"};
inline constexpr Disconnect insufficient_state{3010, "insufficient state"};
inline constexpr Disconnect force_reconnect{3011, "force reconnect"};
inline constexpr Disconnect no_pong{3012, "no pong"};
inline constexpr Disconnect invalid_token{3500, "invalid token"};
inline constexpr Disconnect bad_request{3501, "bad request"};
inline constexpr Disconnect stale{3502, "stale"};
inline constexpr Disconnect force_disconnect{3503, "force disconnect"};
inline constexpr Disconnect connection_limit{3504, "connection limit"};
inline constexpr Disconnect channel_limit{3505, "channel limit"};
inline constexpr Disconnect permission_denied{3507, "permission denied"};
inline constexpr Disconnect not_available{3508, "not available"};
inline constexpr Disconnect too_many_requests{3013, "too many requests"};
}  // namespace disconnect

// A connect error on a unidirectional transport, which has no reply to carry it, as
// Centrifugo maps it: 109/110 -> 3005, 111 -> 3013, 103 -> 3507, anything else -> 3004.
Disconnect uni_connect_disconnect(std::uint32_t error);

struct Unsubscribe {
  std::uint32_t code;
  std::string_view reason;
};

namespace unsubscribe {
inline constexpr Unsubscribe server{2000, "server unsubscribe"};
inline constexpr Unsubscribe insufficient_state{2500, "insufficient state"};
inline constexpr Unsubscribe expired{2501, "subscription expired"};
}  // namespace unsubscribe

}  // namespace neo::protocol
