// An organization's Ed25519 signing (Standard Webhooks "v1a"): the
// `signing` setting ("hmac" or "hmac+ed25519") and the keypair, made when
// Ed25519 is first turned on and rotated with the HMAC key (the previous
// pair signing through the same 24-hour grace). The seed is stored sealed,
// the public key ("whpk_…") as shown. They live on the organization's row;
// this file owns those columns. Functions run inside the caller's
// transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/secret_box.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

inline constexpr const char* kSigningHmac = "hmac";
inline constexpr const char* kSigningEd25519 = "hmac+ed25519";

struct SigningKeypair {
  std::string signing = kSigningHmac;
  std::optional<std::string> public_key;           // none until Ed25519 was first on
  std::optional<std::string> previous_public_key;  // kept with the previous HMAC key
};

SigningKeypair LoadSigningKeypair(sql::Connection& c, int64_t org_id);

// PUT {"signing": …}: makes the keypair when Ed25519 is first turned on
// (`box` seals it); audited when it changes.
Status SetSigning(sql::Connection& c, const Actor& actor, const std::string& signing,
                  const SecretBox* box);
// Called by the key rotation: a new pair, the current one kept as previous.
// Nothing when the organization never had one.
Status RotateSigningKeypair(sql::Connection& c, int64_t org_id, const SecretBox* box);

}  // namespace lw
