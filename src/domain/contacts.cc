#include "domain/contacts.h"

#include <boost/json.hpp>
#include <unordered_map>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/events.h"
#include "domain/triggers.h"
#include "domain/users.h"

namespace lw {

namespace json = boost::json;

const std::vector<ContactField>& ContactFields() {
  using T = ContactField::Type;
  static const std::vector<ContactField> kFields = {
      {"first_name", "ContactFirstName", T::kText},
      {"middle_name", "ContactMiddleName", T::kText},
      {"last_name", "ContactLastName", T::kText},
      {"address1", "ContactAddress1", T::kText},
      {"address2", "ContactAddress2", T::kText},
      {"city", "ContactCity", T::kText},
      {"county", "ContactCounty", T::kText},
      {"state", "ContactState", T::kText},
      {"zip", "ContactZip", T::kText},
      {"home_phone", "ContactHomePhone", T::kText},
      {"work_phone", "ContactWorkPhone", T::kText},
      {"mobile_phone", "ContactMobilePhone", T::kText},
      {"email", "ContactEmail", T::kEmail},
      {"preferred_contact_method", "ContactPreferredContactMethod", T::kText},
      {"birthdate", "ContactBirthdate", T::kDate},
      {"deceased", "ContactDeceased", T::kBool},
      {"minor", "ContactMinor", T::kBool},
      {"gender", "ContactGender", T::kText},
      {"language", "ContactLanguage", T::kText},
      {"code", "ContactCode", T::kText},
      {"timezone", "ContactTimezone", T::kText},
      {"notes", "ContactNotes", T::kText},
  };
  return kFields;
}

namespace {

std::string FullName(const json::object& data) {
  std::string out;
  for (const char* key : {"first_name", "middle_name", "last_name"}) {
    auto it = data.find(key);
    if (it == data.end() || !it->value().is_string()) continue;
    if (!out.empty()) out += ' ';
    out += it->value().get_string();
  }
  return out;
}

// What GET /api/leads?q= and /api/contacts?q= search in.
std::string SearchText(const json::object& data) {
  std::string out = FullName(data);
  for (const char* key : {"email", "mobile_phone", "home_phone", "work_phone", "code"}) {
    auto it = data.find(key);
    if (it != data.end() && it->value().is_string())
      out += " " + std::string(it->value().get_string());
  }
  return Lower(out);
}

}  // namespace

json::value ContactJsonAt(const sql::Row& row, size_t first, json::array tags) {
  auto r = [&](size_t i) { return first + i; };
  const json::object data = json::parse(row.Text(r(1))).as_object();
  json::object out{{"id", row.Int(r(0))}};
  for (const auto& field : ContactFields()) {
    auto it = data.find(field.key);
    out[field.key] = it == data.end() ? json::value(nullptr) : it->value();
  }
  out["full_name"] = FullName(data);
  out["tags"] = std::move(tags);
  out["created_at"] = FormatIsoMs(row.Int(r(2)));
  out["updated_at"] = FormatIsoMs(row.Int(r(3)));
  out["created_by"] = row.IsNull(r(5)) ? json::value(nullptr)
                                       : json::object{{"id", row.Int(r(4))},
                                                      {"name", row.Text(r(5))},
                                                      {"email", row.Text(r(6))}};
  return out;
}

json::array ContactTags(sql::Connection& c, int64_t contact_id) {
  json::array tags;
  for (const auto& t :
       c.Query("SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY id", {contact_id}))
    tags.emplace_back(t.Text(0));
  return tags;
}

namespace {

// A contact with its creator's name and email (columns 5–6) in one query.
constexpr const char* kContactSelect =
    "SELECT ct.id, ct.data, ct.created_at, ct.updated_at, ct.created_by, u.name, u.email "
    "FROM contacts ct LEFT JOIN users u ON u.id = ct.created_by ";

// The contacts of `rows` as JSON, in their order, with every tag fetched in one query.
std::vector<json::value> ContactsJson(sql::Connection& c, const std::vector<sql::Row>& rows) {
  std::vector<int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.Int(0));
  std::unordered_map<int64_t, json::array> tags;
  if (!ids.empty())
    for (const auto& t : c.QueryIn(
             "SELECT contact_id, tag FROM contact_tags WHERE contact_id IN (@ids) ORDER BY id", {},
             ids))
      tags[t.Int(0)].push_back(json::value(t.Text(1)));
  std::vector<json::value> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(ContactJsonAt(r, 0, std::move(tags[r.Int(0)])));
  return out;
}

}  // namespace

void ReadContactFields(FieldReader& f, json::object& data, bool creating) {
  using T = ContactField::Type;
  for (const auto& field : ContactFields()) {
    if (!f.Has(field.key)) {
      if (creating) continue;
      // An explicit null clears the field on edit; a missing key leaves it.
      continue;
    }
    if (field.type == T::kBool) {
      if (auto b = f.Bool(field.key)) data[field.key] = *b;
      continue;
    }
    auto text = f.String(field.key, field.type == T::kText ? 1000 : 254);
    if (!text) continue;
    if (field.type == T::kEmail && !ValidEmail(*text)) {
      f.Fail(field.key, "must be an email address");
    } else if (field.type == T::kDate && (text->size() != 10 || !ParseIso(*text))) {
      f.Fail(field.key, "must be a date as YYYY-MM-DD");
    } else {
      data[field.key] = *text;
    }
  }
  // A name given in the wrong type has said so already.
  if (creating && !data.contains("first_name") && !data.contains("last_name") &&
      !f.Failed("first_name") && !f.Failed("last_name"))
    f.Fail("first_name", "a first or last name is required");
}

