#include "webhooks/rule_credentials.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/unicode.h"
#include "webhooks/rule_input.h"
#include "webhooks/webhook_url.h"

namespace lw {

namespace json = boost::json;

namespace {

struct AuthName {
  AuthType type;
  const char* name;     // "type" in JSON
  const char* secret;   // the secret's field
  const char* summary;  // the export's words
};
constexpr AuthName kAuthNames[] = {
    {AuthType::kNone, "none", "", "None"},
    {AuthType::kBasic, "basic", "password", "Basic"},
    {AuthType::kBearer, "bearer", "token", "Bearer token"},
    {AuthType::kOAuth2ClientCredentials, "oauth2_client_credentials", "client_secret",
     "OAuth2 client credentials"},
};

const AuthName& NameOf(AuthType type) {
  for (const auto& n : kAuthNames)
    if (n.type == type) return n;
  return kAuthNames[0];
}

std::string Text(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

// RFC 9110's token: the characters a header name may have.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
  });
}

// Set by Leadwire on every webhook, or hop-by-hop: a rule's own would clash
// with them or change how the request is framed.
std::optional<std::string> ReservedWhy(const std::string& name) {
  const std::string n = Lower(name);
  static constexpr const char* kSignedOrFraming[] = {"host",
                                                     "content-type",
                                                     "content-length",
                                                     "transfer-encoding",
                                                     "connection",
                                                     "user-agent",
                                                     "traceparent",
                                                     "tracestate",
                                                     "accept",
                                                     "keep-alive",
                                                     "te",
                                                     "trailer",
                                                     "upgrade",
                                                     "expect",
                                                     "proxy-authorization",
                                                     "proxy-connection"};
  for (const char* r : kSignedOrFraming)
    if (n == r) return "is set by Leadwire (or by the connection) and cannot be a rule's header";
  if (n.starts_with("webhook-") || n.starts_with("x-leadwire-"))
    return "is a signature header Leadwire sets on every webhook";
  return std::nullopt;
}

std::optional<HeaderInput> ReadHeader(FieldReader& f, const std::string& name,
                                      const json::value& v) {
  const std::string field = "headers." + name;
  if (!IsToken(name) || name.size() > 100) {
    f.Fail(field,
           "is not a header name: up to 100 letters, digits and !#$%&'*+-.^_`|~, nothing else");
    return std::nullopt;
  }
  if (auto why = ReservedWhy(name)) {
    f.Fail(field, *why);
    return std::nullopt;
  }
  if (!v.is_string()) {
    f.Fail(field, "must be a string");
    return std::nullopt;
  }
  const std::string_view raw = v.get_string();
  if (raw.find_first_of("\r\n") != raw.npos) {
    f.Fail(field, "must not contain line breaks (CR or LF)");
    return std::nullopt;
  }
  std::string value = Trim(raw);
  if (value == kMaskedValue) return HeaderInput{name, std::nullopt};
  std::string without_tabs = value;
  std::replace(without_tabs.begin(), without_tabs.end(), '\t', ' ');
  if (HasForbiddenCharacters(without_tabs)) {
    f.Fail(field, "must not contain control characters");
    return std::nullopt;
  }
  if (value.empty()) {
    f.Fail(field, "must not be empty (send {} or leave the header out to remove it)");
    return std::nullopt;
  }
  if (value.size() > kMaxHeaderValueBytes) {
    f.Fail(field, "must be at most " + std::to_string(kMaxHeaderValueBytes) + " bytes");
    return std::nullopt;
  }
  return HeaderInput{name, std::move(value)};
}

std::optional<std::vector<HeaderInput>> ReadHeaders(FieldReader& f, const json::object& body) {
  auto it = body.find("headers");
  if (it == body.end()) return std::nullopt;
  std::vector<HeaderInput> out;
  if (it->value().is_null()) return out;
  if (!it->value().is_object()) {
    f.Fail("headers", "must be an object of header names and values");
    return out;
  }
  const json::object& headers = it->value().get_object();
  if (headers.size() > kMaxRuleHeaders) {
    f.Fail("headers", "may hold at most " + std::to_string(kMaxRuleHeaders) + " headers");
    return out;
  }
  for (const auto& [key, value] : headers) {
    const std::string name(key);
    const bool twice = std::any_of(
        out.begin(), out.end(), [&](const HeaderInput& h) { return Lower(h.name) == Lower(name); });
    if (twice) {
      f.Fail("headers." + name, "appears twice (header names ignore case)");
      continue;
    }
    if (auto h = ReadHeader(f, name, value)) out.push_back(std::move(*h));
  }
  return out;
}

