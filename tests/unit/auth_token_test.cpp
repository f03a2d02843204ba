// TokenVerifier: signature algorithms, malformed input, claim rules and expiry.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "auth/base64url.h"
#include "auth/jws.h"
#include "auth/token.h"

namespace neo::auth {
namespace {

using detail::base64url_decode;
using detail::base64url_encode;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kSecret = "test-secret";

std::string b64(std::string_view s) { return base64url_encode(s); }

config::TokenOptions hmac_options(std::string secret = std::string(kSecret)) {
  config::TokenOptions options;
  options.hmac_secret = std::move(secret);
  return options;
}

std::string hs256(std::string_view payload) {
  return sign_hmac_jwt(HmacAlg::hs256, kSecret, payload);
}

// ---- asymmetric keys, generated once per run ----

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PUBKEY(bio, key), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string digest_sign(EVP_PKEY* key, const EVP_MD* md, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, md, nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len, in, data.size()), 1);
  std::string sig(len, '\0');
  EXPECT_EQ(
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()), 1);
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return sig;
}

// DER ECDSA -> the JWS form, r||s each padded to `n` bytes.
std::string der_to_raw(const std::string& der, int n) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw(static_cast<std::size_t>(2 * n), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(r, out, n);
  BN_bn2binpad(s, out + n, n);
  ECDSA_SIG_free(sig);
  return raw;
}

std::string asym_jwt(EVP_PKEY* key, std::string_view alg, std::string_view payload) {
  const std::string input =
      b64(R"({"alg":")" + std::string(alg) + R"(","typ":"JWT"})") + "." + b64(payload);
  const EVP_MD* md = alg.ends_with("256") ? EVP_sha256() : EVP_sha384();
  std::string sig = digest_sign(key, md, input);
  if (alg.starts_with("ES")) sig = der_to_raw(sig, alg == "ES256" ? 32 : 48);
  return input + "." + b64(sig);
}

class AsymTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_.reset(EVP_RSA_gen(2048));
    ec_.reset(EVP_EC_gen("P-256"));
    ec384_.reset(EVP_EC_gen("P-384"));
    ASSERT_TRUE(rsa_ && ec_ && ec384_);
  }
  static void TearDownTestSuite() {
    rsa_.reset();
    ec_.reset();
    ec384_.reset();
  }
  static config::TokenOptions rsa_options() {
    config::TokenOptions options;
    options.rsa_public_key = public_pem(rsa_.get());
    return options;
  }
  static config::TokenOptions ec_options(EVP_PKEY* key) {
    config::TokenOptions options;
    options.ecdsa_public_key = public_pem(key);
    return options;
  }
  static inline Pkey rsa_, ec_, ec384_;
};

// ---- base64url ----

TEST(Base64UrlTest, RoundTripsAllLengths) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
    bytes.push_back(static_cast<char>(i * 37 + 251));
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, RejectsNonCanonicalInput) {
  EXPECT_FALSE(base64url_decode("YQ=="));  // padding
  EXPECT_FALSE(base64url_decode("YQ="));
  EXPECT_FALSE(base64url_decode("a+b/"));   // standard alphabet
  EXPECT_FALSE(base64url_decode("YW J"));   // whitespace
  EXPECT_FALSE(base64url_decode("YWJjZ"));  // impossible length
  EXPECT_FALSE(base64url_decode("YWJjA"));  // impossible length, zero tail bits
  EXPECT_FALSE(base64url_decode("A"));
  EXPECT_FALSE(base64url_decode("YR"));  // non-zero unused bits
  EXPECT_EQ(base64url_decode("YQ"), "a");
  EXPECT_EQ(base64url_decode(""), "");
}

// ---- HMAC ----

TEST(TokenTest, MatchesIndependentlyComputedHs256Vector) {
  const std::string payload = R"({"sub":"42","exp":1767225600,"info":{"name":"Alice"}})";
  EXPECT_EQ(sign_hmac_jwt(HmacAlg::hs256, "secret", payload),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJzdWIiOiI0MiIsImV4cCI6MTc2NzIyNTYwMCwiaW5mbyI6eyJuYW1lIjoiQWxpY2UifX0."
            "4z3COlnqDTLNr4N2b_Kv-XR1wWGESqqvPH3-xc7nGUo");
}

