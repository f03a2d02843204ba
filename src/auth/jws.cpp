#include "auth/jws.h"
#include "core/file.h"

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <climits>
#include <stdexcept>
#include <utility>

namespace neo::auth::detail {
namespace {

struct NamedAlg {
  std::string_view name;
  Alg alg;
};

const std::array<NamedAlg, 9> kAlgs{{
    {"HS256", {Family::hmac, EVP_sha256, 0}},
    {"HS384", {Family::hmac, EVP_sha384, 0}},
    {"HS512", {Family::hmac, EVP_sha512, 0}},
    {"RS256", {Family::rsa, EVP_sha256, 0}},
    {"RS384", {Family::rsa, EVP_sha384, 0}},
    {"RS512", {Family::rsa, EVP_sha512, 0}},
    {"ES256", {Family::ec, EVP_sha256, 32}},
    {"ES384", {Family::ec, EVP_sha384, 48}},
    {"ES512", {Family::ec, EVP_sha512, 66}},
}};

struct BioFree {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const noexcept { X509_free(cert); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Public keys are never encrypted: refuse instead of prompting on a terminal.
int no_password(char*, int, int, void*) { return 0; }

// The value is PEM text when it starts with "-----BEGIN", otherwise a file path.
std::string pem_text(const std::string& value, const std::string& what) {
  const auto start = value.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && value.compare(start, 10, "-----BEGIN") == 0) return value;
  std::string text;
  if (read_file(value, text)) throw std::runtime_error(what + ": cannot read " + value);
  return text;
}

PkeyPtr read_pem(const std::string& pem, bool as_certificate) {
  if (pem.size() > INT_MAX) return nullptr;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  if (!as_certificate)
    return PkeyPtr(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr));
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr));
  return PkeyPtr(cert ? X509_get_pubkey(cert.get()) : nullptr);
}

// A SubjectPublicKeyInfo ("PUBLIC KEY") or the key of a certificate, as Centrifugo accepts.
PkeyPtr load_public_key(const std::string& value, const std::string& what) {
  const std::string pem = pem_text(value, what);
  PkeyPtr key = read_pem(pem, false);
  if (!key) key = read_pem(pem, true);
  ERR_clear_error();
  if (!key) throw std::runtime_error(what + ": no PEM public key or certificate found");
  return key;
}

std::size_t ec_coordinate_bytes(EVP_PKEY* key) {
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &len) != 1) return 0;
  int nid = OBJ_sn2nid(group.data());
  if (nid == NID_undef) nid = EC_curve_nist2nid(group.data());
  switch (nid) {
    case NID_X9_62_prime256v1:
      return 32;
    case NID_secp384r1:
      return 48;
    case NID_secp521r1:
      return 66;
    default:
      return 0;
  }
}

std::optional<std::string> try_hmac(const EVP_MD* digest, std::string_view key,
                                    std::string_view data) {
  static const unsigned char empty = 0;  // OpenSSL wants a non-null key even when empty
  if (key.size() > INT_MAX) return std::nullopt;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&empty) : key.data();
  if (!HMAC(digest, key_ptr, static_cast<int>(key.size()), bytes(data), data.size(), out.data(),
            &len))
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

bool verify_hmac(const KeySet& keys, const Alg& alg, std::string_view input,
                 std::string_view signature) {
  const auto mac = try_hmac(alg.digest(), keys.hmac_secret, input);
  return mac && mac->size() == signature.size() &&
         CRYPTO_memcmp(mac->data(), signature.data(), signature.size()) == 0;
}

bool verify_digest(EVP_PKEY* key, const EVP_MD* digest, std::string_view input,
                   std::string_view der_signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), bytes(der_signature), der_signature.size(),
                                   bytes(input), input.size()) == 1;
  ERR_clear_error();
  return ok;
}

// JWS carries ECDSA as fixed-width r||s; OpenSSL verifies the DER SEQUENCE form.
std::optional<std::string> ecdsa_raw_to_der(std::string_view raw, std::size_t n) {
  if (raw.size() != 2 * n) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(raw), static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw.substr(n)), static_cast<int>(n), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return std::nullopt;
  return der;
}

}  // namespace

std::optional<Alg> find_alg(std::string_view name) {
  for (const auto& entry : kAlgs)
    if (entry.name == name) return entry.alg;
  return std::nullopt;
}

KeySet load_keys(const config::TokenOptions& options) {
  KeySet keys;
  keys.hmac_secret = options.hmac_secret;
  if (!options.rsa_public_key.empty()) {
    keys.rsa = load_public_key(options.rsa_public_key, "rsa_public_key");
    if (EVP_PKEY_is_a(keys.rsa.get(), "RSA") != 1)
      throw std::runtime_error("rsa_public_key: not an RSA key");
  }
  if (!options.ecdsa_public_key.empty()) {
    keys.ec = load_public_key(options.ecdsa_public_key, "ecdsa_public_key");
    if (EVP_PKEY_is_a(keys.ec.get(), "EC") == 1)
      keys.ec_coordinate_bytes = ec_coordinate_bytes(keys.ec.get());
    if (keys.ec_coordinate_bytes == 0)
      throw std::runtime_error("ecdsa_public_key: not an EC key on P-256, P-384 or P-521");
  }
  return keys;
}

bool has_key_for(const KeySet& keys, const Alg& alg) {
  switch (alg.family) {
    case Family::hmac:
      return !keys.hmac_secret.empty();
    case Family::rsa:
      return keys.rsa != nullptr;
    case Family::ec:
      return keys.ec != nullptr && keys.ec_coordinate_bytes == alg.ec_coordinate_bytes;
  }
  return false;
}

bool verify_signature(const KeySet& keys, const Alg& alg, std::string_view signing_input,
                      std::string_view signature) {
  if (!has_key_for(keys, alg)) return false;
  switch (alg.family) {
    case Family::hmac:
      return verify_hmac(keys, alg, signing_input, signature);
    case Family::rsa:
      return verify_digest(keys.rsa.get(), alg.digest(), signing_input, signature);
    case Family::ec: {
      const auto der = ecdsa_raw_to_der(signature, alg.ec_coordinate_bytes);
      return der && verify_digest(keys.ec.get(), alg.digest(), signing_input, *der);
    }
  }
  return false;
}

std::string hmac(const EVP_MD* digest, std::string_view key, std::string_view data) {
  auto mac = try_hmac(digest, key, data);
  if (!mac) throw std::runtime_error("HMAC failed");
  return std::move(*mac);
}

}  // namespace neo::auth::detail
