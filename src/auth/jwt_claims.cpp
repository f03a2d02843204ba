#include "auth/jwt_claims.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/clock.h"

namespace neo::auth::detail {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Rejecting duplicates keeps us from picking a different `sub` than another parser would.
bool has_duplicate_names(const object& obj) {
  std::vector<std::string_view> names;
  for (const auto field : obj) names.push_back(field.key);
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

std::optional<element> find(const object& claims, std::string_view name) {
  element value;
  if (claims.at_key(name).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

// Floored; beyond the int64 range it saturates (the far future or past), where a plain cast
// would be undefined.
std::optional<std::int64_t> floor_seconds(double seconds) {
  constexpr double kTwoTo63 = 0x1p63;
  if (std::isnan(seconds)) return std::nullopt;
  const double whole = std::floor(seconds);
  if (whole >= kTwoTo63) return std::numeric_limits<std::int64_t>::max();
  if (whole < -kTwoTo63) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(whole);
}

// A NumericDate is any JSON number: an integer, one beyond int64 (simdjson's UINT64, or a
// DOUBLE past 2^64), or a fraction.
std::optional<std::int64_t> to_seconds(const element& value) {
  std::int64_t whole = 0;
  double fraction = 0;
  switch (value.type()) {
    case element_type::INT64:
      if (value.get_int64().get(whole) != simdjson::SUCCESS) return std::nullopt;
      return whole;
    case element_type::UINT64:  // above INT64_MAX
      return std::numeric_limits<std::int64_t>::max();
    case element_type::DOUBLE:
      if (value.get_double().get(fraction) != simdjson::SUCCESS) return std::nullopt;
      return floor_seconds(fraction);
    default:
      return std::nullopt;
  }
}

}  // namespace

Step parse_object(simdjson::dom::parser& parser, std::string_view json, object& out) {
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS)
    return invalid("not JSON");
  if (root.get_object().get(out) != simdjson::SUCCESS) return invalid("not a JSON object");
  if (has_duplicate_names(out)) return invalid("duplicate member names");
  return std::nullopt;
}

bool has_claim(const object& claims, std::string_view name) {
  return find(claims, name).has_value();
}

Step get_string(const object& claims, std::string_view name, std::string& out,
                std::string_view bad_type) {
  const auto value = find(claims, name);
  if (!value) return std::nullopt;
  std::string_view text;
  if (value->get_string().get(text) != simdjson::SUCCESS) return invalid(bad_type);
  out.assign(text);
  return std::nullopt;
}

Step get_strings(const object& claims, std::string_view name, std::vector<std::string>& out,
                 std::string_view bad_type) {
  const auto value = find(claims, name);
  if (!value) return std::nullopt;
  simdjson::dom::array items;
  if (value->get_array().get(items) != simdjson::SUCCESS) return invalid(bad_type);
  std::vector<std::string> strings;
  for (const auto item : items) {
    std::string_view text;
    if (item.get_string().get(text) != simdjson::SUCCESS) return invalid(bad_type);
    strings.emplace_back(text);
  }
  out = std::move(strings);
  return std::nullopt;
}

Step get_time(const object& claims, std::string_view name, std::optional<std::int64_t>& out,
              std::string_view bad_type) {
  const auto value = find(claims, name);
  if (!value) return std::nullopt;
  out = to_seconds(*value);
  if (!out) return invalid(bad_type);
  return std::nullopt;
}

std::string get_raw(const object& claims, std::string_view name) {
  const auto value = find(claims, name);
  return value ? simdjson::minify(*value) : std::string();
}

Step check_audience(const object& claims, std::string_view audience) {
  if (audience.empty()) return std::nullopt;
  const auto aud = find(claims, "aud");
  std::string_view one;
  simdjson::dom::array many;
  if (aud && aud->get_string().get(one) == simdjson::SUCCESS && one == audience)
    return std::nullopt;
  if (aud && aud->get_array().get(many) == simdjson::SUCCESS)
    for (const auto item : many)
      if (item.get_string().get(one) == simdjson::SUCCESS && one == audience) return std::nullopt;
  return invalid("audience mismatch");
}

Step check_issuer(const object& claims, std::string_view issuer) {
  if (issuer.empty()) return std::nullopt;
  const auto iss = find(claims, "iss");
  std::string_view text;
  if (iss && iss->get_string().get(text) == simdjson::SUCCESS && text == issuer)
    return std::nullopt;
  return invalid("issuer mismatch");
}

Step get_validity(const object& claims, Validity& out) {
  if (auto f = get_time(claims, "exp", out.exp, "exp is not a number")) return f;
  if (auto f = get_time(claims, "nbf", out.nbf, "nbf is not a number")) return f;
  return get_time(claims, "expire_at", out.expire_at, "expire_at is not a number");
}

std::optional<std::int64_t> effective_expiry(const Validity& validity) {
  if (!validity.expire_at) return validity.exp;
  if (*validity.expire_at == 0) return std::nullopt;
  return validity.expire_at;
}

Step check_validity(const Validity& validity, std::int64_t now, std::int64_t leeway) {
  if (validity.exp && saturating_sub(now, leeway) >= *validity.exp)
    return Fault{TokenStatus::expired, "token expired"};
  if (validity.nbf && saturating_add(now, leeway) < *validity.nbf)
    return Fault{TokenStatus::expired, "token not valid yet"};
  return std::nullopt;
}

}  // namespace neo::auth::detail
