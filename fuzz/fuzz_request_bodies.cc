// The request-body readers: a lead (with its lookups resolved against a real
// database), a contact, and a webhook rule with creation_rules. The first
// byte picks the reader; the rest is the body. Whatever the input, a reader
// answers fields or a 422, never crashes; a body it accepts reads the same
// twice.
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "domain/contacts.h"
#include "domain/lead_input.h"
#include "fuzz_support.h"
#include "webhooks/rule_input.h"

using namespace lw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(fuzz::Text(data + 1, size - 1), ec);
  if (ec || !parsed.is_object()) return 0;
  const boost::json::object& body = parsed.as_object();
  switch (data[0] % 3) {
    case 0: {
      auto shared = fuzz::Shared();
      fuzz::RolledBack(shared.db, [&](sql::Connection& c) {
        FieldReader f(body);
        (void)ReadLeadInput(c, shared.org_id, f, body);
        (void)f.Check();
      });
      break;
    }
    case 1: {
      FieldReader f(body);
      boost::json::object out;
      ReadContactFields(f, out, /*creating=*/true);
      if (f.ok()) {
        FieldReader again(out);
        boost::json::object twice;
        ReadContactFields(again, twice, true);
        LW_FUZZ_ASSERT(again.ok() && twice == out);
      }
      break;
    }
    default: {
      // Lookups as a firm has them: a few names exist.
      LookupResolver find = [](const std::string& kind, const std::string& name,
                               int64_t parent) -> std::optional<int64_t> {
        if (name == "Auto Accident" || name == "Downtown" || name == "Chase") return 7;
        if (kind == "substatus" && parent == 7 && name == "Left Voicemail") return 8;
        return std::nullopt;
      };
      (void)ParseRuleInput(body, find, /*https_only=*/data[0] & 0x80);
    }
  }
  return 0;
}
