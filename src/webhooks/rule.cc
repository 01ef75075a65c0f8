#include "webhooks/rule.h"

#include <boost/json.hpp>

namespace lw {

namespace json = boost::json;

namespace {

json::value OptId(const std::optional<int64_t>& id) {
  return id ? json::value(*id) : json::value(nullptr);
}

std::optional<int64_t> ReadId(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_int64()) return std::nullopt;
  return it->value().get_int64();
}

}  // namespace

std::string CreationRulesToStorage(const CreationRules& r) {
  json::array case_types;
  for (int64_t id : r.case_type_ids) case_types.push_back(id);
  return json::serialize(
      json::object{{"status_id", OptId(r.status_id)},
                   {"substatus_id", OptId(r.substatus_id)},
                   {"case_type_ids", std::move(case_types)},
                   {"office_id", OptId(r.office_id)},
                   {"opportunity_source_id", OptId(r.opportunity_source_id)},
                   {"marketing_source_id", OptId(r.marketing_source_id)},
                   {"requires_case_tracker_code", r.requires_case_tracker_code}});
}

CreationRules CreationRulesFromStorage(const std::string& text) {
  CreationRules r;
  const json::object o = json::parse(text).as_object();
  r.status_id = ReadId(o, "status_id");
  r.substatus_id = ReadId(o, "substatus_id");
  if (auto it = o.find("case_type_ids"); it != o.end() && it->value().is_array())
    for (const auto& v : it->value().get_array()) r.case_type_ids.push_back(v.as_int64());
  r.office_id = ReadId(o, "office_id");
  r.opportunity_source_id = ReadId(o, "opportunity_source_id");
  r.marketing_source_id = ReadId(o, "marketing_source_id");
  if (auto it = o.find("requires_case_tracker_code"); it != o.end() && it->value().is_bool())
    r.requires_case_tracker_code = it->value().get_bool();
  return r;
}

}  // namespace lw
