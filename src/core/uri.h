// Percent-decoding of request targets: paths (demo static files) and query parameters
// (cf_connect of the unidirectional transports).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace neo {

// "%2e%2e" -> "..": nullopt for a malformed escape or an encoded NUL. A '+' stays a '+'.
std::optional<std::string> percent_decode(std::string_view text);

// The decoded value of query parameter `name` in `target` (path?query): '+' is a space, as
// URLSearchParams and HTML forms encode it. nullopt when absent or malformed.
std::optional<std::string> query_value(std::string_view target, std::string_view name);

}  // namespace neo