TEST(TokenTest, SignHmacJwtWritesTheAlgorithmHeader) {
  const std::pair<HmacAlg, std::string_view> cases[] = {
      {HmacAlg::hs256, "HS256"}, {HmacAlg::hs384, "HS384"}, {HmacAlg::hs512, "HS512"}};
  for (const auto& [alg, name] : cases) {
    const std::string jwt = sign_hmac_jwt(alg, kSecret, "{}");
    EXPECT_EQ(base64url_decode(jwt.substr(0, jwt.find('.'))),
              R"({"alg":")" + std::string(name) + R"(","typ":"JWT"})");
  }
}

TEST(TokenTest, AcceptsGoodHmacTokens) {
  const TokenVerifier verifier(hmac_options());
  const std::string payload =
      R"({"sub":"42","tenantId":"t1","roles":["tenant_user","x"],"exp":1700000100})";
  for (const HmacAlg alg : {HmacAlg::hs256, HmacAlg::hs384, HmacAlg::hs512}) {
    const auto result = verifier.verify_connection(sign_hmac_jwt(alg, kSecret, payload), kNow);
    ASSERT_EQ(result.status, TokenStatus::ok) << result.reason;
    EXPECT_EQ(result.token.identity.user, "42");
    EXPECT_EQ(result.token.identity.tenant, "t1");
    EXPECT_EQ(result.token.identity.roles, (std::vector<std::string>{"tenant_user", "x"}));
    EXPECT_EQ(result.token.identity.info, "");
    EXPECT_EQ(result.token.expire_at, 1700000100);
    EXPECT_TRUE(result.reason.empty());
  }
}

TEST(TokenTest, RejectsBadSignatureAndTamperedPayload) {
  const TokenVerifier verifier(hmac_options());
  const auto other = sign_hmac_jwt(HmacAlg::hs256, "other-secret", R"({"sub":"42"})");
  EXPECT_EQ(verifier.verify_connection(other, kNow).status, TokenStatus::invalid);

  const std::string good = hs256(R"({"sub":"42"})");
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  const std::string tampered =
      good.substr(0, dot1 + 1) + b64(R"({"sub":"43"})") + good.substr(dot2);
  const auto result = verifier.verify_connection(tampered, kNow);
  EXPECT_EQ(result.status, TokenStatus::invalid);
  EXPECT_EQ(result.reason, "bad signature");
  EXPECT_EQ(result.token.identity.user, "");

  // A prefix of the right MAC must not pass as a shorter signature.
  const auto mac = base64url_decode(good.substr(dot2 + 1));
  ASSERT_TRUE(mac);
  const std::string prefix = good.substr(0, dot2 + 1) + b64(mac->substr(0, 16));
  EXPECT_EQ(verifier.verify_connection(prefix, kNow).reason, "bad signature");

  std::string truncated = good.substr(0, good.size() - 2);
  EXPECT_EQ(verifier.verify_connection(truncated, kNow).status, TokenStatus::invalid);
}

// ---- RSA / ECDSA ----

TEST_F(AsymTest, AcceptsRs256AndRs384) {
  const TokenVerifier verifier(rsa_options());
  for (const std::string_view alg : {"RS256", "RS384"}) {
    const auto result =
        verifier.verify_connection(asym_jwt(rsa_.get(), alg, R"({"sub":"7"})"), kNow);
    ASSERT_EQ(result.status, TokenStatus::ok) << alg << ": " << result.reason;
    EXPECT_EQ(result.token.identity.user, "7");
  }
}

TEST_F(AsymTest, LoadsRsaKeyFromFile) {
  const std::string path = ::testing::TempDir() + "auth_token_test_rsa.pem";
  std::ofstream(path) << public_pem(rsa_.get());
  config::TokenOptions options;
  options.rsa_public_key = path;
  const TokenVerifier verifier(options);
  std::remove(path.c_str());
  EXPECT_EQ(verifier.verify_connection(asym_jwt(rsa_.get(), "RS256", "{}"), kNow).status,
            TokenStatus::ok);
}

