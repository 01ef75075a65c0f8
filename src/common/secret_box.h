// SecretBox: the key that seals the secrets Leadwire must keep and send
// (rules' header values, passwords, tokens, OAuth2 client secrets, client
// certificate keys) before they reach the database — libsodium's secretbox
// (XSalsa20-Poly1305), a random nonce per value. The key lives in a file of
// its own (--secret-key-file), never in the database, so a copy of the
// database holds no usable secret. Immutable once loaded; any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace lw {

class SecretBox {
 public:
  // Reads the key file (one line: base64 of 32 bytes); the error is one
  // sentence naming the file and what to do.
  static Result<std::shared_ptr<const SecretBox>> Load(const std::string& path);
  // Writes a new random key to `path` (mode 0600) unless the file exists;
  // true when it made one.
  static Result<bool> CreateIfMissing(const std::string& path);
  // A box over these 32 bytes (tests).
  static std::shared_ptr<const SecretBox> FromKey(std::string_view key);

  // "sb1:" + base64(nonce ‖ sealed bytes): the stored form.
  std::string Seal(std::string_view plain) const;
  // The plain text, or nothing when `sealed` was not sealed with this key
  // (or is not a sealed value at all).
  std::optional<std::string> Open(std::string_view sealed) const;

  ~SecretBox();
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

 private:
  explicit SecretBox(std::string_view key);
  unsigned char key_[32];
};

// Where a SQLite database's key file is when --secret-key-file is not
// given: next to it ("PATH.key"). Empty for other databases.
std::string DefaultSecretKeyFile(const std::string& db_url);

}  // namespace lw
