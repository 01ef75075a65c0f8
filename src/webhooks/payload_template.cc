#include "webhooks/payload_template.h"

#include <boost/json.hpp>

namespace lw {

namespace json = boost::json;

namespace {

bool IsKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// The placeholder at `pos` ("{{", optional spaces, a key, spaces, "}}"): its
// key and where it ends, or nothing (then the braces are plain text).
std::optional<std::pair<std::string, size_t>> PlaceholderAt(std::string_view s, size_t pos) {
  if (s.substr(pos, 2) != "{{") return std::nullopt;
  size_t i = pos + 2;
  while (i < s.size() && s[i] == ' ') ++i;
  // A custom field's label: anything up to "}}" but braces and control
  // characters, trimmed, 1 to 100 bytes.
  if (s.substr(i, kCustomFieldPrefix.size()) == kCustomFieldPrefix) {
    const size_t from = i + kCustomFieldPrefix.size();
    const size_t end = s.find("}}", from);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view label = s.substr(from, end - from);
    for (unsigned char ch : label)
      if (ch == '{' || ch == '}' || ch < 0x20 || ch == 0x7f) return std::nullopt;
    while (!label.empty() && label.front() == ' ') label.remove_prefix(1);
    while (!label.empty() && label.back() == ' ') label.remove_suffix(1);
    if (label.empty() || label.size() > 100) return std::nullopt;
    return std::make_pair(std::string(kCustomFieldPrefix) + std::string(label), end + 2);
  }
  const size_t start = i;
  while (i < s.size() && IsKeyChar(s[i])) ++i;
  if (i == start) return std::nullopt;
  std::string key(s.substr(start, i - start));
  while (i < s.size() && s[i] == ' ') ++i;
  if (s.substr(i, 2) != "}}") return std::nullopt;
  return std::make_pair(std::move(key), i + 2);
}

// JSON text of a string's content, without its quotes.
std::string EscapedContent(std::string_view text) {
  std::string quoted = json::serialize(json::string_view(text.data(), text.size()));
  return quoted.substr(1, quoted.size() - 2);
}

void CollectUnknown(const json::value& t, const std::set<std::string>& keys, bool custom_fields,
                    std::vector<std::string>& unknown) {
  if (t.is_object())
    for (const auto& [k, v] : t.get_object()) CollectUnknown(v, keys, custom_fields, unknown);
  else if (t.is_array())
    for (const auto& v : t.get_array()) CollectUnknown(v, keys, custom_fields, unknown);
  else if (t.is_string())
    for (auto& key : Placeholders(t.get_string())) {
      const bool known = key.starts_with(kCustomFieldPrefix) ? custom_fields : keys.count(key) > 0;
      if (!known && std::find(unknown.begin(), unknown.end(), key) == unknown.end())
        unknown.push_back(std::move(key));
    }
}

// The payload's key a placeholder names: a custom field is a top-level key
// named by its label.
std::string_view PayloadKey(std::string_view placeholder) {
  if (placeholder.starts_with(kCustomFieldPrefix))
    placeholder.remove_prefix(kCustomFieldPrefix.size());
  return placeholder;
}

}  // namespace

std::vector<std::string> Placeholders(std::string_view text, bool* whole) {
  std::vector<std::string> keys;
  if (whole) *whole = false;
  for (size_t i = 0; i < text.size();) {
    if (auto p = PlaceholderAt(text, i)) {
      if (whole && i == 0 && p->second == text.size()) *whole = true;
      keys.push_back(std::move(p->first));
      i = p->second;
    } else {
      ++i;
    }
  }
  return keys;
}

Result<PayloadTemplate> PayloadTemplate::Parse(const json::value& v,
                                               const std::set<std::string>& keys,
                                               bool custom_fields) {
  auto bad = [](std::string why) { return Fail(Error::Field("payload_template", std::move(why))); };
  if (!v.is_object()) return bad("must be a JSON object (or null to send the full payload)");
  if (json::serialize(v).size() > kMaxTemplateBytes) return bad("must be at most 16 KiB");
  std::vector<std::string> unknown;
  CollectUnknown(v, keys, custom_fields, unknown);
  if (!unknown.empty()) {
    std::string names;
    for (const auto& k : unknown) names += (names.empty() ? "" : ", ") + ("{{" + k + "}}");
    return bad(names + (unknown.size() == 1 ? " names" : " name") +
               " no key of this trigger's payload (see its example" +
               (custom_fields ? "; a custom field is {{custom:Its Label}})" : ")"));
  }
  return Trusted(v);
}

PayloadTemplate PayloadTemplate::Trusted(json::value source) {
  PayloadTemplate t;
  t.source_ = std::move(source);
  t.Compile();
  return t;
}

void PayloadTemplate::Compile() {
  pieces_.clear();
  auto literal = [&](std::string_view text) {
    if (pieces_.empty() || pieces_.back().kind != Piece::Kind::kLiteral)
      pieces_.push_back({Piece::Kind::kLiteral, ""});
    pieces_.back().text += text;
  };
  auto hole = [&](Piece::Kind kind, std::string key) { pieces_.push_back({kind, std::move(key)}); };
  auto walk = [&](auto& self, const json::value& t) -> void {
    switch (t.kind()) {
      case json::kind::object: {
        literal("{");
        bool first = true;
        for (const auto& [k, v] : t.get_object()) {
          if (!first) literal(",");
          first = false;
          literal(json::serialize(json::string_view(k)));
          literal(":");
          self(self, v);
        }
        literal("}");
        return;
      }
      case json::kind::array: {
        literal("[");
        bool first = true;
        for (const auto& v : t.get_array()) {
          if (!first) literal(",");
          first = false;
          self(self, v);
        }
        literal("]");
        return;
      }
      case json::kind::string: {
        const std::string_view s = t.get_string();
        bool whole = false;
        auto keys = Placeholders(s, &whole);
        if (keys.empty()) return literal(json::serialize(t));
        if (whole) return hole(Piece::Kind::kValue, std::move(keys.front()));
        literal("\"");
        std::string plain;
        for (size_t i = 0; i < s.size();) {
          if (auto p = PlaceholderAt(s, i)) {
            literal(EscapedContent(plain));
            plain.clear();
            hole(Piece::Kind::kText, std::move(p->first));
            i = p->second;
          } else {
            plain += s[i++];
          }
        }
        literal(EscapedContent(plain));
        literal("\"");
        return;
      }
      default:
        literal(json::serialize(t));
    }
  };
  walk(walk, source_);
}

std::optional<std::string> PayloadTemplate::RenderInto(const json::object& payload) const {
  std::string out;
  size_t guess = 0;
  for (const Piece& p : pieces_) guess += p.kind == Piece::Kind::kLiteral ? p.text.size() : 16;
  out.reserve(std::min(guess, kMaxRenderedBytes));
  for (const Piece& p : pieces_) {
    // Past the limit, stop: a small template repeating a long value must
    // not build megabytes first.
    if (out.size() > kMaxRenderedBytes) return std::nullopt;
    if (p.kind == Piece::Kind::kLiteral) {
      out += p.text;
      continue;
    }
    const json::value* v = payload.if_contains(PayloadKey(p.text));
    if (p.kind == Piece::Kind::kValue) {
      out += v ? json::serialize(*v) : "null";
    } else if (v && !v->is_null()) {
      // Strings as they are, anything else as its JSON; null as nothing.
      out += EscapedContent(v->is_string() ? std::string_view(v->get_string())
                                           : std::string_view(json::serialize(*v)));
    }
  }
  if (out.size() > kMaxRenderedBytes) return std::nullopt;
  return out;
}

json::object PayloadTemplate::Schema(const json::object& payload_schema) const {
  const json::value* props = payload_schema.if_contains("properties");
  const json::value* extra = payload_schema.if_contains("additionalProperties");
  auto walk = [&](auto& self, const json::value& t) -> json::object {
    switch (t.kind()) {
      case json::kind::object: {
        json::object properties;
        json::array required;
        for (const auto& [k, v] : t.get_object()) {
          properties[k] = self(self, v);
          required.emplace_back(k);
        }
        return {{"type", "object"},
                {"required", std::move(required)},
                {"properties", std::move(properties)},
                {"additionalProperties", false}};
      }
      case json::kind::array: {
        json::array items;
        for (const auto& v : t.get_array()) items.push_back(self(self, v));
        const auto n = items.size();
        return {{"type", "array"},
                {"prefixItems", std::move(items)},
                {"items", false},
                {"minItems", n}};
      }
      case json::kind::string: {
        bool whole = false;
        auto keys = Placeholders(t.get_string(), &whole);
        if (keys.empty()) return {{"const", t}};
        if (!whole) return {{"type", "string"}};
        const std::string_view key = PayloadKey(keys.front());
        const json::value* known =
            keys.front().starts_with(kCustomFieldPrefix) || !props || !props->is_object()
                ? nullptr
                : props->get_object().if_contains(key);
        if (known && known->is_object()) return known->get_object();
        // A custom field (or a key the payload lacks): any scalar, or null.
        if (extra && extra->is_object()) return extra->get_object();
        return {{"type", json::array{"string", "number", "boolean", "null"}}};
      }
      default:
        return {{"const", t}};
    }
  };
  json::object out = walk(walk, source_);
  out["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  if (const json::value* title = payload_schema.if_contains("title"); title && title->is_string())
    out["title"] = std::string(title->get_string()) + ", as this rule's template shapes it";
  return out;
}

Result<std::string> PayloadTemplate::Render(const json::object& payload) const {
  std::optional<std::string> body = RenderInto(payload);
  if (!body)
    return Fail(Error::Field(
        "payload_template", "renders over 256 KiB for this payload; send fewer or shorter values"));
  return std::move(*body);
}

Result<std::string> PayloadTemplate::RenderText(std::string_view payload) const {
  // A webhook's payload is a few hundred bytes: parsed without a heap allocation.
  unsigned char buffer[8192];
  json::monotonic_resource mr(buffer, sizeof buffer);
  boost::system::error_code ec;
  json::value parsed = json::parse(payload, ec, &mr);
  if (ec || !parsed.is_object())
    return Fail(
        Error::Field("payload_template", "cannot be filled: the event's payload cannot be read"));
  return Render(parsed.get_object());
}

}  // namespace lw
