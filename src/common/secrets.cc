#include "common/secrets.h"

#include <cstdlib>

#include "common/crypto.h"
#include "common/sodium_init.h"

namespace lw::secrets {

namespace {

std::string UrlSafe(std::string b64) {
  for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return b64;
}

}  // namespace

std::string NewApiToken() { return "lw_" + UrlSafe(crypto::Base64(crypto::RandomBytes(32))); }
std::string NewSessionToken() { return UrlSafe(crypto::Base64(crypto::RandomBytes(32))); }
std::string NewWebhookKey() { return "whsec_" + crypto::Base64(crypto::RandomBytes(32)); }
std::string TokenHash(std::string_view token) { return crypto::Sha256Hex(token); }

std::string HashPassword(std::string_view password) {
  EnsureSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    std::abort();  // only out of memory
  return out;
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  EnsureSodium();
  const std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

}  // namespace lw::secrets
