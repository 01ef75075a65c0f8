// PayloadTemplate: a rule's "payload_template" (§8) — a JSON object whose
// string values may name payload keys as "{{LeadCode}}". A value that is
// exactly one placeholder keeps the key's JSON type; placeholders inside a
// longer string are written in as text (null as nothing); objects and arrays
// nest; nothing else is evaluated (no expressions, no loops), so rendering
// is linear in the template and bounded. Checked once against the trigger's
// keys; immutable after; any thread.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace lw {

inline constexpr size_t kMaxTemplateBytes = 16 * 1024;
inline constexpr size_t kMaxRenderedBytes = 256 * 1024;
inline constexpr std::string_view kCustomFieldPrefix = "custom:";

class PayloadTemplate {
 public:
  // `keys`: the keys a payload of the rule's trigger has; `custom_fields`:
  // it also carries the lead's custom fields, named as "{{custom:Label}}"
  // (a label may hold spaces; it is whatever the lead was given). A 422 on
  // "payload_template": not an object, over 16 KiB, or a placeholder naming
  // no key ("{{LeadCod}} names no key of this trigger's payload").
  static Result<PayloadTemplate> Parse(const boost::json::value& text,
                                       const std::set<std::string>& keys,
                                       bool custom_fields = false);

  // The body for `payload` (a trigger's payload object); an error when it
  // would be over 256 KiB.
  Result<std::string> Render(const boost::json::object& payload) const;

  // The same for a payload as stored (JSON text); an error too when it is
  // not a JSON object. What the transport calls for every webhook: parses
  // into a buffer on the stack, and writes the body straight from the
  // compiled pieces, with no JSON tree built in between.
  Result<std::string> RenderText(std::string_view payload) const;

  // The JSON Schema (2020-12) of what it renders, given its trigger's
  // payload schema (PayloadSchema): the template's own keys and literals,
  // and where a whole placeholder goes, that key's schema.
  boost::json::object Schema(const boost::json::object& payload_schema) const;

  const boost::json::value& source() const { return source_; }
  // One stored by Parse earlier (its keys checked then), read back.
  static PayloadTemplate Trusted(boost::json::value source);

 private:
  // The template as the body's text: literal JSON between the places a
  // payload value goes, whole (its JSON) or into a string (its text).
  struct Piece {
    enum class Kind { kLiteral, kValue, kText } kind;
    std::string text;  // the literal, or the payload key
  };
  void Compile();
  // Nothing once the body passes kMaxRenderedBytes.
  std::optional<std::string> RenderInto(const boost::json::object& payload) const;

  boost::json::value source_;
  std::vector<Piece> pieces_;
};

// The placeholders a string holds, in order ("Hi {{ContactFirstName}}" →
// {"ContactFirstName"}; "{{custom: Accident Location}}" → "custom:Accident
// Location"); `whole` is set when the string is exactly one.
std::vector<std::string> Placeholders(std::string_view text, bool* whole = nullptr);

}  // namespace lw
