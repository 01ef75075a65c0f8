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
  const size_t start = i;
  while (i < s.size() && IsKeyChar(s[i])) ++i;
  if (i == start) return std::nullopt;
  std::string key(s.substr(start, i - start));
  while (i < s.size() && s[i] == ' ') ++i;
  if (s.substr(i, 2) != "}}") return std::nullopt;
  return std::make_pair(std::move(key), i + 2);
}

// A payload value written into text: strings as they are, null as nothing,
// anything else as its JSON.
void AppendText(std::string& out, const json::value* v) {
  if (!v || v->is_null()) return;
  if (v->is_string())
    out += v->get_string();
  else
    out += json::serialize(*v);
}

json::value Fill(const json::value& t, const json::object& payload) {
  switch (t.kind()) {
    case json::kind::object: {
      json::object out;
      out.reserve(t.get_object().size());
      for (const auto& [k, v] : t.get_object()) out.emplace(k, Fill(v, payload));
      return out;
    }
    case json::kind::array: {
      json::array out;
      out.reserve(t.get_array().size());
      for (const auto& v : t.get_array()) out.push_back(Fill(v, payload));
      return out;
    }
    case json::kind::string: {
      const std::string_view s = t.get_string();
      bool whole = false;
      auto keys = Placeholders(s, &whole);
      if (keys.empty()) return t;
      if (whole) {
        const json::value* v = payload.if_contains(keys.front());
        return v ? *v : json::value(nullptr);
      }
      std::string out;
      for (size_t i = 0; i < s.size();) {
        if (auto p = PlaceholderAt(s, i)) {
          AppendText(out, payload.if_contains(p->first));
          i = p->second;
        } else {
          out += s[i++];
        }
      }
      return json::string(out);
    }
    default:
      return t;
  }
}

void CollectUnknown(const json::value& t, const std::set<std::string>& keys,
                    std::vector<std::string>& unknown) {
  if (t.is_object())
    for (const auto& [k, v] : t.get_object()) CollectUnknown(v, keys, unknown);
  else if (t.is_array())
    for (const auto& v : t.get_array()) CollectUnknown(v, keys, unknown);
  else if (t.is_string())
    for (auto& key : Placeholders(t.get_string()))
      if (!keys.count(key) && std::find(unknown.begin(), unknown.end(), key) == unknown.end())
        unknown.push_back(std::move(key));
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
                                               const std::set<std::string>& keys) {
  auto bad = [](std::string why) { return Fail(Error::Field("payload_template", std::move(why))); };
  if (!v.is_object()) return bad("must be a JSON object (or null to send the full payload)");
  if (json::serialize(v).size() > kMaxTemplateBytes) return bad("must be at most 16 KiB");
  std::vector<std::string> unknown;
  CollectUnknown(v, keys, unknown);
  if (!unknown.empty()) {
    std::string names;
    for (const auto& k : unknown) names += (names.empty() ? "" : ", ") + ("{{" + k + "}}");
    return bad(names + (unknown.size() == 1 ? " names" : " name") +
               " no key of this trigger's payload (see its example)");
  }
  PayloadTemplate t;
  t.source_ = v;
  return t;
}

PayloadTemplate PayloadTemplate::Trusted(json::value source) {
  PayloadTemplate t;
  t.source_ = std::move(source);
  return t;
}

Result<std::string> PayloadTemplate::Render(const json::object& payload) const {
  std::string body = json::serialize(Fill(source_, payload));
  if (body.size() > kMaxRenderedBytes)
    return Fail(Error::Field(
        "payload_template", "renders over 256 KiB for this payload; send fewer or shorter values"));
  return body;
}

}  // namespace lw
