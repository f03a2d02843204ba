// Reading JWT JSON with simdjson: typed claim getters and the registered-claim checks.
// Every getter leaves `out` untouched when the claim is absent and fails on a wrong type.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token.h"

namespace neo::auth::detail {

// Why a step failed. `reason` is static text: it never quotes the token.
struct Fault {
  TokenStatus status = TokenStatus::invalid;
  std::string_view reason;
};
using Step = std::optional<Fault>;  // nullopt = the step passed

inline Fault invalid(std::string_view reason) { return {TokenStatus::invalid, reason}; }

// Parses `json` (which must be one JSON object without duplicate member names). The
// object lives as long as `parser` and until its next parse.
Step parse_object(simdjson::dom::parser& parser, std::string_view json, simdjson::dom::object& out);

bool has_claim(const simdjson::dom::object& claims, std::string_view name);

Step get_string(const simdjson::dom::object& claims, std::string_view name, std::string& out,
                std::string_view bad_type);
Step get_strings(const simdjson::dom::object& claims, std::string_view name,
                 std::vector<std::string>& out, std::string_view bad_type);
// A NumericDate: integer or fraction (floored) seconds; beyond int64 it saturates.
Step get_time(const simdjson::dom::object& claims, std::string_view name,
              std::optional<std::int64_t>& out, std::string_view bad_type);
// Any JSON value, compacted; "" when absent.
std::string get_raw(const simdjson::dom::object& claims, std::string_view name);

// `aud` (string or array) must contain `audience`, when `audience` is set.
Step check_audience(const simdjson::dom::object& claims, std::string_view audience);
// `iss` must equal `issuer`, when `issuer` is set.
Step check_issuer(const simdjson::dom::object& claims, std::string_view issuer);

struct Validity {
  std::optional<std::int64_t> exp;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> expire_at;
};
Step get_validity(const simdjson::dom::object& claims, Validity& out);
// `expire_at` when present (0 = never), else `exp`.
std::optional<std::int64_t> effective_expiry(const Validity& validity);
// A passed `exp` or a future `nbf` is `expired` (error 109).
// `leeway` (seconds) tolerates clock skew between the token issuer and this node.
Step check_validity(const Validity& validity, std::int64_t now, std::int64_t leeway = 0);

}  // namespace neo::auth::detail
