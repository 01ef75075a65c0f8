// What a rule sends besides the signed webhook: headers of its own (an API
// key, say) and how it proves itself to the receiver — HTTP Basic, a Bearer
// token, or an OAuth2 client-credentials token fetched from the firm's token
// URL. Secret values (header values, the password, token and client secret)
// are write-only: kept sealed (SecretBox), shown as "••••" or "…_set":true,
// and kept by a PUT that leaves them out. Pure but for the sealing.
#pragma once

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/json_fields.h"
#include "common/secret_box.h"

namespace lw {

enum class AuthType { kNone, kBasic, kBearer, kOAuth2ClientCredentials };

// In a Rule the secret fields hold the sealed text; once opened for a
// delivery, the plain one.
struct RuleHeader {
  std::string name;
  std::string value;  // secret
  bool operator==(const RuleHeader&) const = default;
};
struct RuleAuth {
  AuthType type = AuthType::kNone;
  std::string username;   // basic
  std::string token_url;  // oauth2
  std::string client_id;  // oauth2
  std::string scope;      // oauth2, may be empty
  std::string secret;     // the password (basic), token (bearer) or client secret (oauth2)
  bool operator==(const RuleAuth&) const = default;
};
struct RuleCredentials {
  std::vector<RuleHeader> headers;
  RuleAuth auth;
  bool operator==(const RuleCredentials&) const = default;
};

inline constexpr size_t kMaxRuleHeaders = 10;
inline constexpr size_t kMaxHeaderValueBytes = 4096;
// What GET shows for a header's value, and what a PUT sends back to keep it.
inline constexpr std::string_view kMaskedValue = "••••";

// The stored form, one JSON text per column; "" = none.
std::string HeadersToStorage(const std::vector<RuleHeader>& headers);
std::vector<RuleHeader> HeadersFromStorage(std::string_view text);
std::string AuthToStorage(const RuleAuth& auth);
RuleAuth AuthFromStorage(std::string_view text);

// As GET shows them: {"X-Api-Key":"••••"}; null or
// {"type":"basic","username":"x","password_set":true}.
boost::json::value HeadersJson(const std::vector<RuleHeader>& headers);
boost::json::value AuthJson(const RuleAuth& auth);
// "None", "Basic (user)", "OAuth2 client credentials" (+ header names): the export's column.
std::string CredentialsSummary(const RuleCredentials& c);

// A request body's "headers" and "auth", validated. A secret left out (a
// header's value sent as "••••") is nullopt: the rule keeps the one it has.
struct HeaderInput {
  std::string name;
  std::optional<std::string> value;
};
struct AuthInput {
  RuleAuth fields;                    // secret: unused
  std::optional<std::string> secret;  // nullopt: keep
};
struct CredentialsInput {
  std::optional<std::vector<HeaderInput>> headers;  // nullopt: "headers" absent, keep them
  std::optional<AuthInput> auth;                    // nullopt: "auth" absent, keep it
};
// Errors go to `f` under "headers.NAME" and "auth.FIELD". https_only: the
// token URL must be https:// too.
CredentialsInput ReadCredentialsInput(FieldReader& f, const boost::json::object& body,
                                      bool https_only);
// The fields whose secret `in` sets ("headers.X-Api-Key", "auth.password"):
// what the audit log can say changed, though it never shows a secret.
boost::json::array SecretsGiven(const CredentialsInput& in);

// The rule's credentials after `in`, secrets sealed: those given sealed by
// `box`, those left out taken from `before`. A secret left out that the rule
// does not have, or kept while the address it goes to (the rule's URL, the
// token URL) moves to another origin, is a 422 on its field: a kept secret is
// only ever sent where it was given for.
Result<RuleCredentials> ApplyCredentials(const CredentialsInput& in, const RuleCredentials& before,
                                         const std::string& url_before,
                                         const std::string& url_after, const SecretBox* box);

// The plain credentials of a stored rule; nullopt when a secret cannot be
// opened with `box` (sealed with another key).
std::optional<RuleCredentials> OpenCredentials(const RuleCredentials& sealed, const SecretBox& box);

}  // namespace lw
