// JWS algorithms and keys: loading the configured public keys, verifying and making
// signatures. Each algorithm is verified only with the key type it names.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace neo::auth::detail {

enum class Family { hmac, rsa, ec };

struct Alg {
  Family family;
  const EVP_MD* (*digest)();
  std::size_t ec_coordinate_bytes;  // ES*: r and s are each this long in the JWS signature
};

// nullopt for "none" and anything unknown.
std::optional<Alg> find_alg(std::string_view name);

struct PkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The configured keys; an absent key disables its algorithm family.
struct KeySet {
  std::string hmac_secret;
  PkeyPtr rsa;
  PkeyPtr ec;
  std::size_t ec_coordinate_bytes = 0;  // of the EC key's curve: ES256 needs P-256, etc.
};

// Throws std::runtime_error when a configured key cannot be read or has the wrong type.
KeySet load_keys(const config::TokenOptions& options);

// True when `keys` holds a key `alg` may be verified with.
bool has_key_for(const KeySet& keys, const Alg& alg);

bool verify_signature(const KeySet& keys, const Alg& alg, std::string_view signing_input,
                      std::string_view signature);

// Raw HMAC of `data`; throws std::runtime_error if OpenSSL fails.
std::string hmac(const EVP_MD* digest, std::string_view key, std::string_view data);

}  // namespace neo::auth::detail
