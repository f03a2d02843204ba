// JWT verification for connection and subscription tokens (Centrifugo claims plus the
// NEO_STACK tenant and roles claims). Immutable after construction: any thread may call it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace neo::auth {

enum class TokenStatus {
  ok,
  expired,  // exp passed or nbf in the future -> error 109
  invalid,  // signature, format, algorithm, aud/iss, forbidden claims -> close 3500 / error 103
};

// Who a connection is, as its connection token says.
struct Identity {
  std::string user;                // `sub`
  std::string tenant;              // the configured tenant claim
  std::vector<std::string> roles;  // the configured roles claim
  std::string info;                // raw compact JSON of `info` ("" when absent)
};

struct ConnectionToken {
  Identity identity;
  // Unix seconds, at most a year after `now`; from `expire_at` (0 -> none) else `exp`.
  std::optional<std::int64_t> expire_at;
  std::vector<std::string> channels;  // server-side subscriptions (`channels` claim)
};

struct SubscriptionToken {
  std::string user;     // `sub`
  std::string channel;  // `channel` (required)
  std::string info;     // raw JSON of `info` ("" when absent) -> chan_info
  std::string data;     // raw JSON of `data` ("" when absent) -> subscribe result data
  std::optional<std::int64_t> expire_at;  // as ConnectionToken::expire_at
};

template <typename T>
struct Verified {
  TokenStatus status = TokenStatus::invalid;
  T token{};
  std::string reason;  // why it failed, for logs; never contains the token itself
};

class TokenVerifier {
 public:
  // Throws std::runtime_error when a configured key cannot be loaded.
  explicit TokenVerifier(const config::TokenOptions& options);
  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // `now` is unix seconds. A `tenantId`/`sub` with ':', '*', '{', '}', '#' or whitespace,
  // or a `channel` claim, makes a connection token invalid. The expiry is capped at a year
  // after `now`.
  Verified<ConnectionToken> verify_connection(std::string_view jwt, std::int64_t now) const;
  // A subscription token needs a `channel` claim; matching it to the request is the caller's job.
  Verified<SubscriptionToken> verify_subscription(std::string_view jwt, std::int64_t now) const;

 private:
  struct Keys;
  std::unique_ptr<Keys> keys_;
  config::TokenOptions options_;
};

enum class HmacAlg { hs256, hs384, hs512 };

// Signs `payload_json` as a compact JWS with an HMAC algorithm (gentoken, tests).
std::string sign_hmac_jwt(HmacAlg alg, std::string_view secret, std::string_view payload_json);

// An HS256 connection token with the configured claim names (sub, tenant claim, roles claim,
// iat, exp when ttl_seconds > 0, aud and iss when configured): gentoken and the demo login.
std::string sign_connection_token(const config::TokenOptions& options, const std::string& user,
                                  const std::string& tenant, const std::vector<std::string>& roles,
                                  std::int64_t ttl_seconds);

// True when `value` may serve as a user or tenant id (no ':', '*', '{', '}', '#', whitespace).
bool valid_identity_value(std::string_view value);

}  // namespace neo::auth