TEST_F(AsymTest, RejectsTamperedRs256) {
  const TokenVerifier verifier(rsa_options());
  const std::string good = asym_jwt(rsa_.get(), "RS256", R"({"sub":"7"})");
  const std::string tampered =
      good.substr(0, good.find('.') + 1) + b64(R"({"sub":"8"})") + good.substr(good.rfind('.'));
  EXPECT_EQ(verifier.verify_connection(tampered, kNow).status, TokenStatus::invalid);
}

TEST_F(AsymTest, AcceptsEs256) {
  const TokenVerifier verifier(ec_options(ec_.get()));
  const auto result =
      verifier.verify_subscription(asym_jwt(ec_.get(), "ES256", R"({"channel":"a:b"})"), kNow);
  ASSERT_EQ(result.status, TokenStatus::ok) << result.reason;
  EXPECT_EQ(result.token.channel, "a:b");
}

TEST_F(AsymTest, EcdsaAlgorithmMustMatchTheCurve) {
  const TokenVerifier p384(ec_options(ec384_.get()));
  EXPECT_EQ(p384.verify_connection(asym_jwt(ec384_.get(), "ES384", "{}"), kNow).status,
            TokenStatus::ok);
  EXPECT_EQ(p384.verify_connection(asym_jwt(ec_.get(), "ES256", "{}"), kNow).status,
            TokenStatus::invalid);
  // A P-256 signature over SHA-384, padded to ES384 width, is mathematically valid but
  // ES384 names P-384.
  const TokenVerifier p256(ec_options(ec_.get()));
  EXPECT_EQ(p256.verify_connection(asym_jwt(ec_.get(), "ES384", "{}"), kNow).status,
            TokenStatus::invalid);
}

TEST_F(AsymTest, RejectsEs256SignatureOfWrongLengthOrInDerForm) {
  const TokenVerifier verifier(ec_options(ec_.get()));
  const std::string input = b64(R"({"alg":"ES256"})") + "." + b64("{}");
  const std::string der = digest_sign(ec_.get(), EVP_sha256(), input);
  EXPECT_EQ(verifier.verify_connection(input + "." + b64(der), kNow).status, TokenStatus::invalid);
  const std::string raw = der_to_raw(der, 32);
  EXPECT_EQ(verifier.verify_connection(input + "." + b64(raw), kNow).status, TokenStatus::ok);
  EXPECT_EQ(verifier.verify_connection(input + "." + b64(raw + "x"), kNow).status,
            TokenStatus::invalid);
}

TEST_F(AsymTest, AlgorithmNeedsItsOwnKeyType) {
  const TokenVerifier rsa_only(rsa_options());
  EXPECT_EQ(rsa_only.verify_connection(hs256("{}"), kNow).status, TokenStatus::invalid);
  EXPECT_EQ(rsa_only.verify_connection(hs256("{}"), kNow).reason,
            "no key configured for algorithm");
  EXPECT_EQ(rsa_only.verify_connection(asym_jwt(ec_.get(), "ES256", "{}"), kNow).status,
            TokenStatus::invalid);

  // Algorithm confusion: the public PEM used as an HMAC secret must not verify.
  const std::string confused =
      sign_hmac_jwt(HmacAlg::hs256, rsa_options().rsa_public_key, R"({"sub":"root"})");
  EXPECT_EQ(rsa_only.verify_connection(confused, kNow).status, TokenStatus::invalid);

  const TokenVerifier hmac_only(hmac_options());
  EXPECT_EQ(hmac_only.verify_connection(asym_jwt(rsa_.get(), "RS256", "{}"), kNow).status,
            TokenStatus::invalid);
}

TEST_F(AsymTest, ConstructorRejectsUnusableKeys) {
  config::TokenOptions options;
  options.rsa_public_key = "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n";
  EXPECT_THROW(TokenVerifier{options}, std::runtime_error);
  options.rsa_public_key = "/nonexistent/key.pem";
  EXPECT_THROW(TokenVerifier{options}, std::runtime_error);
  options.rsa_public_key = public_pem(ec_.get());  // EC key where RSA is expected
  EXPECT_THROW(TokenVerifier{options}, std::runtime_error);
  options.rsa_public_key.clear();
  options.ecdsa_public_key = public_pem(rsa_.get());
  EXPECT_THROW(TokenVerifier{options}, std::runtime_error);
  options.ecdsa_public_key.clear();
  EXPECT_NO_THROW(TokenVerifier{options});  // nothing configured: every token is invalid
  EXPECT_EQ(TokenVerifier{options}.verify_connection(hs256("{}"), kNow).status,
            TokenStatus::invalid);
}

