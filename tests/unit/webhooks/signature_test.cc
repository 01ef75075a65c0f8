#include "webhooks/signature.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace lw
