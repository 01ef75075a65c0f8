// Ed25519 (libsodium) for Standard Webhooks' asymmetric "v1a" signatures:
// Leadwire signs with an organization's secret key, receivers verify with
// its public key ("whpk_" + base64 of 32 bytes), which cannot forge. The
// secret key lives in the database sealed (common/secret_box.h) as its
// 32-byte seed. Immutable once made; any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lw {

class Ed25519Key {
 public:
  static std::shared_ptr<const Ed25519Key> Generate();
  // From the 32-byte seed; nothing when it is not 32 bytes.
  static std::shared_ptr<const Ed25519Key> FromSeed(std::string_view seed);

  std::string Seed() const;                          // what is stored (sealed)
  std::string PublicKeyText() const;                 // "whpk_…"
  std::string Sign(std::string_view message) const;  // 64 bytes

  ~Ed25519Key();
  Ed25519Key(const Ed25519Key&) = delete;
  Ed25519Key& operator=(const Ed25519Key&) = delete;

 private:
  Ed25519Key() = default;
  unsigned char secret_[64];  // seed ‖ public key, as libsodium signs with it
};

// The 32 bytes of a "whpk_…" text; nothing when it is not one.
std::optional<std::string> PublicKeyBytes(std::string_view whpk);
bool Ed25519Verify(std::string_view public_key, std::string_view signature,
                   std::string_view message);

}  // namespace lw