// ---- alg none and malformed input ----

TEST(TokenTest, RejectsAlgNoneAndUnknownAlgorithms) {
  const TokenVerifier verifier(hmac_options());
  const std::string body = b64(R"({"alg":"none"})") + "." + b64(R"({"sub":"42"})");
  EXPECT_EQ(verifier.verify_connection(body + ".", kNow).status, TokenStatus::invalid);
  EXPECT_EQ(verifier.verify_connection(body + "." + b64("sig"), kNow).status, TokenStatus::invalid);
  for (const std::string header :
       {R"({"alg":"HS1"})", R"({"alg":"hs256"})", R"({"alg":"PS256"})", R"({"typ":"JWT"})",
        R"({"alg":256})", R"({"alg":"HS256","crit":["exp"]})",
        R"({"alg":"HS256","alg":"HS256"})"}) {
    const std::string input = b64(header) + "." + b64("{}");
    const auto sig = b64(sign_hmac_jwt(HmacAlg::hs256, kSecret, "{}").substr(0, 5));
    EXPECT_EQ(verifier.verify_connection(input + "." + sig, kNow).status, TokenStatus::invalid)
        << header;
  }
}

TEST(TokenTest, RejectsCorrectlySignedTokenWithCritHeader) {
  const TokenVerifier verifier(hmac_options());
  const std::string input = b64(R"({"alg":"HS256","crit":["b64"],"b64":false})") + "." + b64("{}");
  const std::string jwt = input + "." + b64(detail::hmac(EVP_sha256(), kSecret, input));
  const auto result = verifier.verify_connection(jwt, kNow);
  EXPECT_EQ(result.status, TokenStatus::invalid);
  EXPECT_EQ(result.reason, "unsupported crit header");
}

TEST(TokenTest, RejectsMalformedTokens) {
  const TokenVerifier verifier(hmac_options());
  const std::string good = hs256(R"({"sub":"42"})");
  const auto header = good.substr(0, good.find('.'));
  std::vector<std::string> bad = {
      "",
      ".",
      "..",
      "abc",
      good.substr(0, good.rfind('.')),  // two parts
      good + ".x",                      // four parts
      good + "=",                       // padding on the signature
      header + "." + b64(R"({"sub":"42"})") + "==." + "x",
      header + ".e30+." + "x",  // standard-alphabet character
      "!!!." + b64("{}") + ".x",
  };
  for (const auto& jwt : bad)
    EXPECT_EQ(verifier.verify_connection(jwt, kNow).status, TokenStatus::invalid) << jwt;
}

TEST(TokenTest, RejectsNonObjectOrNonJsonPayloadEvenWhenSigned) {
  const TokenVerifier verifier(hmac_options());
  for (const std::string_view payload :
       {"not json", "[1,2]", "\"sub\"", "42", "", "{\"sub\":\"42\"} trailing", "{\"a\":}",
        "{\"sub\":\"1\",\"sub\":\"2\"}", "{\"s\":\"\xff\"}"}) {
    const auto result = verifier.verify_connection(hs256(payload), kNow);
    EXPECT_EQ(result.status, TokenStatus::invalid) << payload;
    EXPECT_EQ(result.reason, "malformed payload") << payload;
  }
}

TEST(TokenTest, RejectsTokensOverMaxBytes) {
  config::TokenOptions options = hmac_options();
  options.max_bytes = 2048;
  const TokenVerifier verifier(options);
  const std::string small = hs256(R"({"info":")" + std::string(1000, 'a') + "\"}");
  ASSERT_LT(small.size(), 2048u);
  EXPECT_EQ(verifier.verify_connection(small, kNow).status, TokenStatus::ok);
  const std::string big = hs256(R"({"info":")" + std::string(1600, 'a') + "\"}");
  ASSERT_GT(big.size(), 2048u);
  EXPECT_EQ(verifier.verify_connection(big, kNow).status, TokenStatus::invalid);
  EXPECT_EQ(verifier.verify_connection(big, kNow).reason, "token too long");
  EXPECT_EQ(verifier.verify_subscription(big, kNow).reason, "token too long");
}

