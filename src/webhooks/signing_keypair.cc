#include "webhooks/signing_keypair.h"

#include <boost/json.hpp>

#include "common/ed25519.h"
#include "domain/audit_log.h"

namespace lw {

namespace json = boost::json;

namespace {

Result<std::pair<std::string, std::string>> NewSealedPair(const SecretBox* box) {
  if (!box) return Fail(Error::Internal("this server has no secret key to seal secrets with"));
  auto key = Ed25519Key::Generate();
  return std::pair{box->Seal(key->Seed()), key->PublicKeyText()};
}

}  // namespace

SigningKeypair LoadSigningKeypair(sql::Connection& c, int64_t org_id) {
  auto r = c.QueryOne(
      "SELECT signing, ed25519_public_key, previous_ed25519_public_key FROM organizations "
      "WHERE id = ?",
      {org_id});
  if (!r) return {};
  return {r->Text(0), r->OptText(1), r->OptText(2)};
}

Status SetSigning(sql::Connection& c, const Actor& actor, const std::string& signing,
                  const SecretBox* box) {
  const SigningKeypair before = LoadSigningKeypair(c, actor.org_id);
  if (before.signing == signing) return {};
  if (signing == kSigningEd25519 && !before.public_key) {
    auto pair = NewSealedPair(box);
    if (!pair) return Fail(pair.error());
    // Only where none is there yet: of two Admins turning it on at once, the
    // second keeps the first's pair.
    c.Exec(
        "UPDATE organizations SET ed25519_key = ?, ed25519_public_key = ? WHERE id = ? AND "
        "ed25519_public_key IS NULL",
        {pair->first, pair->second, actor.org_id});
  }
  c.Exec("UPDATE organizations SET signing = ? WHERE id = ?", {signing, actor.org_id});
  RecordAudit(c, actor, "webhooks.signing_changed", "organization", actor.org_id,
              json::object{{"signing", signing}, {"previous", before.signing}});
  return {};
}

Status RotateSigningKeypair(sql::Connection& c, int64_t org_id, const SecretBox* box) {
  if (!LoadSigningKeypair(c, org_id).public_key) return {};
  auto pair = NewSealedPair(box);
  if (!pair) return Fail(pair.error());
  c.Exec(
      "UPDATE organizations SET previous_ed25519_key = ed25519_key, "
      "previous_ed25519_public_key = ed25519_public_key, ed25519_key = ?, "
      "ed25519_public_key = ? WHERE id = ?",
      {pair->first, pair->second, org_id});
  return {};
}

}  // namespace lw
