// The published schemas agree with what BuildPayload writes: for every
// trigger, the example's keys are exactly the schema's required keys, and
// each value has a type the schema allows. (The integration tests validate
// every delivered payload with a full JSON Schema validator.)
#include "webhooks/payload_schema.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "domain/triggers.h"
#include "webhooks/payload.h"

namespace lw {
namespace {

namespace json = boost::json;

// The JSON Schema type name of a value.
std::string TypeOf(const json::value& v) {
  if (v.is_null()) return "null";
  if (v.is_bool()) return "boolean";
  if (v.is_int64() || v.is_uint64()) return "integer";
  if (v.is_double()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool Allows(const json::object& schema, const json::value& v) {
  if (auto c = schema.find("const"); c != schema.end()) return c->value() == v;
  const json::value& type = schema.at("type");
  if (type.is_string()) return type.as_string() == TypeOf(v);
  for (const auto& t : type.as_array())
    if (t.as_string() == TypeOf(v)) return true;
  return false;
}

TEST(PayloadSchema, TheExampleOfEveryTriggerHasExactlyItsKeysWithAllowedTypes) {
  for (const auto& t : Triggers()) {
    const json::object schema = PayloadSchema(t.id);
    EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
    const json::object example = SamplePayload(t.id, "Admin", 1736942400000);
    std::set<std::string> required, keys;
    for (const auto& k : schema.at("required").as_array())
      required.insert(std::string(k.as_string()));
    for (const auto& [k, v] : example) keys.insert(std::string(k));
    EXPECT_EQ(keys, required) << t.name;
    EXPECT_EQ(required.size(), schema.at("required").as_array().size()) << t.name << ": twice";
    const json::object& properties = schema.at("properties").as_object();
    EXPECT_EQ(properties.size(), required.size()) << t.name;
    for (const auto& [k, v] : example) {
      auto p = properties.find(k);
      ASSERT_NE(p, properties.end()) << t.name << " " << k;
      EXPECT_TRUE(Allows(p->value().as_object(), v)) << t.name << " " << k << " = " << v;
      EXPECT_TRUE(p->value().as_object().contains("description")) << t.name << " " << k;
    }
  }
}

TEST(PayloadSchema, OnlyLeadPayloadsMayCarryMoreKeys) {
  for (const auto& t : Triggers()) {
    const json::value extra = PayloadSchema(t.id).at("additionalProperties");
    const bool lead = t.id == trigger::kLeadCreated || t.id == trigger::kLeadEdited ||
                      t.id == trigger::kLeadStatusChanged;
    EXPECT_EQ(extra.is_object(), lead) << t.name << ": custom fields";
    if (!lead) {
      EXPECT_EQ(extra, false) << t.name;
    }
  }
}

}  // namespace
}  // namespace lw
