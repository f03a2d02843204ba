#include "auth/token.h"

#include <utility>

#include "auth/base64url.h"
#include "auth/jws.h"
#include "auth/jwt_claims.h"
#include "core/clock.h"
#include "core/json_writer.h"

namespace neo::auth {

struct TokenVerifier::Keys : detail::KeySet {
  explicit Keys(detail::KeySet&& keys) : detail::KeySet(std::move(keys)) {}
};

namespace {

using detail::invalid;
using detail::Step;
using simdjson::dom::object;
using simdjson::dom::parser;

struct Parts {
  std::string_view header, payload, signature;
  std::string_view signing_input;  // "header.payload", what the signature covers
};

std::optional<Parts> split(std::string_view jwt) {
  const auto first = jwt.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = jwt.find('.', first + 1);
  if (second == std::string_view::npos || jwt.find('.', second + 1) != std::string_view::npos)
    return std::nullopt;
  return Parts{jwt.substr(0, first), jwt.substr(first + 1, second - first - 1),
               jwt.substr(second + 1), jwt.substr(0, second)};
}

Step read_alg(parser& json, std::string_view encoded, std::optional<detail::Alg>& alg) {
  const auto text = detail::base64url_decode(encoded);
  object header;
  if (!text || detail::parse_object(json, *text, header)) return invalid("malformed header");
  std::string name;
  if (auto f = detail::get_string(header, "alg", name, "alg is not a string")) return f;
  // We implement no JWS extensions, so any critical one must be refused (RFC 7515 §4.1.11).
  if (detail::has_claim(header, "crit")) return invalid("unsupported crit header");
  alg = detail::find_alg(name);
  if (!alg) return invalid("unsupported algorithm");
  return std::nullopt;
}

Step check_signature(const detail::KeySet& keys, parser& json, const Parts& parts) {
  std::optional<detail::Alg> alg;
  if (auto f = read_alg(json, parts.header, alg)) return f;
  if (!detail::has_key_for(keys, *alg)) return invalid("no key configured for algorithm");
  const auto signature = detail::base64url_decode(parts.signature);
  if (!signature || signature->empty()) return invalid("malformed signature");
  if (!detail::verify_signature(keys, *alg, parts.signing_input, *signature))
    return invalid("bad signature");
  return std::nullopt;
}

// The steps both token kinds share: format, signature, payload, audience, issuer.
Step open(const detail::KeySet& keys, const config::TokenOptions& options, std::string_view jwt,
          parser& json, object& claims) {
  if (jwt.size() > options.max_bytes) return invalid("token too long");
  const auto parts = split(jwt);
  if (!parts) return invalid("not a compact JWS");
  if (auto f = check_signature(keys, json, *parts)) return f;
  const auto payload = detail::base64url_decode(parts->payload);
  if (!payload || detail::parse_object(json, *payload, claims)) return invalid("malformed payload");
  if (auto f = detail::check_audience(claims, options.audience)) return f;
  return detail::check_issuer(claims, options.issuer);
}

Step read_identity(const object& claims, const config::TokenOptions& options, Identity& id) {
  if (auto f = detail::get_string(claims, "sub", id.user, "sub is not a string")) return f;
  if (!valid_identity_value(id.user)) return invalid("forbidden character in sub");
  if (!options.tenant_claim.empty()) {
    if (auto f = detail::get_string(claims, options.tenant_claim, id.tenant,
                                    "tenant claim is not a string"))
      return f;
    if (!valid_identity_value(id.tenant)) return invalid("forbidden character in tenant claim");
  }
  if (!options.roles_claim.empty()) {
    if (auto f = detail::get_strings(claims, options.roles_claim, id.roles,
                                     "roles claim is not an array of strings"))
      return f;
  }
  id.info = detail::get_raw(claims, "info");
  return std::nullopt;
}

Step read_connection(const object& claims, const config::TokenOptions& options,
                     ConnectionToken& token, detail::Validity& validity) {
  if (detail::has_claim(claims, "channel")) return invalid("channel claim in connection token");
  if (auto f = read_identity(claims, options, token.identity)) return f;
  if (auto f = detail::get_strings(claims, "channels", token.channels,
                                   "channels is not an array of strings"))
    return f;
  if (auto f = detail::get_validity(claims, validity)) return f;
  token.expire_at = detail::effective_expiry(validity);
  return std::nullopt;
}

Step read_subscription(const object& claims, SubscriptionToken& token, detail::Validity& validity) {
  if (auto f = detail::get_string(claims, "sub", token.user, "sub is not a string")) return f;
  if (!detail::has_claim(claims, "channel")) return invalid("missing channel claim");
  if (auto f = detail::get_string(claims, "channel", token.channel, "channel is not a string"))
    return f;
  if (token.channel.empty()) return invalid("empty channel claim");
  token.info = detail::get_raw(claims, "info");
  token.data = detail::get_raw(claims, "data");
  if (auto f = detail::get_validity(claims, validity)) return f;
  token.expire_at = detail::effective_expiry(validity);
  return std::nullopt;
}

// Runs open -> kind rules (`read`) -> exp/nbf. An expired token keeps its (verified) claims
// for logging; an invalid one comes back empty.
template <typename T, typename Read>
Verified<T> verify(const detail::KeySet& keys, const config::TokenOptions& options,
                   std::string_view jwt, std::int64_t now, Read read) {
  Verified<T> out;
  parser json;
  object claims;
  detail::Validity validity;
  Step step = open(keys, options, jwt, json, claims);
  if (!step) step = read(claims, out.token, validity);
  // As Centrifugo: an expiry more than a year ahead counts as one year from now.
  if (out.token.expire_at) out.token.expire_at = capped_expiry(*out.token.expire_at, now);
  auto leeway = std::chrono::duration_cast<std::chrono::seconds>(options.leeway).count();
  if (!step) step = detail::check_validity(validity, now, leeway);
  if (!step) {
    out.status = TokenStatus::ok;
    return out;
  }
  out.status = step->status;
  out.reason = step->reason;
  if (out.status == TokenStatus::invalid) out.token = T{};
  return out;
}

}  // namespace

TokenVerifier::TokenVerifier(const config::TokenOptions& options)
    : keys_(std::make_unique<Keys>(detail::load_keys(options))), options_(options) {}

TokenVerifier::~TokenVerifier() = default;

Verified<ConnectionToken> TokenVerifier::verify_connection(std::string_view jwt,
                                                           std::int64_t now) const {
  return verify<ConnectionToken>(
      *keys_, options_, jwt, now,
      [this](const object& claims, ConnectionToken& token, detail::Validity& validity) {
        return read_connection(claims, options_, token, validity);
      });
}

Verified<SubscriptionToken> TokenVerifier::verify_subscription(std::string_view jwt,
                                                               std::int64_t now) const {
  return verify<SubscriptionToken>(*keys_, options_, jwt, now, read_subscription);
}

std::string sign_hmac_jwt(HmacAlg alg, std::string_view secret, std::string_view payload_json) {
  std::string_view header = R"({"alg":"HS256","typ":"JWT"})";
  const EVP_MD* digest = EVP_sha256();
  if (alg == HmacAlg::hs384) {
    header = R"({"alg":"HS384","typ":"JWT"})";
    digest = EVP_sha384();
  } else if (alg == HmacAlg::hs512) {
    header = R"({"alg":"HS512","typ":"JWT"})";
    digest = EVP_sha512();
  }
  std::string jwt = detail::base64url_encode(header);
  jwt += '.';
  jwt += detail::base64url_encode(payload_json);
  const std::string signature = detail::hmac(digest, secret, jwt);
  jwt += '.';
  jwt += detail::base64url_encode(signature);
  return jwt;
}

bool valid_identity_value(std::string_view value) {
  for (const unsigned char c : value) {
    // Printable ASCII only: the value is substituted into channel names, which are ASCII.
    if (c <= 0x20 || c >= 0x7f) return false;
    if (c == ':' || c == '*' || c == '{' || c == '}' || c == '#') return false;
  }
  return true;
}

std::string sign_connection_token(const config::TokenOptions& options, const std::string& user,
                                  const std::string& tenant, const std::vector<std::string>& roles,
                                  std::int64_t ttl_seconds) {
  std::string payload;
  JsonWriter w(payload);
  w.begin_object().field("sub", user);
  if (!tenant.empty()) w.field(options.tenant_claim, tenant);
  w.key(options.roles_claim).begin_array();
  for (const auto& role : roles) w.string(role);
  w.end_array();
  auto now = neo::unix_seconds();
  w.key("iat").number_signed(now);
  if (ttl_seconds > 0) w.key("exp").number_signed(now + ttl_seconds);
  if (!options.audience.empty()) w.field("aud", options.audience);
  if (!options.issuer.empty()) w.field("iss", options.issuer);
  w.end_object();
  return sign_hmac_jwt(HmacAlg::hs256, options.hmac_secret, payload);
}

}  // namespace neo::auth
