#include "webhooks/signature.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/ed25519.h"

namespace lw {
namespace {

// The Standard Webhooks / Svix published test vector.
constexpr const char* kKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kMsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTs = 1614265330;
constexpr const char* kBody = R"({"test": 2432232314})";

TEST(Signature, MatchesTheStandardWebhooksVector) {
  EXPECT_EQ(StandardSignature(kKey, kMsgId, kTs, kBody),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(Signature, LeadwireSchemeIsHexHmacOfTheBodyUnderTheWholeKeyString) {
  EXPECT_EQ(LeadwireSignature(kKey, kBody),
            "sha256=80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c");
}

TEST(Signature, HeaderCarriesOneSignaturePerKey) {
  const std::string old_key = "whsec_dGhlIHByZXZpb3VzIGtleSB0aGlydHktdHdvIGJ5dGVzIQ==";
  const std::string header = StandardSignatureHeader({kKey, old_key}, kMsgId, kTs, kBody);
  EXPECT_EQ(header, *StandardSignature(kKey, kMsgId, kTs, kBody) + " " +
                        *StandardSignature(old_key, kMsgId, kTs, kBody));
  EXPECT_TRUE(VerifyStandardSignature(header, kKey, kMsgId, kTs, kBody));
  EXPECT_TRUE(VerifyStandardSignature(header, old_key, kMsgId, kTs, kBody));
}

TEST(Signature, VerificationRejectsAnyChange) {
  const std::string header = *StandardSignature(kKey, kMsgId, kTs, kBody);
  EXPECT_TRUE(VerifyStandardSignature(header, kKey, kMsgId, kTs, kBody));
  EXPECT_FALSE(VerifyStandardSignature(header, kKey, kMsgId, kTs + 1, kBody));
  EXPECT_FALSE(VerifyStandardSignature(header, kKey, "msg_other", kTs, kBody));
  EXPECT_FALSE(VerifyStandardSignature(header, kKey, kMsgId, kTs, R"({"test": 2432232315})"));
  EXPECT_FALSE(VerifyStandardSignature(header, "whsec_AAAA", kMsgId, kTs, kBody));
  EXPECT_FALSE(VerifyStandardSignature("", kKey, kMsgId, kTs, kBody));
  EXPECT_FALSE(VerifyStandardSignature(header, "not-a-key", kMsgId, kTs, kBody));
  EXPECT_TRUE(VerifyLeadwireSignature(LeadwireSignature(kKey, kBody), kKey, kBody));
  EXPECT_FALSE(VerifyLeadwireSignature(LeadwireSignature(kKey, kBody), kKey, "{}"));
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(char(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// RFC 8032 §7.1, TEST 1: the seed gives its public key and signature.
TEST(Ed25519, MatchesTheRfc8032Vector) {
  auto key = Ed25519Key::FromSeed(
      Unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(key);
  const std::string pk = Unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(key->PublicKeyText(), "whpk_" + crypto::Base64(pk));
  EXPECT_EQ(PublicKeyBytes(key->PublicKeyText()), pk);
  const std::string sig = key->Sign("");
  EXPECT_EQ(crypto::Hex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
            "701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(Ed25519Verify(pk, sig, ""));
  EXPECT_FALSE(Ed25519Verify(pk, sig, "x"));
  EXPECT_FALSE(Ed25519Key::FromSeed("short"));
  EXPECT_FALSE(PublicKeyBytes("whpk_AAAA"));
  EXPECT_FALSE(PublicKeyBytes("whsec_" + crypto::Base64(pk)));
}

TEST(Ed25519, HeaderCarriesV1ThenV1aAndEachVerifies) {
  auto key = Ed25519Key::Generate();
  auto old_key = Ed25519Key::Generate();
  const std::string header = StandardSignatureHeader({kKey}, kMsgId, kTs, kBody, {key, old_key});
  EXPECT_EQ(header, *StandardSignature(kKey, kMsgId, kTs, kBody) + " " +
                        AsymmetricSignature(*key, kMsgId, kTs, kBody) + " " +
                        AsymmetricSignature(*old_key, kMsgId, kTs, kBody));
  EXPECT_TRUE(VerifyStandardSignature(header, kKey, kMsgId, kTs, kBody));
  EXPECT_TRUE(VerifyAsymmetricSignature(header, key->PublicKeyText(), kMsgId, kTs, kBody));
  EXPECT_TRUE(VerifyAsymmetricSignature(header, old_key->PublicKeyText(), kMsgId, kTs, kBody));
  // The signed content is Standard Webhooks' "{id}.{timestamp}.{body}".
  const std::string v1a = AsymmetricSignature(*key, kMsgId, kTs, kBody);
  EXPECT_TRUE(Ed25519Verify(*PublicKeyBytes(key->PublicKeyText()),
                            *crypto::Base64Decode(v1a.substr(4)),
                            std::string(kMsgId) + "." + std::to_string(kTs) + "." + kBody));
}

TEST(Ed25519, VerificationRejectsAnyChange) {
  auto key = Ed25519Key::Generate();
  const std::string pk = key->PublicKeyText();
  const std::string header = AsymmetricSignature(*key, kMsgId, kTs, kBody);
  EXPECT_TRUE(VerifyAsymmetricSignature(header, pk, kMsgId, kTs, kBody));
  EXPECT_FALSE(VerifyAsymmetricSignature(header, pk, kMsgId, kTs + 1, kBody));
  EXPECT_FALSE(VerifyAsymmetricSignature(header, pk, "msg_other", kTs, kBody));
  EXPECT_FALSE(VerifyAsymmetricSignature(header, pk, kMsgId, kTs, "{}"));
  EXPECT_FALSE(VerifyAsymmetricSignature(header, Ed25519Key::Generate()->PublicKeyText(), kMsgId,
                                         kTs, kBody));
  EXPECT_FALSE(VerifyAsymmetricSignature(header, "whpk_AAAA", kMsgId, kTs, kBody));
  // A "v1" entry is not taken for a "v1a" one, nor a cut signature.
  EXPECT_FALSE(VerifyAsymmetricSignature("v1," + header.substr(4), pk, kMsgId, kTs, kBody));
  EXPECT_FALSE(
      VerifyAsymmetricSignature(header.substr(0, header.size() - 4), pk, kMsgId, kTs, kBody));
  EXPECT_FALSE(VerifyAsymmetricSignature("", pk, kMsgId, kTs, kBody));
}

}  // namespace
}  // namespace lw
