#include "webhooks/client_certificate.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/audit_log.h"

namespace lw {

namespace json = boost::json;

namespace {

json::object InfoOf(const ClientIdentity& id) {
  return json::object{
      {"subject", id.subject()}, {"issuer", id.issuer()}, {"not_after", id.not_after_ms()}};
}

}  // namespace

json::value ClientCertificateJson(sql::Connection& c, int64_t org_id, int64_t now_ms) {
  auto r = c.QueryOne("SELECT client_certificate_info FROM organizations WHERE id = ?", {org_id});
  if (!r || r->IsNull(0)) return nullptr;
  const json::object info = json::parse(r->Text(0)).as_object();
  const int64_t not_after = info.at("not_after").as_int64();
  return json::object{{"subject", info.at("subject")},
                      {"issuer", info.at("issuer")},
                      {"not_after", FormatIsoMs(not_after)},
                      {"expires_soon", not_after - now_ms <= kCertificateWarningMs},
                      {"expired", not_after <= now_ms}};
}

Status UpdateClientCertificate(sql::Connection& c, const Actor& actor, const json::object& body,
                               const SecretBox* box) {
  auto it = body.find("client_certificate");
  if (it == body.end()) return {};
  if (it->value().is_null()) {
    if (c.Exec("UPDATE organizations SET client_certificate = NULL, client_certificate_info = "
               "NULL WHERE id = ? AND client_certificate IS NOT NULL",
               {actor.org_id}) > 0)
      RecordAudit(c, actor, "webhooks.client_certificate_removed", "organization", actor.org_id,
                  json::object{});
    return {};
  }
  if (!it->value().is_object())
    return Fail(Error::Field("client_certificate",
                             "must be {\"certificate_pem\":…,\"private_key_pem\":…} or null"));
  FieldReader f(it->value().get_object(), "client_certificate");
  const std::string cert = f.RequiredString("certificate_pem", 100000);
  const std::string key = f.RequiredString("private_key_pem", 100000);
  LW_CHECK(f.Check());
  auto id = ClientIdentity::Parse(cert, key, actor.now_ms);
  if (!id) return Fail(id.error());
  if (!box) return Fail(Error::Internal("this server has no secret key to seal secrets with"));
  const json::object info = InfoOf(**id);
  c.Exec(
      "UPDATE organizations SET client_certificate = ?, client_certificate_info = ? WHERE id = ?",
      {box->Seal(
           json::serialize(json::object{{"certificate_pem", cert}, {"private_key_pem", key}})),
       json::serialize(info), actor.org_id});
  json::object audit = info;
  audit["not_after"] = FormatIsoMs((*id)->not_after_ms());
  RecordAudit(c, actor, "webhooks.client_certificate_set", "organization", actor.org_id, audit);
  return {};
}

Result<std::shared_ptr<const ClientIdentity>> OpenClientCertificate(const std::string& stored,
                                                                    const SecretBox& box) {
  auto plain = box.Open(stored);
  if (!plain)
    return Fail(Error::Internal(
        "the organization's client certificate cannot be opened with this node's secret key"));
  const json::object o = json::parse(*plain).as_object();
  return ClientIdentity::Parse(std::string(o.at("certificate_pem").as_string()),
                               std::string(o.at("private_key_pem").as_string()), std::nullopt);
}

}  // namespace lw
