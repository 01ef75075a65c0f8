#include "webhooks/signature.h"

#include "common/crypto.h"
#include "common/ed25519.h"

namespace lw {

namespace {

std::optional<std::string> KeyBytes(std::string_view whsec_key) {
  if (!whsec_key.starts_with("whsec_")) return std::nullopt;
  return crypto::Base64Decode(whsec_key.substr(6));
}

std::string SignedContent(std::string_view msg_id, int64_t ts, std::string_view body) {
  std::string content;
  content.reserve(msg_id.size() + body.size() + 24);
  content.append(msg_id).append(".").append(std::to_string(ts)).append(".").append(body);
  return content;
}

}  // namespace

std::optional<std::string> StandardSignature(std::string_view whsec_key, std::string_view msg_id,
                                             int64_t timestamp_s, std::string_view body) {
  auto key = KeyBytes(whsec_key);
  if (!key) return std::nullopt;
  return "v1," + crypto::Base64(crypto::HmacSha256(*key, SignedContent(msg_id, timestamp_s, body)));
}

std::string AsymmetricSignature(const Ed25519Key& key, std::string_view msg_id, int64_t timestamp_s,
                                std::string_view body) {
  return "v1a," + crypto::Base64(key.Sign(SignedContent(msg_id, timestamp_s, body)));
}

std::string StandardSignatureHeader(
    const std::vector<std::string>& whsec_keys, std::string_view msg_id, int64_t timestamp_s,
    std::string_view body, const std::vector<std::shared_ptr<const Ed25519Key>>& ed25519_keys) {
  const std::string content = SignedContent(msg_id, timestamp_s, body);
  std::string header;
  auto add = [&](std::string sig) {
    if (!header.empty()) header += ' ';
    header += sig;
  };
  for (const auto& key : whsec_keys)
    if (auto bytes = KeyBytes(key))
      add("v1," + crypto::Base64(crypto::HmacSha256(*bytes, content)));
  for (const auto& key : ed25519_keys) add("v1a," + crypto::Base64(key->Sign(content)));
  return header;
}

std::string LeadwireSignature(std::string_view whsec_key, std::string_view body) {
  return "sha256=" + crypto::Hex(crypto::HmacSha256(whsec_key, body));
}

bool VerifyStandardSignature(std::string_view header, std::string_view whsec_key,
                             std::string_view msg_id, int64_t timestamp_s, std::string_view body) {
  auto expected = StandardSignature(whsec_key, msg_id, timestamp_s, body);
  if (!expected) return false;
  bool found = false;
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t end = header.find(' ', pos);
    if (end == std::string_view::npos) end = header.size();
    // Check every entry, without stopping early, so timing says nothing.
    found |= crypto::ConstantTimeEquals(header.substr(pos, end - pos), *expected);
    pos = end + 1;
  }
  return found;
}

bool VerifyAsymmetricSignature(std::string_view header, std::string_view whpk,
                               std::string_view msg_id, int64_t timestamp_s,
                               std::string_view body) {
  auto public_key = PublicKeyBytes(whpk);
  if (!public_key) return false;
  const std::string content = SignedContent(msg_id, timestamp_s, body);
  bool found = false;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(' ', pos);
    if (end == std::string_view::npos) end = header.size();
    const std::string_view entry = header.substr(pos, end - pos);
    // A public key forges nothing: no need for constant time here.
    if (entry.starts_with("v1a,"))
      if (auto sig = crypto::Base64Decode(entry.substr(4)))
        found = found || Ed25519Verify(*public_key, *sig, content);
    pos = end + 1;
  }
  return found;
}

bool VerifyLeadwireSignature(std::string_view header, std::string_view whsec_key,
                             std::string_view body) {
  return crypto::ConstantTimeEquals(header, LeadwireSignature(whsec_key, body));
}

}  // namespace lw
