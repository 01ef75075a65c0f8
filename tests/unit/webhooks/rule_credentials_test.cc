// Rule headers and auth (webhooks/rule_credentials): what a body may say,
// how omitted secrets are kept, and when a kept secret must be given again.
#include "webhooks/rule_credentials.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace lw {
namespace {

namespace json = boost::json;

const auto kBox = SecretBox::FromKey(std::string(32, 'k'));

Result<RuleCredentials> Apply(const char* body, const RuleCredentials& before = {},
                              const std::string& url_before = "",
                              const std::string& url_after = "https://a.example/hook") {
  const json::object o = json::parse(body).as_object();
  FieldReader f(o);
  CredentialsInput in = ReadCredentialsInput(f, o, false);
  if (auto st = f.Check(); !st) return Fail(st.error());
  return ApplyCredentials(in, before, url_before, url_after, kBox.get());
}

std::string Opened(const std::string& sealed) { return kBox->Open(sealed).value_or("?"); }

TEST(RuleCredentials, SealsWhatIsGivenAndShowsOnlyThatItIsSet) {
  auto c = Apply(
      R"({"headers":{"X-Api-Key":"k1"},"auth":{"type":"basic","username":"u","password":"p"}})");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->headers.size(), 1u);
  EXPECT_EQ(Opened(c->headers[0].value), "k1");
  EXPECT_EQ(Opened(c->auth.secret), "p");
  EXPECT_EQ(json::serialize(HeadersJson(c->headers)), R"({"X-Api-Key":"••••"})");
  EXPECT_EQ(json::serialize(AuthJson(c->auth)),
            R"({"type":"basic","username":"u","password_set":true})");
  EXPECT_EQ(AuthFromStorage(AuthToStorage(c->auth)), c->auth);
  EXPECT_EQ(HeadersFromStorage(HeadersToStorage(c->headers)), c->headers);
  EXPECT_EQ(CredentialsSummary(*c), "Basic (u); headers: X-Api-Key");
  auto plain = OpenCredentials(*c, *kBox);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->auth.secret, "p");
  EXPECT_FALSE(OpenCredentials(*c, *SecretBox::FromKey(std::string(32, 'x'))));
}

TEST(RuleCredentials, SecretsAreTakenAsSentNotTrimmed) {
  auto c = Apply(R"({"auth":{"type":"basic","username":"sk_live_key","password":""}})");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(Opened(c->auth.secret), "") << "an API key as the user name, no password";
  auto spaced = Apply(R"({"auth":{"type":"basic","username":"u","password":"  two spaces  "}})");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(Opened(spaced->auth.secret), "  two spaces  ");
  auto empty_token = Apply(R"({"auth":{"type":"bearer","token":""}})");
  ASSERT_FALSE(empty_token);
  EXPECT_EQ(empty_token.error().fields.at("auth.token"), "must not be empty");
  EXPECT_FALSE(Apply(R"({"auth":{"type":"basic","username":"u","password":"a\nb"}})"));
}

TEST(RuleCredentials, AnOmittedSecretIsKeptForTheSameHostOnly) {
  const std::string url = "https://a.example/hook";
  auto before =
      Apply(R"({"headers":{"X-Api-Key":"k1","X-Other":"o"},"auth":{"type":"bearer","token":"t"}})");
  ASSERT_TRUE(before);
  // Left out, or sent back masked: kept, sealed as it was.
  for (const char* body :
       {R"({})", R"({"headers":{"X-Api-Key":"••••","X-Other":"••••"},"auth":{"type":"bearer"}})"}) {
    auto kept = Apply(body, *before, url, "https://a.example/other-path");
    ASSERT_TRUE(kept) << body << ": " << kept.error().message;
    EXPECT_EQ(*kept, *before) << body;
  }
  // One header dropped, one changed.
  auto changed = Apply(R"({"headers":{"X-Api-Key":"k2"}})", *before, url, url);
  ASSERT_TRUE(changed);
  ASSERT_EQ(changed->headers.size(), 1u);
  EXPECT_EQ(Opened(changed->headers[0].value), "k2");
  // Another host: every kept secret must be given again.
  auto moved = Apply(R"({})", *before, url, "https://b.example/hook");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().fields.size(), 3u);
  EXPECT_TRUE(moved.error().fields.count("auth.token"));
  EXPECT_TRUE(Apply(R"({"headers":{"X-Api-Key":"k1"},"auth":{"type":"bearer","token":"t"}})",
                    *before, url, "https://b.example/hook"));
  // A new kind of auth needs its own secret.
  auto switched = Apply(R"({"auth":{"type":"basic","username":"u"}})", *before, url, url);
  ASSERT_FALSE(switched);
  EXPECT_EQ(switched.error().fields.at("auth.password"), "is required");
}

TEST(RuleCredentials, AClientSecretStaysOnlyWhileItsTokenUrlAndTheRulesUrlStayPut) {
  const std::string url = "https://a.example/hook";
  auto before = Apply(
      R"({"auth":{"type":"oauth2_client_credentials","token_url":"https://id.example/token","client_id":"c","client_secret":"s","scope":"x"}})");
  ASSERT_TRUE(before);
  EXPECT_TRUE(Apply(
      R"({"auth":{"type":"oauth2_client_credentials","token_url":"https://id.example/v2/token","client_id":"c2"}})",
      *before, url, "https://a.example/other"));
  // The rule's URL gets the tokens the secret opens: moved, the secret must come again.
  for (
      const char* body :
      {R"({})",
       R"({"auth":{"type":"oauth2_client_credentials","token_url":"https://id.example/token","client_id":"c"}})"}) {
    auto moved = Apply(body, *before, url, "https://b.example/hook");
    ASSERT_FALSE(moved) << body;
    EXPECT_TRUE(moved.error().fields.count("auth.client_secret")) << body;
  }
  auto moved = Apply(
      R"({"auth":{"type":"oauth2_client_credentials","token_url":"https://evil.example/token","client_id":"c"}})",
      *before, url, url);
  ASSERT_FALSE(moved);
  EXPECT_NE(moved.error().fields.at("auth.client_secret").find("give it again"), std::string::npos);
}

}  // namespace
}  // namespace lw
