// SendingSecrets (delivery/sending_secrets): what a claimed delivery sends
// besides its signature, opened once per rule; two firms with the same OAuth2
// credentials never share a token; what cannot be opened is never sent.
#include "delivery/sending_secrets.h"

#include <gtest/gtest.h>

#include "webhooks/rule_credentials.h"

namespace lw {
namespace {

const auto kBox = SecretBox::FromKey(std::string(32, 'k'));

deliveries::Claimed Claim(int64_t org, int64_t rule, const RuleCredentials& plain) {
  RuleCredentials sealed = plain;
  for (auto& h : sealed.headers) h.value = kBox->Seal(h.value);
  if (sealed.auth.type != AuthType::kNone) sealed.auth.secret = kBox->Seal(plain.auth.secret);
  deliveries::Claimed d;
  d.org_id = org;
  d.rule_id = rule;
  d.headers = HeadersToStorage(sealed.headers);
  d.auth = AuthToStorage(sealed.auth);
  return d;
}

TEST(SendingSecrets, AddsTheRulesHeadersAndAuthorization) {
  SendingSecrets secrets(kBox);
  DeliveryJob job;
  RuleAuth basic{AuthType::kBasic, "intake", "", "", "", "pw"};
  secrets.Apply(Claim(1, 10, {{{"X-Api-Key", "k1"}}, basic}), job, 0);
  EXPECT_EQ(job.headers,
            (std::vector<std::string>{"X-Api-Key: k1", "Authorization: Basic aW50YWtlOnB3"}));
  EXPECT_TRUE(job.refusal.empty());
  DeliveryJob bearer;
  secrets.Apply(Claim(1, 11, {{}, {AuthType::kBearer, "", "", "", "", "tok"}}), bearer, 0);
  EXPECT_EQ(bearer.headers, std::vector<std::string>{"Authorization: Bearer tok"});
}

TEST(SendingSecrets, TwoFirmsWithTheSameOAuth2CredentialsHoldTokensApart) {
  SendingSecrets secrets(kBox);
  const RuleAuth oauth{
      AuthType::kOAuth2ClientCredentials, "", "https://id.example/token", "c", "", "s"};
  DeliveryJob a, a2, b;
  secrets.Apply(Claim(1, 10, {{}, oauth}), a, 0);
  secrets.Apply(Claim(1, 12, {{}, oauth}), a2, 0);
  secrets.Apply(Claim(2, 20, {{}, oauth}), b, 0);
  ASSERT_TRUE(a.oauth2 && a2.oauth2 && b.oauth2);
  EXPECT_EQ(a.oauth2->key, a2.oauth2->key) << "one firm's rules share their client's token";
  EXPECT_NE(a.oauth2->key, b.oauth2->key);
  EXPECT_EQ(a.oauth2->client_secret, "s");
  EXPECT_TRUE(a.headers.empty()) << "the token is the transport's to add";
}

TEST(SendingSecrets, WhatCannotBeOpenedIsRefusedNotSentWithout) {
  SendingSecrets other_key(SecretBox::FromKey(std::string(32, 'x')));
  DeliveryJob job;
  other_key.Apply(Claim(1, 10, {{{"X-Api-Key", "k1"}}, {}}), job, 0);
  EXPECT_NE(job.refusal.find("cannot be opened"), std::string::npos);
  EXPECT_TRUE(job.headers.empty());

  SendingSecrets secrets(kBox);
  deliveries::Claimed broken = Claim(1, 11, {});
  broken.auth = "{not json";
  DeliveryJob refused;
  secrets.Apply(broken, refused, 0);
  EXPECT_NE(refused.refusal.find("cannot be read"), std::string::npos);
  deliveries::Claimed split = Claim(1, 12, {{{"X-A", "x"}}, {}});
  split.headers = HeadersToStorage({{"X-A", kBox->Seal("a\r\nInjected: 1")}});
  DeliveryJob injected;
  secrets.Apply(split, injected, 0);
  EXPECT_NE(injected.refusal.find("line break"), std::string::npos);
  EXPECT_TRUE(injected.headers.empty());
}

}  // namespace
}  // namespace lw
