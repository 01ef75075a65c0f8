// The deliveries repository against a real SQLite file, with time passed in:
// claims with leases and in turns across rules, keys during a rotation, held deliveries, the
// delivery log's fixed query count, and id lists longer than one statement.
#include "webhooks/delivery_repository.h"

#include <gtest/gtest.h>

#include "common/ed25519.h"
#include "delivery/signed_job.h"
#include "support/counting_connection.h"
#include "support/delivery_db.h"
#include "webhooks/rules_service.h"
#include "webhooks/signing_keypair.h"
#include "webhooks/webhook_settings.h"

namespace lw {
namespace {

// What these tests sign with: the claim's HMAC keys (the transport also adds
// the organization's Ed25519 keypair, when it has one).
std::shared_ptr<const SigningKeys> HmacKeysOf(const deliveries::Claimed& d) {
  return std::make_shared<const SigningKeys>(SigningKeys{d.keys, {}});
}

using testing::kT0;
constexpr int64_t kLease = 60'000;

class DeliveryRepository : public testing::DeliveryDb {};

TEST_F(DeliveryRepository, ClaimsDueDeliveriesOnceUntilTheLeaseRunsOut) {
  const int64_t id = Queue(kT0);
  Queue(kT0 + 10 * kLease);  // not yet due
  auto first = Claim(kT0, kLease);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, id);
  EXPECT_EQ(first[0].keys.size(), 1u);
  EXPECT_TRUE(Claim(kT0 + 1000).empty()) << "leased";
  EXPECT_EQ(Claim(kT0 + kLease + 1).size(), 1u) << "a dead node's lease runs out";
}

TEST_F(DeliveryRepository, GivenBackLeasesAreClaimableAtOnce) {
  const int64_t id = Queue(kT0);
  ASSERT_EQ(Claim(kT0).size(), 1u);
  SetLeases({id}, "node-a", 0);
  EXPECT_EQ(Claim(kT0 + 1).size(), 1u);
}

// A node whose lease ran out while it was stalled must not renew or give back
// what another node has claimed since.
TEST_F(DeliveryRepository, ANodeMovesOnlyTheLeasesItHolds) {
  const int64_t id = Queue(kT0);
  ASSERT_EQ(Claim(kT0, kLease, "node-a").size(), 1u);
  ASSERT_EQ(Claim(kT0 + kLease + 1, kLease, "node-b").size(), 1u) << "node-a's lease ran out";
  SetLeases({id}, "node-a", 0);
  EXPECT_TRUE(Claim(kT0 + kLease + 2, kLease, "node-c").empty()) << "node-b still holds it";
  SetLeases({id}, "node-b", 0);
  EXPECT_EQ(Claim(kT0 + kLease + 3, kLease, "node-c").size(), 1u);
}

TEST_F(DeliveryRepository, SignsWithBothKeysDuringARotation) {
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    EXPECT_TRUE(RotateWebhookKey(c, Admin(kT0), nullptr));
    return {};
  }));
  Queue(kT0);
  auto claimed = Claim(kT0, kLease);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].keys.size(), 2u);
  DeliveryJob job = BuildJob(claimed[0], HmacKeysOf(claimed[0]));
  ASSERT_TRUE(FinishJob(job, kT0));
  const auto& lines = job.signature_headers;
  const auto sig = std::find_if(lines.begin(), lines.end(), [](const std::string& h) {
    return h.starts_with("webhook-signature: ");
  });
  ASSERT_NE(sig, lines.end());
  EXPECT_NE(sig->find(' ', 19), std::string::npos) << *sig;
  Queue(kT0 + kKeyGraceMs + 1);
  auto later = Claim(kT0 + kKeyGraceMs + 1);  // the new one and the first (its lease ran out)
  ASSERT_EQ(later.size(), 2u);
  for (const auto& d : later)
    EXPECT_EQ(d.keys.size(), 1u) << "the previous key stops signing after 24 hours";
}

