// Webhook signatures (product spec §6), both schemes:
//  - Standard Webhooks: webhook-signature "v1,<base64 HMAC-SHA256>" over
//    "{webhook-id}.{webhook-timestamp}.{body}", keyed by the bytes the base64
//    after "whsec_" stands for; space-separated when two keys are valid.
//    With Ed25519 on, also "v1a,<base64 Ed25519 signature>" of the same content
//    for each of the organization's Ed25519 keys.
//  - Leadwire's simple one: X-Leadwire-Signature "sha256=<hex HMAC-SHA256>" of
//    the body, keyed by the whole "whsec_…" string.
// Pure functions; verification compares in constant time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lw {

class Ed25519Key;

// "v1,…" for one key, or nullopt when the key is not "whsec_" + base64.
std::optional<std::string> StandardSignature(std::string_view whsec_key, std::string_view msg_id,
                                             int64_t timestamp_s, std::string_view body);
// "v1a,…": the same content signed with an Ed25519 key.
std::string AsymmetricSignature(const Ed25519Key& key, std::string_view msg_id, int64_t timestamp_s,
                                std::string_view body);
// The webhook-signature header value for every key given (current first):
// the "v1," entries, then the "v1a," ones.
std::string StandardSignatureHeader(
    const std::vector<std::string>& whsec_keys, std::string_view msg_id, int64_t timestamp_s,
    std::string_view body, const std::vector<std::shared_ptr<const Ed25519Key>>& ed25519_keys = {});
std::string LeadwireSignature(std::string_view whsec_key, std::string_view body);

// True when any "v1,…" entry of the header matches under the key.
bool VerifyStandardSignature(std::string_view header, std::string_view whsec_key,
                             std::string_view msg_id, int64_t timestamp_s, std::string_view body);
// True when any "v1a,…" entry of the header verifies under the public key
// ("whpk_…").
bool VerifyAsymmetricSignature(std::string_view header, std::string_view whpk,
                               std::string_view msg_id, int64_t timestamp_s, std::string_view body);
bool VerifyLeadwireSignature(std::string_view header, std::string_view whsec_key,
                             std::string_view body);

}  // namespace lw