TEST(TokenTest, LeewayToleratesClockSkewOnExpAndNbf) {
  config::TokenOptions options = hmac_options();
  options.leeway = std::chrono::seconds(30);
  const TokenVerifier lenient(options);
  const TokenVerifier strict(hmac_options());
  const std::string expired_20s_ago = hs256(R"({"exp":)" + std::to_string(kNow - 20) + "}");
  const std::string valid_in_20s = hs256(R"({"nbf":)" + std::to_string(kNow + 20) + "}");
  const std::string expired_40s_ago = hs256(R"({"exp":)" + std::to_string(kNow - 40) + "}");
  EXPECT_EQ(lenient.verify_connection(expired_20s_ago, kNow).status, TokenStatus::ok);
  EXPECT_EQ(lenient.verify_connection(valid_in_20s, kNow).status, TokenStatus::ok);
  EXPECT_EQ(lenient.verify_connection(expired_40s_ago, kNow).status, TokenStatus::expired);
  EXPECT_EQ(strict.verify_connection(expired_20s_ago, kNow).status, TokenStatus::expired);
  EXPECT_EQ(strict.verify_connection(valid_in_20s, kNow).status, TokenStatus::expired);
}

// ---- expiry ----

TEST(TokenTest, ExpAndNbf) {
  const TokenVerifier verifier(hmac_options());
  const auto status = [&](const std::string& payload) {
    return verifier.verify_connection(hs256(payload), kNow).status;
  };
  EXPECT_EQ(status(R"({"exp":1699999999})"), TokenStatus::expired);
  EXPECT_EQ(status(R"({"exp":1700000000})"), TokenStatus::expired);  // exp is exclusive
  EXPECT_EQ(status(R"({"exp":1700000001})"), TokenStatus::ok);
  EXPECT_EQ(status(R"({"nbf":1700000001})"), TokenStatus::expired);
  EXPECT_EQ(status(R"({"nbf":1700000000})"), TokenStatus::ok);
  EXPECT_EQ(status(R"({"exp":1.7e9})"), TokenStatus::expired);
  EXPECT_EQ(status(R"({"exp":1700000000.5,"nbf":1.6e9})"), TokenStatus::expired);
  EXPECT_EQ(status(R"({"exp":1700000001.5})"), TokenStatus::ok);
  EXPECT_EQ(status(R"({})"), TokenStatus::ok);  // no exp: never expires
  for (const char* bad :
       {R"({"exp":"1800000000"})", R"({"exp":null})", R"({"nbf":true})", R"({"expire_at":"0"})"})
    EXPECT_EQ(status(bad), TokenStatus::invalid) << bad;
}

// A NumericDate may be any JSON number; beyond int64 it saturates to the far future or past
// instead of being cast (undefined) or refused as "not a number".
TEST(TokenTest, HugeTimesSaturate) {
  const TokenVerifier verifier(hmac_options());
  const auto status = [&](const std::string& payload) {
    return verifier.verify_connection(hs256(payload), kNow).status;
  };
  for (const char* far_future :
       {R"({"exp":1e300})", R"({"exp":9.3e18})", R"({"exp":18446744073709551615})",
        R"({"exp":1e20})", R"({"exp":9223372036854775807})", R"({"nbf":-1e300})",
        R"({"nbf":-9223372036854775808})"})
    EXPECT_EQ(status(far_future), TokenStatus::ok) << far_future;
  for (const char* far_past :
       {R"({"exp":-1e300})", R"({"exp":-9.3e18})", R"({"exp":-9223372036854775808})",
        R"({"nbf":1e300})", R"({"nbf":18446744073709551615})"})
    EXPECT_EQ(status(far_past), TokenStatus::expired) << far_past;
  // simdjson refuses an integer beyond 2^64 - 1 as a number (1e20 above is fine): not JSON.
  EXPECT_EQ(status(R"({"exp":100000000000000000000})"), TokenStatus::invalid);
}

