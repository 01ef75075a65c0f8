// RecordSource: where the webhooks side gets the records an event is about,
// as the API shows them, and a lead's classification for creation rules.
// Webhooks owns this interface; the node's wiring (app/) implements it over
// the domain, so payloads never run domain queries they know by name.
// Called inside the event's transaction, on the writing thread.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "domain/lead_facts.h"
#include "store/sql.h"

namespace lw {

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // nullopt: no such record in the organization.
  virtual std::optional<boost::json::object> Lead(sql::Connection& c, int64_t org_id,
                                                  int64_t id) = 0;  // with its contact
  virtual std::optional<boost::json::object> Contact(sql::Connection& c, int64_t org_id,
                                                     int64_t id) = 0;
  virtual std::optional<boost::json::object> Opportunity(sql::Connection& c, int64_t org_id,
                                                         int64_t id) = 0;
  virtual std::optional<boost::json::object> Note(sql::Connection& c, int64_t org_id,
                                                  int64_t id) = 0;
  // A text, email, file, external send or data sync.
  virtual std::optional<boost::json::object> Activity(sql::Connection& c, int64_t org_id,
                                                      int64_t id) = 0;
  // The lead's files, oldest first, each as Activity() shows it with its "id".
  virtual boost::json::array Files(sql::Connection& c, int64_t org_id, int64_t lead_id) = 0;
  virtual std::optional<std::string> Tag(sql::Connection& c, int64_t org_id, int64_t id) = 0;
  virtual LeadFacts Facts(sql::Connection& c, int64_t org_id, int64_t lead_id) = 0;
};

}  // namespace lw
