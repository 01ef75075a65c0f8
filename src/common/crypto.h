// Hashes, HMAC, encodings and randomness (OpenSSL). Pure functions, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lw::crypto {

std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Hex(std::string_view bytes);
std::string Base64(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);
// Cryptographically secure random bytes; aborts if the system RNG fails.
std::string RandomBytes(size_t n);
// Compares in time that depends only on the lengths, for secrets and MACs.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace lw::crypto
