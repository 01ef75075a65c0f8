// SendingSecrets: what a claimed delivery sends besides its signed webhook —
// its rule's own headers, Basic or Bearer authorization or OAuth2 client,
// its organization's client certificate and Ed25519 signing keys — opened from their sealed form
// (SecretBox) once per rule and once per organization, and again when what
// is stored changes. The dispatcher's thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/ed25519.h"
#include "common/secret_box.h"
#include "delivery/delivery_job.h"
#include "webhooks/delivery_repository.h"

namespace lw {

class SendingSecrets {
 public:
  explicit SendingSecrets(std::shared_ptr<const SecretBox> box) : box_(std::move(box)) {}

  // Adds them to the job built for `d`. One that cannot be opened (sealed
  // with another key) sets job.refusal: that attempt fails and says why.
  void Apply(const deliveries::Claimed& d, DeliveryJob& job, int64_t now);
  // The keys `d` is signed with: its organization's HMAC keys, and its
  // Ed25519 ones when it signs with them too (shared by its jobs while
  // they stay the same). An Ed25519 key that cannot be opened sets
  // `refusal`.
  std::shared_ptr<const SigningKeys> KeysFor(const deliveries::Claimed& d, int64_t now,
                                             std::string& refusal);
  // Forgets what has not been used for ten minutes (rules come and go).
  void Prune(int64_t now);

 private:
  struct ForRule {
    std::string headers, auth;  // as stored: the cache key
    std::vector<std::string> lines;
    std::shared_ptr<const OAuth2Client> oauth2;
    std::string refusal;
    int64_t used_at = 0;
  };
  struct ForOrg {
    std::string stored;
    std::shared_ptr<const ClientIdentity> identity;
    std::string refusal;
    int64_t used_at = 0;
  };
  struct ForSigning {
    std::vector<std::string> hmac, ed25519;  // as claimed: the cache key
    std::shared_ptr<const SigningKeys> keys;
    std::string refusal;
    int64_t used_at = 0;
  };
  void Open(const deliveries::Claimed& d, ForSigning& s) const;
  void Open(const deliveries::Claimed& d, ForRule& r) const;
  void Open(const std::string& stored, ForOrg& o) const;

  std::shared_ptr<const SecretBox> box_;
  std::map<int64_t, ForRule> rules_;
  std::map<int64_t, ForOrg> orgs_;
  std::map<int64_t, ForSigning> signing_;  // by organization
};

}  // namespace lw
