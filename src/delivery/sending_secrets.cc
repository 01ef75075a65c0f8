#include "delivery/sending_secrets.h"

#include "common/client_identity.h"
#include "common/crypto.h"
#include "webhooks/client_certificate.h"
#include "webhooks/rule_credentials.h"

namespace lw {

namespace {
constexpr int64_t kForgetAfterMs = 10 * 60'000;
constexpr const char* kNoKey =
    "a secret of this rule cannot be opened: this node's --secret-key-file is not the one it was "
    "sealed with";
}  // namespace

void SendingSecrets::Open(const deliveries::Claimed& d, ForRule& r) const {
  r.headers = d.headers;
  r.auth = d.auth;
  r.lines.clear();
  r.oauth2.reset();
  r.refusal.clear();
  RuleCredentials sealed;
  try {
    sealed = {HeadersFromStorage(d.headers), AuthFromStorage(d.auth)};
  } catch (const std::exception&) {
    // Not as this build writes it (edited by hand?): never sent without it.
    r.refusal =
        "this rule's stored headers or authentication cannot be read; enter them again on the "
        "rule";
    return;
  }
  auto plain = box_ ? OpenCredentials(sealed, *box_) : std::nullopt;
  if (!plain) {
    r.refusal = kNoKey;
    return;
  }
  for (const auto& h : plain->headers) r.lines.push_back(h.name + ": " + h.value);
  // Checked when saved; checked again, since a line break here would let a
  // stored value (written by hand, or by an older build) add headers.
  for (const std::string& line : r.lines)
    if (line.find_first_of("\r\n") != std::string::npos) {
      r.lines.clear();
      r.refusal = "a header of this rule holds a line break; save the rule again";
      return;
    }
  const RuleAuth& a = plain->auth;
  switch (a.type) {
    case AuthType::kNone:
      break;
    case AuthType::kBasic:
      r.lines.push_back("Authorization: Basic " + crypto::Base64(a.username + ":" + a.secret));
      break;
    case AuthType::kBearer:
      r.lines.push_back("Authorization: Bearer " + a.secret);
      break;
    case AuthType::kOAuth2ClientCredentials: {
      auto client = std::make_shared<OAuth2Client>();
      const std::string who = a.token_url + '\0' + a.client_id + '\0' + a.secret + '\0' + a.scope;
      client->key = std::to_string(d.org_id) + "|" + crypto::Sha256Hex(who);
      client->token_url = a.token_url;
      client->client_id = a.client_id;
      client->client_secret = a.secret;
      client->scope = a.scope;
      r.oauth2 = std::move(client);
      break;
    }
  }
}

void SendingSecrets::Open(const std::string& stored, ForOrg& o) const {
  o.stored = stored;
  o.identity.reset();
  o.refusal.clear();
  if (!box_) {
    o.refusal = kNoKey;
    return;
  }
  try {
    auto id = OpenClientCertificate(stored, *box_);
    if (id)
      o.identity = std::move(*id);
    else
      o.refusal = id.error().message;
  } catch (const std::exception&) {
    o.refusal = "the organization's stored client certificate cannot be read; upload it again";
  }
}

void SendingSecrets::Apply(const deliveries::Claimed& d, DeliveryJob& job, int64_t now) {
  if (!d.headers.empty() || !d.auth.empty()) {
    ForRule& r = rules_[d.rule_id];
    if (r.used_at == 0 || r.headers != d.headers || r.auth != d.auth) Open(d, r);
    r.used_at = now;
    job.headers.insert(job.headers.end(), r.lines.begin(), r.lines.end());
    job.oauth2 = r.oauth2;
    if (!r.refusal.empty()) job.refusal = r.refusal;
  }
  if (!d.client_certificate.empty()) {
    ForOrg& o = orgs_[d.org_id];
    if (o.used_at == 0 || o.stored != d.client_certificate) Open(d.client_certificate, o);
    o.used_at = now;
    job.identity = o.identity;
    if (!o.refusal.empty() && job.refusal.empty()) job.refusal = o.refusal;
  }
}

void SendingSecrets::Open(const deliveries::Claimed& d, ForSigning& s) const {
  s.hmac = d.keys;
  s.ed25519 = d.ed25519_keys;
  s.refusal.clear();
  auto keys = std::make_shared<SigningKeys>();
  keys->hmac = d.keys;
  for (const std::string& sealed : d.ed25519_keys) {
    auto seed = box_ ? box_->Open(sealed) : std::nullopt;
    auto key = seed ? Ed25519Key::FromSeed(*seed) : nullptr;
    if (!key) {
      s.refusal =
          "the organization's Ed25519 signing key cannot be opened: this node's "
          "--secret-key-file is not the one it was sealed with";
      break;
    }
    keys->ed25519.push_back(std::move(key));
  }
  s.keys = std::move(keys);
}

std::shared_ptr<const SigningKeys> SendingSecrets::KeysFor(const deliveries::Claimed& d,
                                                           int64_t now, std::string& refusal) {
  ForSigning& s = signing_[d.org_id];
  if (s.used_at == 0 || s.hmac != d.keys || s.ed25519 != d.ed25519_keys) Open(d, s);
  s.used_at = now;
  if (!s.refusal.empty()) refusal = s.refusal;
  return s.keys;
}

void SendingSecrets::Prune(int64_t now) {
  std::erase_if(rules_, [&](const auto& e) { return now - e.second.used_at > kForgetAfterMs; });
  std::erase_if(orgs_, [&](const auto& e) { return now - e.second.used_at > kForgetAfterMs; });
  std::erase_if(signing_, [&](const auto& e) { return now - e.second.used_at > kForgetAfterMs; });
}

}  // namespace lw
