#include "domain/opportunities.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/contacts.h"
#include "domain/events.h"
#include "domain/leads.h"
#include "domain/lookups.h"
#include "domain/triggers.h"
#include "domain/users.h"

namespace lw {

namespace json = boost::json;

namespace {

constexpr const char* kTextFields[] = {"name",         "first_name", "last_name",
                                       "mobile_phone", "email",      "summary"};

std::string NotFound(int64_t id) { return "No opportunity has id " + std::to_string(id) + "."; }

}  // namespace

Result<json::value> CreateOpportunity(sql::Connection& c, const Actor& actor,
                                      const json::object& body) {
  FieldReader f(body);
  json::object data;
  for (const char* key : kTextFields)
    if (auto v = f.String(key, std::string_view(key) == "summary" ? 10000 : 200)) data[key] = *v;
  if (data.contains("email") && !ValidEmail(std::string(data["email"].get_string())))
    f.Fail("email", "must be an email address");
  if (!data.contains("name") && !data.contains("first_name") && !data.contains("last_name") &&
      f.ok())
    f.Fail("first_name", "a name, first name or last name is required");
  std::optional<int64_t> sources[2];
  const char* source_keys[] = {"marketing_source", "opportunity_source"};
  const char* source_kinds[] = {lookup_kind::kMarketingSource, lookup_kind::kOpportunitySource};
  for (int i = 0; i < 2; ++i) {
    if (auto name = f.String(source_keys[i], 200)) {
      sources[i] = FindLookup(c, actor.org_id, source_kinds[i], *name);
      if (!sources[i])
        f.Fail(source_keys[i], "unknown " + std::string(source_keys[i]) + " \"" + *name + "\"");
    }
  }
  LW_CHECK(f.Check());
  const int64_t id = c.InsertId(
      "INSERT INTO opportunities (org_id, data, marketing_source_id, opportunity_source_id, "
      "state, created_at, created_by) VALUES (?, ?, ?, ?, 'open', ?, ?) RETURNING id",
      {actor.org_id, json::serialize(data), sql::Opt(sources[0]), sql::Opt(sources[1]),
       actor.now_ms, actor.user_id});
  RecordEvent(c, actor, trigger::kOpportunityCreated, {.opportunity_id = id, .subject_id = id});
  return GetOpportunity(c, actor.org_id, id);
}

Result<json::value> GetOpportunity(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne(
      "SELECT data, marketing_source_id, opportunity_source_id, state, lead_id, disregard_reason, "
      "created_at, processed_at FROM opportunities WHERE id = ? AND org_id = ?",
      {id, org_id});
  if (!r) return Fail(Error::NotFound(NotFound(id)));
  const json::object data = json::parse(r->Text(0)).as_object();
  json::object out{{"id", id}};
  for (const char* key : kTextFields) {
    auto it = data.find(key);
    out[key] = it == data.end() ? json::value(nullptr) : it->value();
  }
  auto name_or_null = [&](size_t i) {
    auto name = LookupName(c, org_id, r->OptInt(i));
    return name ? json::value(*name) : json::value(nullptr);
  };
  const auto name = OpportunityName(data);
  out["name"] = name ? json::value(*name) : json::value(nullptr);
  out["marketing_source"] = name_or_null(1);
  out["opportunity_source"] = name_or_null(2);
  out["state"] = r->Text(3);
  out["lead_id"] = r->IsNull(4) ? json::value(nullptr) : json::value(r->Int(4));
  out["disregard_reason"] = r->IsNull(5) ? json::value(nullptr) : json::value(r->Text(5));
  out["created_at"] = FormatIsoMs(r->Int(6));
  out["processed_at"] = r->IsNull(7) ? json::value(nullptr) : json::value(FormatIsoMs(r->Int(7)));
  return out;
}

namespace {

// The opportunity if it is still open; 404 or 409 otherwise.
Result<sql::Row> OpenOpportunity(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne(
      "SELECT data, marketing_source_id, opportunity_source_id, state FROM opportunities "
      "WHERE id = ? AND org_id = ?",
      {id, org_id});
  if (!r) return Fail(Error::NotFound(NotFound(id)));
  if (r->Text(3) != "open")
    return Fail(
        Error::Conflict("opportunity_closed", "The opportunity was already " + r->Text(3) + "."));
  return std::move(*r);
}

}  // namespace

Result<json::value> ConvertOpportunity(sql::Connection& c, const Actor& actor, int64_t id) {
  auto opp = OpenOpportunity(c, actor.org_id, id);
  if (!opp) return Fail(opp.error());
  const json::object data = json::parse(opp->Text(0)).as_object();
  json::object contact;
  for (const char* key : {"first_name", "last_name", "mobile_phone", "email"})
    if (data.contains(key)) contact[key] = data.at(key);
  if (!contact.contains("first_name") && !contact.contains("last_name"))
    contact["last_name"] = data.at("name");
  auto status = FindLookup(c, actor.org_id, lookup_kind::kStatus, "New");
  if (!status) {
    auto first =
        c.QueryOne("SELECT id FROM lookups WHERE org_id = ? AND kind = ? ORDER BY position LIMIT 1",
                   {actor.org_id, std::string(lookup_kind::kStatus)});
    if (!first) return Fail(Error::Conflict("no_status", "The organization has no lead statuses."));
    status = first->Int(0);
  }
  const int64_t contact_id = InsertContact(c, actor, contact);
  const auto summary = data.contains("summary") ? std::string(data.at("summary").get_string()) : "";
  // Processed before the lead is made, so the lead's Lead Created payload
  // already carries the opportunity's processed date.
  c.Exec("UPDATE opportunities SET state = 'converted', processed_at = ? WHERE id = ?",
         {actor.now_ms, id});
  const int64_t lead_id =
      InsertLead(c, actor, contact_id, *status, opp->OptInt(1), opp->OptInt(2), summary, id);
  c.Exec("UPDATE opportunities SET lead_id = ? WHERE id = ?", {lead_id, id});
  RecordEvent(
      c, actor, trigger::kOpportunityConverted,
      {.lead_id = lead_id, .contact_id = contact_id, .opportunity_id = id, .subject_id = id});
  auto out = GetOpportunity(c, actor.org_id, id);
  auto lead = GetLead(c, actor.org_id, lead_id);
  if (!out || !lead) return Fail(Error::Internal("converted opportunity vanished"));
  out->as_object()["lead"] = std::move(*lead);
  return out;
}

Result<json::value> DisregardOpportunity(sql::Connection& c, const Actor& actor, int64_t id,
                                         const json::object& body) {
  auto opp = OpenOpportunity(c, actor.org_id, id);
  if (!opp) return Fail(opp.error());
  FieldReader f(body);
  const std::string reason = f.RequiredString("reason", 1000);
  LW_CHECK(f.Check());
  c.Exec(
      "UPDATE opportunities SET state = 'disregarded', disregard_reason = ?, processed_at = ? "
      "WHERE id = ?",
      {reason, actor.now_ms, id});
  RecordEvent(c, actor, trigger::kOpportunityDisregarded, {.opportunity_id = id, .subject_id = id});
  return GetOpportunity(c, actor.org_id, id);
}

std::optional<std::string> OpportunityName(const json::object& data) {
  if (auto it = data.find("name"); it != data.end() && it->value().is_string())
    return std::string(it->value().get_string());
  std::string full;
  for (const char* key : {"first_name", "last_name"})
    if (auto it = data.find(key); it != data.end() && it->value().is_string())
      full += (full.empty() ? "" : " ") + std::string(it->value().get_string());
  if (full.empty()) return std::nullopt;
  return full;
}

}  // namespace lw
