#include "domain/activities.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/events.h"
#include "domain/lead_record.h"
#include "domain/triggers.h"

namespace lw {

namespace json = boost::json;

namespace {

struct FieldSpec {
  const char* key;
  bool required;
  size_t max_chars;
};

struct KindSpec {
  const char* name;  // stored kind
  int trigger_id;
  bool needs_lead;
  std::vector<FieldSpec> fields;
};

const KindSpec& Spec(ActivityKind kind) {
  static const KindSpec kText{"text",
                              trigger::kTextReceived,
                              true,
                              {{"from", true, 200}, {"to", true, 200}, {"body", true, 10000}}};
  static const KindSpec kEmail{
      "email",
      trigger::kEmailReceived,
      true,
      {{"from", true, 254}, {"to", true, 254}, {"subject", false, 1000}, {"body", false, 100000}}};
  static const KindSpec kFile{
      "file",
      trigger::kFileUploaded,
      true,
      {{"file_name", true, 255}, {"url", true, 2048}, {"category", false, 200}}};
  static const KindSpec kExternal{
      "external_send", trigger::kLeadSentToExternal, true, {{"system", true, 200}}};
  static const KindSpec kDataSync{"data_sync",
                                  trigger::kDataSyncCompleted,
                                  false,
                                  {{"report_name", true, 200}, {"file_name", true, 255}}};
  switch (kind) {
    case ActivityKind::kText:
      return kText;
    case ActivityKind::kEmail:
      return kEmail;
    case ActivityKind::kFile:
      return kFile;
    case ActivityKind::kExternalSend:
      return kExternal;
    case ActivityKind::kDataSync:
      return kDataSync;
  }
  return kText;
}

bool IsHttpUrl(const std::string& text) {
  auto url = boost::urls::parse_absolute_uri(text);
  return url && (url->scheme() == "http" || url->scheme() == "https") && url->has_authority() &&
         !url->host().empty();
}

}  // namespace

Result<json::value> RecordActivity(sql::Connection& c, const Actor& actor, ActivityKind kind,
                                   std::optional<int64_t> lead_id, const json::object& body) {
  const KindSpec& spec = Spec(kind);
  std::optional<int64_t> contact_id;
  if (spec.needs_lead) {
    contact_id = LeadContactId(c, actor.org_id, *lead_id);
    if (!contact_id)
      return Fail(Error::NotFound("No lead has id " + std::to_string(*lead_id) + "."));
  }
  FieldReader f(body);
  json::object data;
  for (const auto& field : spec.fields) {
    auto value = field.required ? std::optional(f.RequiredString(field.key, field.max_chars))
                                : f.String(field.key, field.max_chars);
    data[field.key] = value && !value->empty() ? json::value(*value) : json::value(nullptr);
  }
  if (kind == ActivityKind::kFile && data["url"].is_string() &&
      !IsHttpUrl(std::string(data["url"].get_string())))
    f.Fail("url", "must be an absolute http(s) URL");
  LW_CHECK(f.Check());
  const int64_t id = c.InsertId(
      "INSERT INTO activities (org_id, kind, lead_id, data, created_at, created_by) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      {actor.org_id, spec.name, sql::Opt(lead_id), json::serialize(data), actor.now_ms,
       actor.user_id});
  RecordEvent(c, actor, spec.trigger_id,
              {.lead_id = lead_id, .contact_id = contact_id, .subject_id = id});
  json::object out{{"id", id}, {"lead_id", lead_id ? json::value(*lead_id) : json::value(nullptr)}};
  for (auto& [key, value] : data) out[key] = value;
  out["created_at"] = FormatIsoMs(actor.now_ms);
  return out;
}

std::optional<json::object> GetActivity(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne("SELECT data, created_at FROM activities WHERE id = ? AND org_id = ?",
                      {id, org_id});
  if (!r) return std::nullopt;
  json::object a = json::parse(r->Text(0)).as_object();
  a["created_at"] = FormatIsoMs(r->Int(1));
  return a;
}

json::array ListLeadFiles(sql::Connection& c, int64_t org_id, int64_t lead_id) {
  json::array files;
  for (const auto& r :
       c.Query("SELECT id, data, created_at FROM activities WHERE lead_id = ? AND org_id = ? AND "
               "kind = ? ORDER BY id",
               {lead_id, org_id, std::string(Spec(ActivityKind::kFile).name)})) {
    json::object f = json::parse(r.Text(1)).as_object();
    f["id"] = r.Int(0);
    f["created_at"] = FormatIsoMs(r.Int(2));
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace lw