// As Centrifugo: an expiry more than a year ahead counts as one year from now, so the ttl in
// the connect reply fits its uint32 and the session's deadlines stay within the clock.
TEST(TokenTest, ExpiryIsCappedAtOneYear) {
  const TokenVerifier verifier(hmac_options());
  constexpr std::int64_t kInAYear = kNow + 31'536'000;
  const auto expire_at = [&](const std::string& payload) {
    const auto result = verifier.verify_connection(hs256(payload), kNow);
    EXPECT_EQ(result.status, TokenStatus::ok) << result.reason;
    return result.token.expire_at;
  };
  EXPECT_EQ(expire_at(R"({"exp":253402300799})"), kInAYear);  // year 9999
  EXPECT_EQ(expire_at(R"({"exp":9223372036854775807})"), kInAYear);
  EXPECT_EQ(expire_at(R"({"exp":18446744073709551615})"), kInAYear);
  EXPECT_EQ(expire_at(R"({"exp":1e300})"), kInAYear);
  EXPECT_EQ(expire_at(R"({"exp":)" + std::to_string(kNow + (std::int64_t{1} << 32)) + "}"),
            kInAYear);
  EXPECT_EQ(expire_at(R"({"exp":1800000000,"expire_at":9223372036854775807})"), kInAYear);
  EXPECT_EQ(expire_at(R"({"exp":)" + std::to_string(kInAYear + 1) + "}"), kInAYear);
  EXPECT_EQ(expire_at(R"({"exp":)" + std::to_string(kInAYear) + "}"), kInAYear);
  EXPECT_EQ(expire_at(R"({"exp":)" + std::to_string(kInAYear - 1) + "}"), kInAYear - 1);

  const auto sub = verifier.verify_subscription(
      hs256(R"({"sub":"42","channel":"a:b","exp":253402300799})"), kNow);
  ASSERT_EQ(sub.status, TokenStatus::ok) << sub.reason;
  EXPECT_EQ(sub.token.expire_at, kInAYear);
  const auto sub_expire_at = verifier.verify_subscription(
      hs256(R"({"sub":"42","channel":"a:b","expire_at":1e300})"), kNow);
  EXPECT_EQ(sub_expire_at.token.expire_at, kInAYear);
}

TEST(TokenTest, ExpiredTokenKeepsItsVerifiedClaimsForLogs) {
  const TokenVerifier verifier(hmac_options());
  const auto result = verifier.verify_connection(hs256(R"({"sub":"42","exp":1})"), kNow);
  EXPECT_EQ(result.status, TokenStatus::expired);
  EXPECT_EQ(result.reason, "token expired");
  EXPECT_EQ(result.token.identity.user, "42");
}

TEST(TokenTest, ExpireAtOverridesExpForConnectionExpiry) {
  const TokenVerifier verifier(hmac_options());
  const auto expire_at = [&](const std::string& payload) {
    const auto result = verifier.verify_connection(hs256(payload), kNow);
    EXPECT_EQ(result.status, TokenStatus::ok) << result.reason;
    return result.token.expire_at;
  };
  EXPECT_EQ(expire_at(R"({"exp":1710000000,"expire_at":0})"), std::nullopt);
  EXPECT_EQ(expire_at(R"({"exp":1710000000,"expire_at":1705000000})"), 1705000000);
  EXPECT_EQ(expire_at(R"({"exp":1710000000})"), 1710000000);
  EXPECT_EQ(expire_at(R"({})"), std::nullopt);
  // expire_at 0 does not excuse a passed exp.
  EXPECT_EQ(verifier.verify_connection(hs256(R"({"exp":1,"expire_at":0})"), kNow).status,
            TokenStatus::expired);
}

// ---- connection claims ----

TEST(TokenTest, ForbiddenCharactersInSubOrTenant) {
  const TokenVerifier verifier(hmac_options());
  for (const std::string_view c :
       {":", "*", "{", "}", "#", " ", "\\t", "\\n", "\\u0000", "\\u007f", "\\u00e9"}) {
    const std::string value = "a" + std::string(c) + "b";
    const auto sub = verifier.verify_connection(hs256(R"({"sub":")" + value + "\"}"), kNow);
    EXPECT_EQ(sub.status, TokenStatus::invalid) << c;
    EXPECT_EQ(sub.reason, "forbidden character in sub") << c;
    const auto tenant = verifier.verify_connection(hs256(R"({"tenantId":")" + value + "\"}"), kNow);
    EXPECT_EQ(tenant.status, TokenStatus::invalid) << c;
    EXPECT_EQ(tenant.reason, "forbidden character in tenant claim") << c;
  }
  EXPECT_EQ(verifier.verify_connection(hs256(R"({"sub":"a-b_c.d@e|f"})"), kNow).status,
            TokenStatus::ok);
}

