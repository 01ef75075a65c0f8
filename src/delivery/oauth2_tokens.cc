#include "delivery/oauth2_tokens.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <cmath>
#include <cstdlib>

#include "common/crypto.h"
#include "common/json_fields.h"
#include "common/metrics.h"
#include "common/unicode.h"

namespace lw {

namespace json = boost::json;

namespace {

constexpr size_t kMaxEntries = 10'000;
constexpr int64_t kMaxTokenLifetimeS = 366LL * 24 * 3600;

// application/x-www-form-urlencoded: unreserved characters as they are,
// everything else percent-encoded (a space as %20, which every server reads).
std::string FormEncode(const std::string& s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string Excerpt(const std::string& body) {
  std::string text = ReplaceForbiddenCharacters(body.substr(0, 200));
  return text.empty() ? "(no body)" : text;
}

}  // namespace

std::string TokenRequestBody(const OAuth2Client& c) {
  std::string body = "grant_type=client_credentials";
  if (!c.scope.empty()) body += "&scope=" + FormEncode(c.scope);
  return body;
}

std::string TokenRequestAuthorization(const OAuth2Client& c) {
  return "Basic " + crypto::Base64(FormEncode(c.client_id) + ":" + FormEncode(c.client_secret));
}

Result<OAuth2Token> ParseTokenAnswer(int http_status, const std::string& body) {
  auto fail = [](std::string why) { return Fail(Error::Unavailable(std::move(why))); };
  if (http_status < 200 || http_status > 299)
    return fail("the token endpoint answered " + std::to_string(http_status) + ": " +
                Excerpt(body));
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  // Not quoted: a 2xx answer may hold a token in some other form.
  if (ec || !v.is_object()) return fail("the token endpoint's answer is not a JSON object");
  const json::object& o = v.get_object();
  const json::value* token = o.if_contains("access_token");
  if (!token || !token->is_string() || token->get_string().empty())
    return fail("the token endpoint's answer holds no access_token");
  OAuth2Token out{std::string(token->get_string()), 0};
  // Sent as a header: nothing that would end it or break it.
  for (unsigned char ch : out.access_token)
    if (ch <= ' ' || ch >= 0x7f)
      return fail("the access_token has characters a header cannot carry");
  if (const json::value* type = o.if_contains("token_type");
      type && type->is_string() && Lower(std::string(type->get_string())) != "bearer")
    return fail("token_type \"" +
                ReplaceForbiddenCharacters(std::string(type->get_string()).substr(0, 40)) +
                "\" is not Bearer");
  if (const json::value* in = o.if_contains("expires_in")) {
    // A number, or (some servers) a number in a string; a year at most, so
    // no answer can overflow the clock, and nonsense (≤ 0) as unsaid.
    double seconds = 0;
    if (in->is_number()) seconds = in->to_number<double>();
    if (in->is_string()) seconds = std::strtod(in->get_string().c_str(), nullptr);
    if (std::isfinite(seconds) && seconds >= 1)
      out.expires_in_s = int64_t(std::min(seconds, double(kMaxTokenLifetimeS)));
  }
  return out;
}

OAuth2Tokens::Next OAuth2Tokens::Take(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxEntries) PruneLocked(now);
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  if (!e.token.empty() && now < e.use_until) return {Step::kUse, e.token};
  if (e.fetching) return {Step::kWait, ""};
  if (!e.failure.empty() && now < e.failed_until) return {Step::kFail, e.failure};
  e.fetching = true;
  return {Step::kFetch, ""};
}

void OAuth2Tokens::Fetched(const std::string& key, const Result<OAuth2Token>& token,
                           Clock::time_point now) {
  metrics::CountTokenRequest(token.has_value());
  std::lock_guard lock(mutex_);
  ++requests_;
  Entry& e = entries_[key];
  e.fetching = false;
  if (!token) {
    e.token.clear();
    e.failure = token.error().message;
    e.failed_until = now + kFailureHold;
    return;
  }
  e.failure.clear();
  e.token = token->access_token;
  using std::chrono::seconds;
  const int64_t life = token->expires_in_s;
  e.use_until = life == 0    ? now + kLifetimeUnknown
                : life > 120 ? now + seconds(life - 60)
                             : now + std::chrono::milliseconds(life * 500);
}

void OAuth2Tokens::Abandoned(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) it->second.fetching = false;
}

bool OAuth2Tokens::Refused(const std::string& key, const std::string& token,
                           Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.token != token) return true;  // replaced already
  Entry& e = it->second;
  // A receiver that refuses every token would cost a token per webhook.
  if (e.refreshed_at && now - *e.refreshed_at < kRefreshEvery) return false;
  e.refreshed_at = now;
  e.token.clear();
  return true;
}

uint64_t OAuth2Tokens::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void OAuth2Tokens::PruneLocked(Clock::time_point now) {
  std::erase_if(entries_, [&](const auto& kv) {
    const Entry& e = kv.second;
    return !e.fetching && now >= e.use_until && now >= e.failed_until;
  });
}

}  // namespace lw