// A secret exactly as sent (spaces are part of a password): nullopt when
// left out (keep the rule's); "" only where `may_be_empty` (a Basic password:
// an API key sent as the user name often has none).
std::optional<std::string> ReadSecret(FieldReader& f, const json::object& o, const char* key,
                                      size_t max_bytes, bool may_be_empty) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) {
    f.Fail(key, "must be a string");
    return std::nullopt;
  }
  std::string value(it->value().get_string());
  if (value.empty() && !may_be_empty) {
    f.Fail(key, "must not be empty");
    return std::nullopt;
  }
  if (value.size() > max_bytes) {
    f.Fail(key, "must be at most " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  if (value.find_first_of("\r\n") != std::string::npos) {
    f.Fail(key, "must not contain line breaks (CR or LF)");
    return std::nullopt;
  }
  if (HasForbiddenCharacters(value)) {
    f.Fail(key, "must not contain control characters");
    return std::nullopt;
  }
  return value;
}

std::optional<AuthInput> ReadAuth(FieldReader& f, const json::object& body, bool https_only) {
  auto it = body.find("auth");
  if (it == body.end()) return std::nullopt;
  AuthInput in;
  if (it->value().is_null()) return in;  // none
  if (!it->value().is_object()) {
    f.Fail("auth", "must be an object with a \"type\", or null");
    return in;
  }
  const json::object& auth = it->value().get_object();
  FieldReader a(auth, "auth");
  const std::string type = a.RequiredString("type", 100);
  const AuthName* name = nullptr;
  for (const auto& n : kAuthNames)
    if (type == n.name) name = &n;
  if (!name) {
    if (!type.empty()) a.Fail("type", "must be none, basic, bearer or oauth2_client_credentials");
    f.errors().merge(a.errors());
    return in;
  }
  RuleAuth& r = in.fields;
  r.type = name->type;
  switch (r.type) {
    case AuthType::kNone:
      break;
    case AuthType::kBasic:
      r.username = a.RequiredString("username", 200);
      // RFC 7617: the first colon ends the user name.
      if (r.username.find(':') != std::string::npos)
        a.Fail("username", "must not contain a colon (HTTP Basic cannot carry one)");
      in.secret = ReadSecret(a, auth, "password", 1000, true);
      break;
    case AuthType::kBearer:
      in.secret = ReadSecret(a, auth, "token", kMaxHeaderValueBytes, false);
      if (in.secret && std::any_of(in.secret->begin(), in.secret->end(),
                                   [](unsigned char c) { return c <= ' ' || c >= 0x7f; })) {
        a.Fail("token", "must be printable ASCII without spaces");
        in.secret.reset();
      }
      break;
    case AuthType::kOAuth2ClientCredentials:
      r.token_url = a.RequiredString("token_url", kMaxUrlChars);
      if (!r.token_url.empty())
        if (auto problem = UrlProblem(r.token_url, https_only)) a.Fail("token_url", *problem);
      r.client_id = a.RequiredString("client_id", 500);
      r.scope = a.String("scope", 1000).value_or("");
      in.secret = ReadSecret(a, auth, "client_secret", 1000, false);
      break;
  }
  f.errors().merge(a.errors());
  return in;
}

std::string OriginOf(const std::string& url) {
  auto parsed = ParseWebhookUrl(url);
  return parsed ? parsed->origin : url;
}

const char* kKeptElsewhere =
    "give it again: the address it goes to is now another host, and Leadwire sends a kept secret "
    "only where it was given for";

}  // namespace

std::string HeadersToStorage(const std::vector<RuleHeader>& headers) {
  if (headers.empty()) return "";
  json::array a;
  for (const auto& h : headers) a.push_back(json::object{{"name", h.name}, {"value", h.value}});
  return json::serialize(a);
}

std::vector<RuleHeader> HeadersFromStorage(std::string_view text) {
  std::vector<RuleHeader> out;
  if (text.empty()) return out;
  const json::value parsed = json::parse(text);
  for (const auto& v : parsed.as_array()) {
    const json::object& o = v.as_object();
    out.push_back({Text(o, "name"), Text(o, "value")});
  }
  return out;
}

std::string AuthToStorage(const RuleAuth& auth) {
  if (auth.type == AuthType::kNone) return "";
  return json::serialize(json::object{{"type", NameOf(auth.type).name},
                                      {"username", auth.username},
                                      {"token_url", auth.token_url},
                                      {"client_id", auth.client_id},
                                      {"scope", auth.scope},
                                      {"secret", auth.secret}});
}

RuleAuth AuthFromStorage(std::string_view text) {
  RuleAuth r;
  if (text.empty()) return r;
  const json::object o = json::parse(text).as_object();
  const std::string type = Text(o, "type");
  for (const auto& n : kAuthNames)
    if (type == n.name) r.type = n.type;
  r.username = Text(o, "username");
  r.token_url = Text(o, "token_url");
  r.client_id = Text(o, "client_id");
  r.scope = Text(o, "scope");
  r.secret = Text(o, "secret");
  return r;
}

json::value HeadersJson(const std::vector<RuleHeader>& headers) {
  json::object o;
  for (const auto& h : headers) o[h.name] = kMaskedValue;
  return o;
}

