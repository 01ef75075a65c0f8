#include "domain/lead_input.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/lead_json.h"
#include "domain/lookups.h"
#include "domain/users.h"

namespace lw {

namespace json = boost::json;

const std::vector<LeadLookupField>& LeadLookupFields() {
  static const std::vector<LeadLookupField> kFields = {
      {"case_type", lookup_kind::kCaseType, "case_type_id"},
      {"office", lookup_kind::kOffice, "office_id"},
      {"marketing_source", lookup_kind::kMarketingSource, "marketing_source_id"},
      {"opportunity_source", lookup_kind::kOpportunitySource, "opportunity_source_id"},
  };
  return kFields;
}

namespace {

void ReadCustomFields(FieldReader& f, LeadInput& in) {
  const json::object* custom = f.Object("custom_fields");
  if (!custom) return;
  json::object out;
  for (const auto& [label, value] : *custom) {
    const std::string path = "custom_fields." + std::string(label);
    if (Trim(label).empty() || Utf8Length(label) > 100)
      f.Fail("custom_fields", "labels must be 1 to 100 characters");
    else if (value.is_object() || value.is_array())
      f.Fail(path, "must be text, a number, true/false or null");
    else if (value.is_string() && Utf8Length(value.get_string()) > 10000)
      f.Fail(path, "must be at most 10000 characters");
    else
      out[label] = value;
  }
  in.custom_fields = std::move(out);
}

}  // namespace

LeadInput ReadLeadInput(sql::Connection& c, int64_t org_id, FieldReader& f,
                        const json::object& body) {
  LeadInput in;
  for (const auto& lf : LeadLookupFields()) {
    auto it = body.find(lf.key);
    if (it == body.end()) continue;
    auto name = f.String(lf.key, 200);
    if (!name) {
      if (it->value().is_null() || it->value() == "") in.lookups[lf.column] = std::nullopt;
      continue;
    }
    auto id = FindLookup(c, org_id, lf.kind, *name);
    if (!id)
      f.Fail(lf.key, "unknown " + std::string(lf.key) + " \"" + *name + "\"");
    else
      in.lookups[lf.column] = *id;
  }
  for (const auto& tf : LeadTextFields()) {
    if (!body.contains(tf.key)) continue;
    if (tf.kind == LeadTextField::Kind::kSeconds) {
      auto seconds = f.Int(tf.key);
      if (seconds && *seconds < 0) f.Fail(tf.key, "must be a whole number of seconds, 0 or more");
      in.text[tf.key] = seconds ? json::value(*seconds) : json::value(nullptr);
      continue;
    }
    auto text = f.String(tf.key, tf.max_chars);
    const bool date = tf.kind == LeadTextField::Kind::kDate || tf.kind == LeadTextField::Kind::kDay;
    if (text && date && !ParseIso(*text))
      f.Fail(tf.key, "must be an ISO-8601 date or time, e.g. 2025-01-15 or 2025-01-15T14:30:00Z");
    in.text[tf.key] = text ? json::value(*text) : json::value(nullptr);
  }
  if (auto email = in.text.find("intake_email"); email != in.text.end()) {
    std::optional<int64_t> user;
    if (email->second.is_string())
      user = FindUserByEmail(c, org_id, std::string(email->second.get_string()));
    in.text[kIntakeUserKey] = user ? json::value(*user) : json::value(nullptr);
  }
  if (body.contains("case_tracker_code")) in.case_tracker_code = f.String("case_tracker_code", 200);
  if (body.contains("summary")) in.summary = f.String("summary", 10000);
  ReadCustomFields(f, in);
  return in;
}

Status ReadStatus(sql::Connection& c, int64_t org_id, FieldReader& f, bool required,
                  std::optional<int64_t>& status_id, std::optional<int64_t>& substatus_id) {
  auto status = f.String("status", 200);
  auto substatus = f.String("substatus", 200);
  if (status) {
    status_id = FindLookup(c, org_id, lookup_kind::kStatus, *status);
    if (!status_id) f.Fail("status", "unknown status \"" + *status + "\"");
  } else if (required && f.ok()) {
    f.Fail("status", "is required");
  }
  if (substatus && status_id) {
    substatus_id = FindLookup(c, org_id, lookup_kind::kSubstatus, *substatus, *status_id);
    if (!substatus_id)
      f.Fail("substatus", "\"" + *substatus + "\" is not a substatus of \"" + *status + "\"");
  } else if (substatus && !status && f.ok()) {
    f.Fail("substatus", "needs a status");
  }
  return f.Check();
}

}  // namespace lw
