#include "common/ed25519.h"

#include <cstring>

#include "common/crypto.h"
#include "common/sodium_init.h"

namespace lw {

static_assert(crypto_sign_SEEDBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 &&
              crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_BYTES == 64);

std::shared_ptr<const Ed25519Key> Ed25519Key::Generate() {
  return FromSeed(crypto::RandomBytes(crypto_sign_SEEDBYTES));
}

std::shared_ptr<const Ed25519Key> Ed25519Key::FromSeed(std::string_view seed) {
  if (seed.size() != crypto_sign_SEEDBYTES) return nullptr;
  EnsureSodium();
  std::shared_ptr<Ed25519Key> key(new Ed25519Key);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, key->secret_, reinterpret_cast<const unsigned char*>(seed.data()));
  return key;
}

Ed25519Key::~Ed25519Key() { sodium_memzero(secret_, sizeof secret_); }

std::string Ed25519Key::Seed() const {
  return std::string(reinterpret_cast<const char*>(secret_), crypto_sign_SEEDBYTES);
}

std::string Ed25519Key::PublicKeyText() const {
  return "whpk_" + crypto::Base64(std::string_view(
                       reinterpret_cast<const char*>(secret_ + crypto_sign_SEEDBYTES),
                       crypto_sign_PUBLICKEYBYTES));
}

std::string Ed25519Key::Sign(std::string_view message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_);
  return sig;
}

std::optional<std::string> PublicKeyBytes(std::string_view whpk) {
  if (!whpk.starts_with("whpk_")) return std::nullopt;
  auto bytes = crypto::Base64Decode(whpk.substr(5));
  if (!bytes || bytes->size() != crypto_sign_PUBLICKEYBYTES) return std::nullopt;
  return bytes;
}

bool Ed25519Verify(std::string_view public_key, std::string_view signature,
                   std::string_view message) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES)
    return false;
  EnsureSodium();
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(signature.data()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
             reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

}  // namespace lw