json::value AuthJson(const RuleAuth& auth) {
  if (auth.type == AuthType::kNone) return nullptr;
  const AuthName& name = NameOf(auth.type);
  json::object o{{"type", name.name}};
  if (auth.type == AuthType::kBasic) o["username"] = auth.username;
  if (auth.type == AuthType::kOAuth2ClientCredentials) {
    o["token_url"] = auth.token_url;
    o["client_id"] = auth.client_id;
    o["scope"] = auth.scope;
  }
  o[std::string(name.secret) + "_set"] = !auth.secret.empty();
  return o;
}

std::string CredentialsSummary(const RuleCredentials& c) {
  std::string out = NameOf(c.auth.type).summary;
  if (c.auth.type == AuthType::kBasic) out += " (" + c.auth.username + ")";
  if (c.auth.type == AuthType::kOAuth2ClientCredentials) out += " (" + c.auth.client_id + ")";
  if (!c.headers.empty()) {
    out += "; headers:";
    for (const auto& h : c.headers) out += " " + h.name;
  }
  return out;
}

CredentialsInput ReadCredentialsInput(FieldReader& f, const json::object& body, bool https_only) {
  CredentialsInput in;
  in.headers = ReadHeaders(f, body);
  in.auth = ReadAuth(f, body, https_only);
  return in;
}

json::array SecretsGiven(const CredentialsInput& in) {
  json::array out;
  if (in.headers)
    for (const auto& h : *in.headers)
      if (h.value) out.emplace_back("headers." + h.name);
  if (in.auth && in.auth->secret)
    out.emplace_back(std::string("auth.") + NameOf(in.auth->fields.type).secret);
  return out;
}

Result<RuleCredentials> ApplyCredentials(const CredentialsInput& in, const RuleCredentials& before,
                                         const std::string& url_before,
                                         const std::string& url_after, const SecretBox* box) {
  std::map<std::string, std::string> errors;
  const bool url_moved = !url_before.empty() && OriginOf(url_before) != OriginOf(url_after);
  auto seal = [&](const std::string& plain) {
    // Every node that serves the API has a key (serve refuses to start without one).
    return box ? box->Seal(plain) : std::string();
  };
  if (!box &&
      ((in.headers && std::any_of(in.headers->begin(), in.headers->end(),
                                  [](const HeaderInput& h) { return h.value.has_value(); })) ||
       (in.auth && in.auth->secret)))
    return Fail(Error::Internal("this server has no secret key to seal secrets with"));

  RuleCredentials out;
  if (!in.headers) {
    out.headers = before.headers;
    if (url_moved)
      for (const auto& h : out.headers) errors["headers." + h.name] = kKeptElsewhere;
  } else {
    for (const HeaderInput& h : *in.headers) {
      if (h.value) {
        out.headers.push_back({h.name, seal(*h.value)});
        continue;
      }
      auto kept = std::find_if(before.headers.begin(), before.headers.end(),
                               [&](const auto& b) { return Lower(b.name) == Lower(h.name); });
      if (kept == before.headers.end())
        errors["headers." + h.name] =
            "give the value: \"••••\" keeps a value the rule has, and it has none for this header";
      else if (url_moved)
        errors["headers." + h.name] = kKeptElsewhere;
      else
        out.headers.push_back({h.name, kept->value});
    }
  }

  if (!in.auth) {
    out.auth = before.auth;
    // The rule's URL gets what the secret opens too (an OAuth2 client's
    // tokens): a kept secret of any kind stays only while it stays put.
    if (url_moved && out.auth.type != AuthType::kNone)
      errors[std::string("auth.") + NameOf(out.auth.type).secret] = kKeptElsewhere;
  } else {
    out.auth = in.auth->fields;
    const char* secret = NameOf(out.auth.type).secret;
    if (out.auth.type == AuthType::kNone) {
      // nothing to keep
    } else if (in.auth->secret) {
      out.auth.secret = seal(*in.auth->secret);
    } else if (before.auth.type != out.auth.type || before.auth.secret.empty()) {
      errors[std::string("auth.") + secret] = "is required";
    } else if (url_moved || (out.auth.type == AuthType::kOAuth2ClientCredentials &&
                             OriginOf(before.auth.token_url) != OriginOf(out.auth.token_url))) {
      errors[std::string("auth.") + secret] = kKeptElsewhere;
    } else {
      out.auth.secret = before.auth.secret;
    }
  }
  if (out.auth.type != AuthType::kNone)
    for (const auto& h : out.headers)
      if (Lower(h.name) == "authorization")
        errors["headers." + h.name] =
            "clashes with the rule's authentication (auth): use one or the other";
  if (!errors.empty()) return Fail(Error::Validation(std::move(errors)));
  return out;
}

std::optional<RuleCredentials> OpenCredentials(const RuleCredentials& sealed,
                                               const SecretBox& box) {
  RuleCredentials out = sealed;
  for (auto& h : out.headers) {
    auto plain = box.Open(h.value);
    if (!plain) return std::nullopt;
    h.value = std::move(*plain);
  }
  if (out.auth.type != AuthType::kNone) {
    auto plain = box.Open(out.auth.secret);
    if (!plain) return std::nullopt;
    out.auth.secret = std::move(*plain);
  }
  return out;
}

}  // namespace lw
