// Contacts (the people behind leads) and their tags. A contact's fields are
// kept as one JSON document; ContactFields() is the one list of them, used by
// validation, the API and the webhook payloads. Functions run inside
// the caller's transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

struct ContactField {
  enum class Type { kText, kBool, kDate, kEmail };
  const char* key;          // API name, snake_case
  const char* payload_key;  // webhook payload name
  Type type;
};
const std::vector<ContactField>& ContactFields();

class FieldReader;

// Reads a contact's fields from `in` into `data` (only those present; null clears).
// For a new contact, a first or last name is required.
void ReadContactFields(FieldReader& f, boost::json::object& data, bool creating);

// Creates a contact from validated fields; records Contact Added.
int64_t InsertContact(sql::Connection& c, const Actor& actor, const boost::json::object& data);

// POST /api/contacts → the contact.
Result<boost::json::value> CreateContact(sql::Connection& c, const Actor& actor,
                                         const boost::json::object& body);
// PATCH /api/contacts/{id}; records Contact Edited when something changed.
Result<boost::json::value> EditContact(sql::Connection& c, const Actor& actor, int64_t id,
                                       const boost::json::object& body);
// Applies an edit without recording an event (lead edits change their contact too).
// Returns whether anything changed.
Result<bool> UpdateContactData(sql::Connection& c, const Actor& actor, int64_t id,
                               const boost::json::object& body, const std::string& prefix);
Result<boost::json::value> GetContact(sql::Connection& c, int64_t org_id, int64_t id);
// The organization's contacts among `ids`, by id, in a fixed number of queries.
std::unordered_map<int64_t, boost::json::value> GetContacts(sql::Connection& c, int64_t org_id,
                                                            const std::vector<int64_t>& ids);
boost::json::value ListContacts(sql::Connection& c, int64_t org_id, const std::string& q,
                                int64_t limit, int64_t offset);
// POST /api/contacts/{id}/tags {"tag"}; records Tag Added To Contact (409 if it has the tag).
Result<boost::json::value> AddTag(sql::Connection& c, const Actor& actor, int64_t contact_id,
                                  const boost::json::object& body);

// A contact as the API shows it, from a row whose columns from `first` on
// are the contact's id, data, created_at, updated_at, created_by, and its
// creator's name and email (null when none): for reading a contact in the
// same query as something else (a lead).
boost::json::value ContactJsonAt(const sql::Row& row, size_t first, boost::json::array tags);
boost::json::array ContactTags(sql::Connection& c, int64_t contact_id);

bool ContactExists(sql::Connection& c, int64_t org_id, int64_t id);
// The text of one of the organization's contact tags (a Tag Added event's subject).
std::optional<std::string> GetContactTag(sql::Connection& c, int64_t org_id, int64_t id);

}  // namespace lw
