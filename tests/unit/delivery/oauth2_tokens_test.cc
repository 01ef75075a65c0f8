// OAuth2Tokens (delivery/oauth2_tokens): one fetch however many ask, used
// until 60 s before expiry, a 401 drops the token once, a failure stands a
// few seconds; and the token request and answer as RFC 6749 has them.
#include "delivery/oauth2_tokens.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

using Step = OAuth2Tokens::Step;
using std::chrono::seconds;
const OAuth2Tokens::Clock::time_point kT0{};

OAuth2Token Token(std::string text, int64_t expires_in) { return {std::move(text), expires_in}; }

TEST(OAuth2Tokens, OneFetchForEveryoneUntilSixtySecondsBeforeExpiry) {
  OAuth2Tokens tokens;
  EXPECT_EQ(tokens.Take("k", kT0).step, Step::kFetch);
  EXPECT_EQ(tokens.Take("k", kT0).step, Step::kWait) << "another thread fetches it";
  EXPECT_EQ(tokens.Take("other", kT0).step, Step::kFetch) << "keys do not share tokens";
  tokens.Fetched("k", Token("t1", 3600), kT0);
  EXPECT_EQ(tokens.Take("k", kT0 + seconds(3539)).text, "t1");
  EXPECT_EQ(tokens.Take("k", kT0 + seconds(3540)).step, Step::kFetch);
  tokens.Fetched("k", Token("t2", 90), kT0 + seconds(3540));  // short: half its life
  EXPECT_EQ(tokens.Take("k", kT0 + seconds(3584)).text, "t2");
  EXPECT_EQ(tokens.Take("k", kT0 + seconds(3585)).step, Step::kFetch);
  tokens.Fetched("k", Token("t3", 0), kT0);  // no expires_in: ten minutes
  EXPECT_EQ(tokens.Take("k", kT0 + seconds(599)).text, "t3");
  EXPECT_EQ(tokens.requests(), 3u);
}

TEST(OAuth2Tokens, ARefusedTokenIsDroppedOnceAndAFailureStandsAWhile) {
  OAuth2Tokens tokens;
  tokens.Take("k", kT0);
  tokens.Fetched("k", Token("old", 3600), kT0);
  EXPECT_TRUE(tokens.Refused("k", "old", kT0));
  EXPECT_EQ(tokens.Take("k", kT0).step, Step::kFetch);
  tokens.Fetched("k", Token("new", 3600), kT0);
  EXPECT_TRUE(tokens.Refused("k", "old", kT0)) << "a late 401 for the old one: send with the new";
  EXPECT_EQ(tokens.Take("k", kT0).text, "new") << "the new token stays";
  // A receiver that refuses every token: one refresh per 10 s, not one per webhook.
  EXPECT_FALSE(tokens.Refused("k", "new", kT0 + seconds(9)));
  EXPECT_EQ(tokens.Take("k", kT0 + seconds(9)).text, "new");
  EXPECT_TRUE(tokens.Refused("k", "new", kT0 + seconds(10)));

  tokens.Take("k", kT0);
  tokens.Fetched("k", Fail(Error::Unavailable("the token endpoint answered 500: x")), kT0);
  auto failed = tokens.Take("k", kT0 + seconds(4));
  EXPECT_EQ(failed.step, Step::kFail);
  EXPECT_EQ(failed.text, "the token endpoint answered 500: x");
  EXPECT_EQ(tokens.Take("k", kT0 + seconds(5)).step, Step::kFetch);
  tokens.Abandoned("k");
  EXPECT_EQ(tokens.Take("k", kT0 + seconds(5)).step, Step::kFetch) << "an abandoned fetch ends";
}

TEST(OAuth2Tokens, NoExpiresInOverflowsTheClock) {
  for (const char* answer : {R"({"access_token":"a","expires_in":9223372036854775807})",
                             R"({"access_token":"a","expires_in":1e300})",
                             R"({"access_token":"a","expires_in":"99999999999999999999"})"}) {
    auto t = ParseTokenAnswer(200, answer);
    ASSERT_TRUE(t) << answer;
    EXPECT_EQ(t->expires_in_s, 366LL * 24 * 3600) << answer;
    OAuth2Tokens tokens;
    tokens.Take("k", kT0);
    tokens.Fetched("k", *t, kT0);
    EXPECT_EQ(tokens.Take("k", kT0 + seconds(3600)).text, "a") << answer;
  }
  for (const char* answer :
       {R"({"access_token":"a","expires_in":-5})", R"({"access_token":"a","expires_in":"soon"})",
        R"({"access_token":"a","expires_in":0.2})"})
    EXPECT_EQ(ParseTokenAnswer(200, answer)->expires_in_s, 0) << answer << ": as if unsaid";
}

TEST(OAuth2Tokens, TheRequestIsAClientCredentialsGrantWithBasicClientAuthentication) {
  const OAuth2Client c{"1|x", "https://auth.example/token", "my id", "s3:cr/t", "a b:c"};
  EXPECT_EQ(TokenRequestBody(c), "grant_type=client_credentials&scope=a%20b%3Ac");
  EXPECT_EQ(TokenRequestAuthorization(c),
            "Basic bXklMjBpZDpzMyUzQWNyJTJGdA==");  // my%20id:s3%3Acr%2Ft
  EXPECT_EQ(TokenRequestBody({"", "", "id", "s", ""}), "grant_type=client_credentials");
}

TEST(OAuth2Tokens, ReadsTheAnswerOrSaysWhatIsWrongWithIt) {
  auto ok =
      ParseTokenAnswer(200, R"({"access_token":"abc","token_type":"Bearer","expires_in":3599})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->access_token, "abc");
  EXPECT_EQ(ok->expires_in_s, 3599);
  EXPECT_EQ(ParseTokenAnswer(200, R"({"access_token":"abc","expires_in":"60"})")->expires_in_s, 60);
  const std::pair<int, const char*> bad[] = {
      {401, R"({"error":"invalid_client"})"},
      {200, "not json"},
      {200, R"({"token_type":"bearer"})"},
      {200, R"({"access_token":"a b"})"},
      {200, R"({"access_token":"abc","token_type":"mac"})"},
  };
  const char* says[] = {"the token endpoint answered 401: {\"error\":\"invalid_client\"}",
                        "not a JSON object", "holds no access_token",
                        "characters a header cannot carry", "token_type \"mac\" is not Bearer"};
  for (size_t i = 0; i < std::size(bad); ++i) {
    auto r = ParseTokenAnswer(bad[i].first, bad[i].second);
    ASSERT_FALSE(r) << bad[i].second;
    EXPECT_NE(r.error().message.find(says[i]), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace lw