// With Ed25519 on, a claim carries the sealed seeds: the current one, and
// the previous one through the rotation's grace; with HMAC only, none.
TEST_F(DeliveryRepository, CarriesEd25519KeysWhileTheyAreOnAndThroughARotation) {
  const auto box = SecretBox::FromKey(std::string(32, 'k'));
  auto set = [&](const char* signing, int64_t at) {
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      return SetSigning(c, Admin(at), signing, box.get());
    }));
  };
  Queue(kT0);
  EXPECT_TRUE(Claim(kT0, kLease)[0].ed25519_keys.empty()) << "HMAC only";
  set(kSigningEd25519, kT0);
  Queue(kT0 + 1);
  auto on = Claim(kT0 + 1, kLease);
  ASSERT_EQ(on.size(), 1u);
  ASSERT_EQ(on[0].ed25519_keys.size(), 1u);
  auto seed = box->Open(on[0].ed25519_keys[0]);
  ASSERT_TRUE(seed) << "sealed";
  ASSERT_TRUE(db_->Read([&](sql::Connection& c) -> Status {
    EXPECT_EQ(Ed25519Key::FromSeed(*seed)->PublicKeyText(),
              LoadSigningKeypair(c, Admin(0).org_id).public_key);
    return {};
  }));
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    EXPECT_TRUE(RotateWebhookKey(c, Admin(kT0 + 2), box.get()));
    return {};
  }));
  Queue(kT0 + 2);
  auto rotated = Claim(kT0 + 2, kLease);
  ASSERT_EQ(rotated.size(), 1u);
  ASSERT_EQ(rotated[0].ed25519_keys.size(), 2u);
  EXPECT_EQ(rotated[0].ed25519_keys[1], on[0].ed25519_keys[0]) << "the previous key, second";
  Queue(kT0 + kKeyGraceMs + 3);
  for (const auto& d : Claim(kT0 + kKeyGraceMs + 3, kLease))
    EXPECT_EQ(d.ed25519_keys.size(), 1u) << "the previous key stops signing after 24 hours";
  set(kSigningHmac, kT0 + kKeyGraceMs + 4);
  Queue(kT0 + kKeyGraceMs + 4);
  for (const auto& d : Claim(kT0 + 3 * kKeyGraceMs, kLease)) EXPECT_TRUE(d.ed25519_keys.empty());
}