int64_t InsertContact(sql::Connection& c, const Actor& actor, const json::object& data) {
  const int64_t id = c.InsertId(
      "INSERT INTO contacts (org_id, data, search_text, created_at, created_by, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      {actor.org_id, json::serialize(data), SearchText(data), actor.now_ms, actor.user_id,
       actor.now_ms});
  RecordEvent(c, actor, trigger::kContactAdded, {.contact_id = id, .subject_id = id});
  return id;
}

Result<json::value> CreateContact(sql::Connection& c, const Actor& actor,
                                  const json::object& body) {
  FieldReader f(body);
  json::object data;
  ReadContactFields(f, data, true);
  LW_CHECK(f.Check());
  return GetContact(c, actor.org_id, InsertContact(c, actor, data));
}

Result<bool> UpdateContactData(sql::Connection& c, const Actor& actor, int64_t id,
                               const json::object& body, const std::string& prefix) {
  auto row =
      c.QueryOne("SELECT data FROM contacts WHERE id = ? AND org_id = ?", {id, actor.org_id});
  if (!row) return Fail(Error::NotFound("No contact has id " + std::to_string(id) + "."));
  json::object data = json::parse(row->Text(0)).as_object();
  const json::object before = data;
  FieldReader f(body, prefix);
  ReadContactFields(f, data, false);
  for (const auto& field : ContactFields()) {
    auto it = body.find(field.key);
    if (it != body.end() && it->value().is_null()) data.erase(field.key);
  }
  if (f.ok() && !data.contains("first_name") && !data.contains("last_name"))
    f.Fail("first_name", "a first or last name is required");
  LW_CHECK(f.Check());
  if (data == before) return false;
  c.Defer("UPDATE contacts SET data = ?, search_text = ?, updated_at = ? WHERE id = ?",
          {json::serialize(data), SearchText(data), actor.now_ms, id});
  return true;
}

Result<json::value> EditContact(sql::Connection& c, const Actor& actor, int64_t id,
                                const json::object& body) {
  auto changed = UpdateContactData(c, actor, id, body, "");
  if (!changed) return Fail(changed.error());
  if (*changed)
    RecordEvent(c, actor, trigger::kContactEdited, {.contact_id = id, .subject_id = id});
  return GetContact(c, actor.org_id, id);
}

Result<json::value> GetContact(sql::Connection& c, int64_t org_id, int64_t id) {
  auto found = GetContacts(c, org_id, {id});
  if (found.empty()) return Fail(Error::NotFound("No contact has id " + std::to_string(id) + "."));
  return std::move(found.begin()->second);
}

std::unordered_map<int64_t, json::value> GetContacts(sql::Connection& c, int64_t org_id,
                                                     const std::vector<int64_t>& ids) {
  std::unordered_map<int64_t, json::value> out;
  if (ids.empty()) return out;
  const auto rows = c.QueryIn(
      std::string(kContactSelect) + "WHERE ct.org_id = ? AND ct.id IN (@ids)", {org_id}, ids);
  auto rendered = ContactsJson(c, rows);
  for (size_t i = 0; i < rows.size(); ++i) out.emplace(rows[i].Int(0), std::move(rendered[i]));
  return out;
}

json::value ListContacts(sql::Connection& c, int64_t org_id, const std::string& q, int64_t limit,
                         int64_t offset) {
  const std::string pattern = sql::LikeContaining(Lower(q));
  const std::string match =
      std::string("ct.org_id = ? AND ct.search_text LIKE ?") + sql::kLikeEscape;
  const auto rows = c.Query(
      std::string(kContactSelect) + "WHERE " + match + " ORDER BY ct.id DESC LIMIT ? OFFSET ?",
      {org_id, pattern, limit, offset});
  json::array records;
  for (auto& contact : ContactsJson(c, rows)) records.push_back(std::move(contact));
  auto total = c.QueryOne("SELECT COUNT(*) FROM contacts ct WHERE " + match, {org_id, pattern});
  return json::object{{"records", std::move(records)}, {"total", total->Int(0)}};
}

bool ContactExists(sql::Connection& c, int64_t org_id, int64_t id) {
  return c.QueryOne("SELECT 1 FROM contacts WHERE id = ? AND org_id = ?", {id, org_id}).has_value();
}

Result<json::value> AddTag(sql::Connection& c, const Actor& actor, int64_t contact_id,
                           const json::object& body) {
  if (!ContactExists(c, actor.org_id, contact_id))
    return Fail(Error::NotFound("No contact has id " + std::to_string(contact_id) + "."));
  FieldReader f(body);
  const std::string tag = f.RequiredString("tag", 100);
  LW_CHECK(f.Check());
  if (c.QueryOne("SELECT 1 FROM contact_tags WHERE contact_id = ? AND tag = ?", {contact_id, tag}))
    return Fail(
        Error::Conflict("duplicate_tag", "The contact already has the tag \"" + tag + "\"."));
  const int64_t id = c.InsertId(
      "INSERT INTO contact_tags (org_id, contact_id, tag, created_at) VALUES (?, ?, ?, ?) "
      "RETURNING id",
      {actor.org_id, contact_id, tag, actor.now_ms});
  RecordEvent(c, actor, trigger::kTagAddedToContact, {.contact_id = contact_id, .subject_id = id});
  return json::object{{"id", id},
                      {"contact_id", contact_id},
                      {"tag", tag},
                      {"created_at", FormatIsoMs(actor.now_ms)}};
}

std::optional<std::string> GetContactTag(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne("SELECT tag FROM contact_tags WHERE id = ? AND org_id = ?", {id, org_id});
  if (!r) return std::nullopt;
  return r->Text(0);
}

}  // namespace lw
