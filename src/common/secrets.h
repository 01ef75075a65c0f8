// The secrets Leadwire hands out: API tokens ("lw_…", stored as SHA-256),
// session ids, CSRF tokens, webhook keys ("whsec_" + base64 of 32 random
// bytes), and Argon2id password hashes (libsodium). Any thread.
#pragma once

#include <string>
#include <string_view>

namespace lw::secrets {

std::string NewApiToken();                      // "lw_" + 43 url-safe characters
std::string NewSessionToken();                  // opaque cookie value
std::string NewWebhookKey();                    // "whsec_" + base64(32 random bytes)
std::string TokenHash(std::string_view token);  // what the database keeps

std::string HashPassword(std::string_view password);
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace lw::secrets