// Firm B's fresh delivery is claimed in the first batch even though firm A's
// backlog is older and far longer than the batch.
TEST_F(DeliveryRepository, RulesTakeTurnsSoABacklogDoesNotHoldOthersBack) {
  int64_t other_org = 0, other_rule = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    other_org = AddOrg(c, "Other");
    other_rule = AddRule(c, "https://hooks.example/b", other_org);
    return {};
  }));
  for (int i = 0; i < 300; ++i) Queue(kT0);
  int64_t fresh = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    const int64_t event = RecordTestEvent(c, Actor{other_org, 0, "B", true, kT0 + 5}, 1, "{}");
    fresh = deliveries::Enqueue(c, other_org, other_rule, event, "test", kT0 + 5);
    return {};
  }));
  auto batch = *WriteResult<std::vector<deliveries::Claimed>>(
      *db_, [&](sql::Connection& c) -> Result<std::vector<deliveries::Claimed>> {
        return deliveries::Claim(c, kT0 + 10, 10, 100, {}, {"node-a", kT0 + 60'000});
      });
  ASSERT_EQ(batch.size(), 10u);
  // Each rule's first turn comes first (the older one first): A's oldest, then B's.
  EXPECT_EQ(batch[1].id, fresh);
  // The rest is A's oldest deliveries, in order.
  for (size_t i = 3; i < batch.size(); ++i) EXPECT_LT(batch[i - 1].id, batch[i].id);
  EXPECT_LT(batch[0].id, batch[2].id);
}

TEST_F(DeliveryRepository, EachRuleGivesAtMostItsShareToOneClaim) {
  for (int i = 0; i < 50; ++i) Queue(kT0);
  auto batch = *WriteResult<std::vector<deliveries::Claimed>>(
      *db_, [&](sql::Connection& c) -> Result<std::vector<deliveries::Claimed>> {
        return deliveries::Claim(c, kT0, 100, 20, {}, {"node-a", kT0 + 60'000});
      });
  EXPECT_EQ(batch.size(), 20u);
}

TEST_F(DeliveryRepository, ExcludedRulesAreLeftForALaterClaim) {
  Queue(kT0);
  auto none = *WriteResult<std::vector<deliveries::Claimed>>(
      *db_, [&](sql::Connection& c) -> Result<std::vector<deliveries::Claimed>> {
        return deliveries::Claim(c, kT0, 100, 100, {.excluded = {rule_}}, {"node-a", kT0 + 60'000});
      });
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(Claim(kT0).size(), 1u);
}

TEST_F(DeliveryRepository, DisabledWebhooksOrRulesHoldDeliveries) {
  Queue(kT0);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    LW_CHECK(UpdateWebhookSettings(c, Admin(kT0), boost::json::object{{"enabled", false}}));
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    LW_CHECK(UpdateWebhookSettings(c, Admin(kT0), boost::json::object{{"enabled", true}}));
    c.Exec("UPDATE webhook_rules SET enabled = 0");
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
}

TEST_F(DeliveryRepository, CancelledDeliveriesAreNeitherClaimedNorPending) {
  const int64_t id = Queue(kT0);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deliveries::CancelPending(c, rule_, kT0);
    return {};
  }));
  EXPECT_EQ(Delivery(id).status, "cancelled");
  EXPECT_TRUE(Claim(kT0).empty());
}

// Long id lists are split across statements; every id still counts once.
TEST_F(DeliveryRepository, LeasesAndStatesOfManyDeliveriesAtOnce) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 600; ++i) ids.push_back(Queue(kT0));
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    EXPECT_EQ(deliveries::Claim(c, kT0, 1000, 1000, {}, {"node-a", kT0 + 1}).size(), ids.size());
    deliveries::SetLeases(c, ids, {"node-a", kT0 + kLease});
    const auto states = deliveries::LeaseStates(c, ids, "node-a");
    EXPECT_EQ(states.size(), ids.size());
    EXPECT_TRUE(
        std::all_of(states.begin(), states.end(), [](const auto& s) { return s.second.held; }));
    EXPECT_TRUE(std::none_of(ids.begin(), ids.end(), [&](int64_t id) {
      return deliveries::LeaseStates(c, {id}, "node-b").at(id).held;
    })) << "held by node-a, not node-b";
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
  EXPECT_EQ(Claim(kT0 + kLease).size(), 100u) << "the claim's own limit";
}

// The deliveries of a rule that may not send (disabled by an Admin or by
// Leadwire, or its organization's webhooks off) wait parked: out of the
// claims' index, so the claims' walk stops visiting them however many such
// rules there are. The claims park them, a bounded number at a time, and
// tidying unparks them once the rule may send again; shown with their real
// due time meanwhile.
TEST_F(DeliveryRepository, DeliveriesOfARuleThatMayNotSendWaitOutOfTheClaimsIndex) {
  const int64_t id = Queue(kT0);
  auto in_index = [&] {
    return *ReadResult<int64_t>(*db_, [](sql::Connection& c) -> Result<int64_t> {
      return c
          .QueryOne(
              "SELECT COUNT(*) FROM deliveries INDEXED BY deliveries_pending WHERE "
              "status = 'pending' AND next_attempt_at < 1000000000000000")
          ->Int(0);
    });
  };
  auto write = [&](const std::function<void(sql::Connection&)>& fn) {
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      fn(c);
      return {};
    }));
  };
  auto set_rule = [&](bool enabled) {
    write([&](sql::Connection& c) {
      auto r = UpdateRule(c, Admin(kT0), rule_,
                          boost::json::object{{"title", "x"},
                                              {"url", "https://hooks.example/x"},
                                              {"trigger", 1},
                                              {"enabled", enabled}});
      EXPECT_TRUE(r) << r.error().message;
    });
  };
  auto tidy = [&] { write([&](sql::Connection& c) { deliveries::TidyParked(c, kT0); }); };
  EXPECT_EQ(in_index(), 1);
  set_rule(false);
  EXPECT_TRUE(Claim(kT0).empty());
  EXPECT_EQ(in_index(), 0) << "parked by the claim";
  EXPECT_EQ(Delivery(id).status, "pending");
  EXPECT_EQ(deliveries::DueAt(Delivery(id).next_attempt_at), kT0) << "its real due time";
  tidy();
  EXPECT_EQ(in_index(), 0) << "a disabled rule's stay parked";
  set_rule(true);
  EXPECT_EQ(in_index(), 1) << "enabling unparks the first ones at once";
  write([&](sql::Connection& c) {
    EXPECT_TRUE(UpdateWebhookSettings(c, Admin(kT0), boost::json::object{{"enabled", false}}));
  });
  EXPECT_TRUE(Claim(kT0).empty());
  EXPECT_EQ(in_index(), 0) << "webhooks off: parked by the claim";
  write([&](sql::Connection& c) {
    EXPECT_TRUE(UpdateWebhookSettings(c, Admin(kT0), boost::json::object{{"enabled", true}}));
  });
  tidy();
  EXPECT_EQ(in_index(), 1) << "webhooks on: unparked by the tidy";
  EXPECT_EQ(Claim(kT0).size(), 1u);
}