TEST(TokenTest, ValidIdentityValue) {
  EXPECT_TRUE(valid_identity_value(""));
  EXPECT_TRUE(valid_identity_value("user-42@example.com"));
  for (const std::string_view bad : {"a:b", "*", "{x}", "#1", "a b", "\t", "a\nb", "\x7f", "é"})
    EXPECT_FALSE(valid_identity_value(bad)) << bad;
}

TEST(TokenTest, ClaimTypesAreChecked) {
  const TokenVerifier verifier(hmac_options());
  for (const char* payload :
       {R"({"sub":42})", R"({"sub":null})", R"({"tenantId":7})", R"({"roles":"admin"})",
        R"({"roles":["a",1]})", R"({"channels":"a:b"})", R"({"channels":[null]})"})
    EXPECT_EQ(verifier.verify_connection(hs256(payload), kNow).status, TokenStatus::invalid)
        << payload;
  const auto anon = verifier.verify_connection(hs256(R"({"sub":""})"), kNow);
  EXPECT_EQ(anon.status, TokenStatus::ok);
  EXPECT_EQ(anon.token.identity.user, "");
  EXPECT_TRUE(anon.token.identity.roles.empty());
  EXPECT_EQ(anon.token.identity.tenant, "");
}

TEST(TokenTest, ChannelClaimMakesConnectionTokenInvalid) {
  const TokenVerifier verifier(hmac_options());
  const auto result = verifier.verify_connection(hs256(R"({"sub":"1","channel":"a:b"})"), kNow);
  EXPECT_EQ(result.status, TokenStatus::invalid);
  EXPECT_EQ(result.reason, "channel claim in connection token");
}

TEST(TokenTest, InfoIsKeptAsCompactRawJson) {
  const TokenVerifier verifier(hmac_options());
  const std::string payload =
      "{\"info\": {\n  \"name\" : \"Al\\nice\",\n  \"tags\": [1, 2.5, true, null] } }";
  const auto result = verifier.verify_connection(hs256(payload), kNow);
  ASSERT_EQ(result.status, TokenStatus::ok) << result.reason;
  EXPECT_EQ(result.token.identity.info, R"({"name":"Al\nice","tags":[1,2.5,true,null]})");
  EXPECT_EQ(verifier.verify_connection(hs256(R"({"info":"x"})"), kNow).token.identity.info,
            R"("x")");
}

TEST(TokenTest, ChannelsClaim) {
  const TokenVerifier verifier(hmac_options());
  const auto result =
      verifier.verify_connection(hs256(R"({"channels":["user:1:notes","system:news"]})"), kNow);
  ASSERT_EQ(result.status, TokenStatus::ok);
  EXPECT_EQ(result.token.channels, (std::vector<std::string>{"user:1:notes", "system:news"}));
}

TEST(TokenTest, ConfiguredClaimNames) {
  config::TokenOptions options = hmac_options();
  options.tenant_claim = "tid";
  options.roles_claim = "perms";
  const TokenVerifier verifier(options);
  const auto result = verifier.verify_connection(
      hs256(R"({"tid":"t9","perms":["admin"],"tenantId":"ignored","roles":"ignored"})"), kNow);
  ASSERT_EQ(result.status, TokenStatus::ok) << result.reason;
  EXPECT_EQ(result.token.identity.tenant, "t9");
  EXPECT_EQ(result.token.identity.roles, std::vector<std::string>{"admin"});
}

