// Unpadded base64url (RFC 4648 §5), the only encoding a compact JWS uses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace neo::auth::detail {

std::string base64url_encode(std::string_view bytes);

// Strict: only [A-Za-z0-9_-], no padding, no whitespace, and unused trailing bits must be
// zero, so every byte string has exactly one accepted encoding.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace neo::auth::detail