// A rule disabled with a large backlog (say by a 410) costs no transaction
// more than a bounded number of rows: each claim parks a share.
TEST_F(DeliveryRepository, ParkingABacklogIsSpreadOverClaims) {
  for (int i = 0; i < 2500; ++i) Queue(kT0);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    DisableRuleBySystem(c, org_, rule_, "gone", kT0);
    return {};
  }));
  auto parked = [&] {
    return *ReadResult<int64_t>(*db_, [](sql::Connection& c) -> Result<int64_t> {
      return c
          .QueryOne(
              "SELECT COUNT(*) FROM deliveries WHERE next_attempt_at >= "
              "1000000000000000")
          ->Int(0);
    });
  };
  EXPECT_EQ(parked(), 0) << "disabling touched no delivery";
  Claim(kT0);
  EXPECT_EQ(parked(), 2000);
  Claim(kT0);
  EXPECT_EQ(parked(), 2500);
}

// Whatever race left them (a Redeliver or a lead's write committed beside
// the rule's deletion), pending deliveries of a rule that is gone are
// cancelled, parked or not, not left pending forever.
TEST_F(DeliveryRepository, PendingDeliveriesOfAGoneRuleAreCancelled) {
  int64_t other_rule = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    other_rule = AddRule(c, "https://other.example/x");
    return {};
  }));
  const int64_t unparked = Queue(kT0), parked = Queue(kT0, other_rule);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    c.Exec(
        "UPDATE deliveries SET next_attempt_at = next_attempt_at + 1000000000000000 WHERE id = ?",
        {parked});
    c.Exec("DELETE FROM webhook_rules WHERE id IN (?, ?)", {rule_, other_rule});
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
  EXPECT_EQ(Delivery(unparked).status, "cancelled") << "found by the claim";
  EXPECT_EQ(Delivery(parked).status, "pending") << "not in the claims' index";
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deliveries::TidyParked(c, kT0);
    return {};
  }));
  EXPECT_EQ(Delivery(parked).status, "cancelled") << "found by the tidy";
}

// A delivery whose rule is another organization's (an id mistake, say a
// reused one) is never sent to that rule's URL with this organization's
// data: the claim cancels it.
TEST_F(DeliveryRepository, ADeliveryOfAnotherOrganizationsRuleIsCancelledNotSent) {
  int64_t id = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    const int64_t other_org = AddOrg(c, "Other firm");
    const int64_t other_rule = AddRule(c, "https://other.example/x", other_org);
    id = deliveries::Enqueue(c, org_, other_rule, RecordTestEvent(c, Admin(kT0), 1, "{}"), "test",
                             kT0);
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
  EXPECT_EQ(Delivery(id).status, "cancelled");
}

