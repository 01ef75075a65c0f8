// LeadFacts: a lead as webhook creation rules see it, by lookup ids (status,
// substatus, case type, office, sources) rather than names. Plain value.
#pragma once

#include <cstdint>
#include <optional>

namespace lw {

struct LeadFacts {
  std::optional<int64_t> status_id;
  std::optional<int64_t> substatus_id;
  std::optional<int64_t> case_type_id;
  std::optional<int64_t> office_id;
  std::optional<int64_t> opportunity_source_id;
  std::optional<int64_t> marketing_source_id;
  bool has_case_tracker_code = false;
};

}  // namespace lw