TEST(TokenTest, AudienceAndIssuer) {
  config::TokenOptions options = hmac_options();
  options.audience = "neo";
  options.issuer = "https://auth.example";
  const TokenVerifier verifier(options);
  const auto status = [&](const std::string& claims) {
    return verifier.verify_connection(hs256("{" + claims + "}"), kNow).status;
  };
  const std::string iss = R"("iss":"https://auth.example")";
  EXPECT_EQ(status(R"("aud":"neo",)" + iss), TokenStatus::ok);
  EXPECT_EQ(status(R"("aud":["other","neo"],)" + iss), TokenStatus::ok);
  EXPECT_EQ(status(R"("aud":"other",)" + iss), TokenStatus::invalid);
  EXPECT_EQ(status(R"("aud":["other"],)" + iss), TokenStatus::invalid);
  EXPECT_EQ(status(R"("aud":["neox"],)" + iss), TokenStatus::invalid);
  EXPECT_EQ(status(R"("aud":7,)" + iss), TokenStatus::invalid);
  EXPECT_EQ(status(iss), TokenStatus::invalid);
  EXPECT_EQ(status(R"("aud":"neo","iss":"https://evil.example")"), TokenStatus::invalid);
  EXPECT_EQ(status(R"("aud":"neo")"), TokenStatus::invalid);
  // aud/iss are checked before expiry: a wrong audience is invalid even when expired.
  EXPECT_EQ(status(R"("aud":"x","exp":1,)" + iss), TokenStatus::invalid);

  const TokenVerifier unchecked(hmac_options());
  EXPECT_EQ(unchecked.verify_connection(hs256(R"({"aud":"any","iss":"any"})"), kNow).status,
            TokenStatus::ok);
}

// ---- subscription tokens ----

TEST(TokenTest, SubscriptionToken) {
  const TokenVerifier verifier(hmac_options());
  const auto result = verifier.verify_subscription(
      hs256(R"({"sub":"42","channel":"$private:room1","info":{"a": 1},"data":[ "x" ],)"
            R"("exp":1710000000,"override":{"presence":{"value":true}}})"),
      kNow);
  ASSERT_EQ(result.status, TokenStatus::ok) << result.reason;
  EXPECT_EQ(result.token.user, "42");
  EXPECT_EQ(result.token.channel, "$private:room1");
  EXPECT_EQ(result.token.info, R"({"a":1})");
  EXPECT_EQ(result.token.data, R"(["x"])");
  EXPECT_EQ(result.token.expire_at, 1710000000);

  const auto no_expiry = verifier.verify_subscription(
      hs256(R"({"channel":"a:b","exp":1800000000,"expire_at":0})"), kNow);
  EXPECT_EQ(no_expiry.status, TokenStatus::ok);
  EXPECT_EQ(no_expiry.token.expire_at, std::nullopt);
  EXPECT_EQ(no_expiry.token.info, "");
  EXPECT_EQ(no_expiry.token.data, "");
}

TEST(TokenTest, SubscriptionTokenNeedsAChannel) {
  const TokenVerifier verifier(hmac_options());
  const auto missing = verifier.verify_subscription(hs256(R"({"sub":"42"})"), kNow);
  EXPECT_EQ(missing.status, TokenStatus::invalid);
  EXPECT_EQ(missing.reason, "missing channel claim");
  for (const char* payload : {R"({"channel":""})", R"({"channel":5})", R"({"channel":null})"})
    EXPECT_EQ(verifier.verify_subscription(hs256(payload), kNow).status, TokenStatus::invalid)
        << payload;
  EXPECT_EQ(
      verifier.verify_subscription(hs256(R"({"channel":"a:b","nbf":1800000000})"), kNow).status,
      TokenStatus::expired);
}

TEST(TokenTest, ReasonNeverContainsTheTokenOrSecret) {
  const TokenVerifier verifier(hmac_options());
  for (const std::string& jwt :
       {hs256(R"({"sub":"a:b"})"), hs256("x"), std::string("garbage"),
        sign_hmac_jwt(HmacAlg::hs256, "nope", "{}"), hs256(R"({"exp":1})")}) {
    const auto reason = verifier.verify_connection(jwt, kNow).reason;
    EXPECT_FALSE(reason.empty());
    EXPECT_EQ(reason.find(jwt), std::string::npos);
    EXPECT_EQ(reason.find(kSecret), std::string::npos);
    EXPECT_EQ(reason.find("a:b"), std::string::npos);
  }
}

}  // namespace
}  // namespace neo::auth