// In flight means held by a node: Redeliver then changes nothing (one copy
// at a time). A delivery given back unsent, or whose node's lease ran out, is
// not in flight.
TEST_F(DeliveryRepository, OnlyADeliveryANodeHoldsIsInFlight) {
  const int64_t id = Queue(kT0);
  ASSERT_EQ(Claim(kT0).size(), 1u);
  auto redeliver = [&](int64_t now) {
    return *WriteResult<bool>(*db_, [&](sql::Connection& c) -> Result<bool> {
      return deliveries::MakeDueAgain(c, id, now);
    });
  };
  EXPECT_FALSE(redeliver(kT0 + 1000)) << "claimed: in flight";
  EXPECT_EQ(Delivery(id).status, "pending");
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deliveries::GiveBack(c, {id}, "node-a", kT0 + 5000);
    return {};
  }));
  EXPECT_TRUE(redeliver(kT0 + 2000)) << "given back unsent: not in flight";
  ASSERT_EQ(Claim(kT0 + 2000).size(), 1u) << "and due at once";
  EXPECT_TRUE(redeliver(kT0 + 2000 + kLease + 1)) << "the node's lease ran out";
}

TEST_F(DeliveryRepository, TheDeliveryLogRunsAFixedNumberOfQueries) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(Queue(kT0));
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    std::vector<deliveries::AttemptRecord> attempts;
    for (int64_t id : ids) attempts.push_back({id, kT0, 500, 12, "", "oops"});
    deliveries::InsertAttempts(c, attempts);
    return {};
  }));
  ASSERT_TRUE(db_->Read([&](sql::Connection& real) -> Status {
    testing::CountingConnection c(real);
    auto page = deliveries::ListForRule(c, org_, rule_, "", 25, 0);
    EXPECT_EQ(page.total, 30);
    EXPECT_EQ(page.rows.size(), 25u);
    for (const auto& row : page.rows) {
      EXPECT_EQ(row.attempts.size(), 1u);
      if (row.attempts.empty()) continue;
      EXPECT_EQ(row.attempts[0].http_status, 500);
      EXPECT_EQ(row.attempts[0].response_excerpt, "oops");
    }
    EXPECT_EQ(c.statements(), 3) << "count, page, attempts";
    return {};
  }));
}

// GET /api/leads/{id}/webhooks: the deliveries of one lead's events, any
// rule, newest first, within the organization, in a fixed number of queries.
TEST_F(DeliveryRepository, ALeadsDeliveriesAreThoseOfItsEvents) {
  int64_t other_org = 0, second_rule = 0;
  std::vector<int64_t> mine;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    other_org = AddOrg(c, "Other");
    second_rule = AddRule(c, "https://hooks.example/second");
    auto event = [&](int64_t org, int64_t lead) {
      return c.InsertId(
          "INSERT INTO events (org_id, trigger_id, lead_id, created_at) VALUES (?, 3, ?, ?) "
          "RETURNING id",
          {org, lead, kT0});
    };
    const int64_t created = event(org_, 7), changed = event(org_, 7);
    mine.push_back(deliveries::Enqueue(c, org_, rule_, created, "lead:7", kT0));
    mine.push_back(deliveries::Enqueue(c, org_, second_rule, created, "lead:7", kT0));
    mine.push_back(deliveries::Enqueue(c, org_, rule_, changed, "lead:7", kT0));
    deliveries::Enqueue(c, org_, rule_, event(org_, 8), "lead:8", kT0);            // another lead
    deliveries::Enqueue(c, other_org, rule_, event(other_org, 7), "lead:7", kT0);  // another firm's
    return {};
  }));
  Queue(kT0);  // a test event: about no lead
  ASSERT_TRUE(db_->Read([&](sql::Connection& real) -> Status {
    testing::CountingConnection c(real);
    auto page = deliveries::ListForLead(c, org_, 7, 2);
    EXPECT_EQ(page.total, 3);
    EXPECT_EQ(page.rows.size(), 2u);
    if (page.rows.size() == 2u) {
      EXPECT_EQ(page.rows[0].id, mine[2]);
      EXPECT_EQ(page.rows[1].id, mine[1]);
      EXPECT_EQ(page.rows[1].rule_id, second_rule);
    }
    EXPECT_EQ(c.statements(), 3) << "count, page, attempts";
    EXPECT_EQ(deliveries::ListForLead(real, other_org, 7, 10).total, 1);
    EXPECT_EQ(deliveries::ListForLead(real, org_, 9, 10).total, 0);
    return {};
  }));
}

}  // namespace
}  // namespace lw
