// JWTs -> TokenVerifier::verify_connection / verify_subscription, with an HMAC secret (and an
// RSA and an EC public key, so RS*/ES* signatures get checked too).
//
// Input: [mode][flags] then, by mode % 4:
//   0  the rest is the token, as is;
//   1  the rest is the payload JSON, signed with sign_hmac_jwt (HS256/384/512 by mode);
//   2  header JSON '\n' payload JSON, signed by hand with HMAC (so any header gets through);
//   3  header JSON '\n' payload JSON '\n' signature bytes (base64url-encoded here).
// Modes 1 and 2 carry a valid signature, so the claim rules run on fuzzed claims.
// flags: bit 0 picks the verifier with audience/issuer/leeway/other claim names; bits 1-7
// pick `now` around 2026-01-01.
#include <openssl/evp.h>

#include <cstdint>
#include <string>

#include "auth/base64url.h"
#include "auth/jws.h"
#include "auth/token.h"
#include "fuzz_support.h"

namespace {

using namespace neo;
using neo::auth::TokenStatus;

constexpr std::string_view kSecret = "secret";  // shared/protocol/tokens.md §5
constexpr std::int64_t kNow = 1767225600;       // 2026-01-01, the exp of the examples there

constexpr const char* kRsaPublicKey = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlo5IayjdHNEdfNrgTl2X
Tpf1bvbjwXR1xeOx8s36mniv+Z0nygXRYIvTFcayrqOvgpdBr5+m+mdZ30phQIZo
8aI6rbxh5ATF3LbeAQvuHJ1sukmFdedg6wXWmG4BC9unAb/Wu3+BYTwX+CHuVkML
1+wdQj/HJg/fa7nncLoHKh8YOu5bImavhgdZmc0zYD2C4ybRiWGc84bHx+Yv8irj
LBA+hmrDr/Ytt0oTboXpad4HonCDqb8LRFQImlqyV0CXQfqwmzf6n1BRma4FEOif
5TB5MyOF+IGzEkCICN0HZNT4M6QK17f8FWufSyOq+Q/IRo6sWriPoPculE9e5MlJ
9wIDAQAB
-----END PUBLIC KEY-----
)";
constexpr const char* kEcPublicKey = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPVo+epQx1e5sg16YbksSL1m+6RQF
bAuW4oHe4kPWLDJJNWP/yUT8nzp8Rjm1FezYCxFMdxKOka4d/r+wBwDWMg==
-----END PUBLIC KEY-----
)";

config::TokenOptions options(bool strict) {
  config::TokenOptions o;
  o.hmac_secret = std::string(kSecret);
  o.rsa_public_key = kRsaPublicKey;
  o.ecdsa_public_key = kEcPublicKey;
  if (strict) {
    o.audience = "neo-events";
    o.issuer = "neo-auth";
    o.tenant_claim = "tid";
    o.roles_claim = "";  // disabled
    o.leeway = std::chrono::seconds(60);
  }
  return o;
}

const EVP_MD* digest(std::uint8_t pick) {
  switch (pick % 3) {
    case 0:
      return EVP_sha256();
    case 1:
      return EVP_sha384();
    default:
      return EVP_sha512();
  }
}

std::string hand_signed(std::string_view header, std::string_view payload, const EVP_MD* md) {
  std::string jwt = auth::detail::base64url_encode(header);
  jwt += '.';
  jwt += auth::detail::base64url_encode(payload);
  std::string signature = auth::detail::hmac(md, kSecret, jwt);
  jwt += '.';
  jwt += auth::detail::base64url_encode(signature);
  return jwt;
}

template <typename T>
void check_common(const auth::Verified<T>& v, const char* what) {
  if (v.status != TokenStatus::ok && v.reason.empty()) fuzz::fail(what, "failed with no reason");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auth::TokenVerifier plain(options(false));
  static const auth::TokenVerifier strict(options(true));

  fuzz::Input in(data, size);
  const std::uint8_t mode = in.byte();
  const std::uint8_t flags = in.byte();
  const auth::TokenVerifier& verifier = (flags & 1) ? strict : plain;
  // Realistic clocks only: a year either side of kNow, in steps of about a day.
  const std::int64_t now = kNow + (static_cast<std::int64_t>(flags >> 1) - 64) * 86401;

  std::string jwt;
  switch (mode % 4) {
    case 0:
      jwt = in.rest();
      break;
    case 1: {
      static constexpr auth::HmacAlg kAlgs[] = {auth::HmacAlg::hs256, auth::HmacAlg::hs384,
                                                auth::HmacAlg::hs512};
      jwt = auth::sign_hmac_jwt(kAlgs[(mode >> 2) % 3], kSecret, in.rest());
      break;
    }
    case 2: {
      std::string_view header = in.until('\n');
      jwt = hand_signed(header, in.rest(), digest(mode >> 2));
      break;
    }
    default: {
      std::string_view header = in.until('\n');
      std::string_view payload = in.until('\n');
      jwt = auth::detail::base64url_encode(header) + '.' + auth::detail::base64url_encode(payload) +
            '.' + auth::detail::base64url_encode(in.rest());
      break;
    }
  }

  auto connection = verifier.verify_connection(jwt, now);
  check_common(connection, "verify_connection");
  if (connection.status == TokenStatus::invalid &&
      (!connection.token.identity.user.empty() || !connection.token.channels.empty()))
    fuzz::fail("verify_connection: an invalid token kept its claims");
  if (connection.status != TokenStatus::invalid) {
    // Documented in token.h: these values end up in channel names and user indexes.
    if (!auth::valid_identity_value(connection.token.identity.user) ||
        !auth::valid_identity_value(connection.token.identity.tenant))
      fuzz::fail("verify_connection: accepted a forbidden sub/tenant",
                 connection.token.identity.user);
  }
  if (!connection.token.identity.info.empty())
    fuzz::require_json("verify_connection: info", connection.token.identity.info);

  auto subscription = verifier.verify_subscription(jwt, now);
  check_common(subscription, "verify_subscription");
  if (subscription.status == TokenStatus::invalid && !subscription.token.channel.empty())
    fuzz::fail("verify_subscription: an invalid token kept its claims");
  if (subscription.status != TokenStatus::invalid && subscription.token.channel.empty())
    fuzz::fail("verify_subscription: accepted without a channel");
  if (!subscription.token.info.empty())
    fuzz::require_json("verify_subscription: info", subscription.token.info);
  if (!subscription.token.data.empty())
    fuzz::require_json("verify_subscription: data", subscription.token.data);
  return 0;
}
