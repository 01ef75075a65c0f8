#include "common/secrets.h"

#include <gtest/gtest.h>

#include <set>

#include "common/crypto.h"

namespace lw {
namespace {

TEST(Secrets, WebhookKeyIsWhsecAndThirtyTwoRandomBytes) {
  const std::string key = secrets::NewWebhookKey();
  ASSERT_TRUE(key.starts_with("whsec_"));
  auto bytes = crypto::Base64Decode(key.substr(6));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 32u);
  EXPECT_NE(key, secrets::NewWebhookKey());
}

TEST(Secrets, ApiTokensAreUniqueAndUrlSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = secrets::NewApiToken();
    ASSERT_TRUE(t.starts_with("lw_"));
    EXPECT_EQ(t.size(), 46u);
    EXPECT_EQ(
        t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", 3),
        std::string::npos);
    EXPECT_TRUE(seen.insert(t).second);
  }
}

TEST(Secrets, TokenHashIsSha256Hex) {
  EXPECT_EQ(secrets::TokenHash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Secrets, PasswordsHashWithArgon2idAndVerify) {
  const std::string hash = secrets::HashPassword("correct horse");
  EXPECT_TRUE(hash.starts_with("$argon2id$"));
  EXPECT_TRUE(secrets::VerifyPassword(hash, "correct horse"));
  EXPECT_FALSE(secrets::VerifyPassword(hash, "correct horsE"));
  EXPECT_FALSE(secrets::VerifyPassword("not a hash", "correct horse"));
  EXPECT_NE(hash, secrets::HashPassword("correct horse"));  // salted
}

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(crypto::Hex(crypto::HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Base64RoundTripsAndRejectsGarbage) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = crypto::Base64Decode(crypto::Base64(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(crypto::Base64Decode("abc"));
  EXPECT_FALSE(crypto::Base64Decode("a!c="));
}

TEST(Crypto, ConstantTimeEquals) {
  EXPECT_TRUE(crypto::ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(crypto::ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace lw
