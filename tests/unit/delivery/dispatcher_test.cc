// The dispatcher with a fake transport, a manual clock and a real SQLite
// file: claims, signing, results and the retry schedule, lease renewal,
// deliveries given back, slow-host deferral, and shutdown.
#include "delivery/dispatcher.h"

#include <gtest/gtest.h>

#include <mutex>

#include "delivery/signed_job.h"
#include "support/delivery_db.h"

namespace lw {
namespace {

using testing::kT0;

// Records what it is given; the test answers for it.
class FakeTransport final : public Transport {
 public:
  void Start(ResultSink, ReturnSink) override { started = true; }
  void Stop(std::chrono::milliseconds) override { stopped = true; }
  void Submit(std::vector<DeliveryJob> jobs) override {
    std::lock_guard lock(mutex);
    for (auto& j : jobs) submitted.push_back(std::move(j));
  }
  int Capacity() const override { return capacity; }
  size_t Load() const override { return load; }
  std::set<std::string> FullEndpoints() const override { return full; }
  std::set<std::string> BusyEndpoints() const override { return busy; }

  std::vector<DeliveryJob> Take() {
    std::lock_guard lock(mutex);
    return std::exchange(submitted, {});
  }

  std::mutex mutex;
  std::vector<DeliveryJob> submitted;
  int capacity = 64;
  size_t load = 0;
  std::set<std::string> full, busy;
  bool started = false, stopped = false;
};

class DispatcherTest : public testing::DeliveryDb {
 protected:
  DispatcherTest() : clock_(kT0) {}
  void SetUp() override {
    DeliveryDb::SetUp();
    dispatcher_ = std::make_unique<Dispatcher>(*db_, clock_, transport_, DispatcherOptions{});
  }
  void TearDown() override {
    dispatcher_.reset();
    DeliveryDb::TearDown();
  }
  DeliveryResult Answer(const DeliveryJob& job, std::optional<int> status) {
    DeliveryResult r;
    r.delivery_id = job.delivery_id;
    r.started_at_ms = clock_.NowMs();
    r.http_status = status;
    return r;
  }
  std::string Header(const DeliveryJob& job, const std::string& name) {
    for (const auto* lines : {&job.headers, &job.signature_headers})
      for (const auto& h : *lines)
        if (h.starts_with(name + ": ")) return h.substr(name.size() + 2);
    return "";
  }
  int64_t LeaseOf(int64_t id) {
    return *ReadResult<int64_t>(*db_, [&](sql::Connection& c) -> Result<int64_t> {
      return c.QueryOne("SELECT lease_until FROM deliveries WHERE id = ?", {id})->Int(0);
    });
  }

  ManualClock clock_;
  FakeTransport transport_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, ClaimsDueDeliveriesAndSubmitsThemSigned) {
  const int64_t id = Queue(kT0);
  Queue(kT0 + 60'000);  // not due yet
  dispatcher_->RunOnce();
  auto jobs = transport_.Take();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].delivery_id, id);
  EXPECT_EQ(jobs[0].url, "https://hooks.example/x");
  EXPECT_EQ(jobs[0].host, "https://hooks.example:443");
  EXPECT_EQ(jobs[0].endpoint, std::to_string(org_) + "|https://hooks.example:443");
  EXPECT_TRUE(Header(jobs[0], "webhook-id").starts_with("msg_"));
  EXPECT_EQ(Header(jobs[0], "webhook-signature"), "") << "signed by the transport as it sends";
  ASSERT_TRUE(FinishJob(jobs[0], kT0 + 1500));
  EXPECT_TRUE(Header(jobs[0], "webhook-signature").starts_with("v1,"));
  EXPECT_EQ(Header(jobs[0], "webhook-timestamp"), std::to_string((kT0 + 1500) / 1000));
  const std::string first = Header(jobs[0], "webhook-signature");
  ASSERT_TRUE(FinishJob(jobs[0], kT0 + 61'000));
  EXPECT_NE(Header(jobs[0], "webhook-signature"), first) << "each send signs with its own time";
  EXPECT_EQ(jobs[0].signature_headers.size(), 3u);
  EXPECT_EQ(LeaseOf(id), kT0 + kLeaseMs);
  dispatcher_->RunOnce();
  EXPECT_TRUE(transport_.Take().empty()) << "held by its lease, not claimed twice";
}

TEST_F(DispatcherTest, RecordsResultsAndSchedulesRetries) {
  const int64_t ok = Queue(kT0), failing = Queue(kT0);
  dispatcher_->RunOnce();
  auto jobs = transport_.Take();
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& job : jobs)
    dispatcher_->OnResult(Answer(job, job.delivery_id == ok ? 204 : 503));
  dispatcher_->RunOnce();
  EXPECT_EQ(Delivery(ok).status, "delivered");
  const auto retry = Delivery(failing);
  EXPECT_EQ(retry.status, "pending");
  EXPECT_EQ(retry.attempt_count, 1);
  EXPECT_NEAR(double(retry.next_attempt_at - kT0), 5000.0, 1000.0) << "first retry after ~5 s";
  clock_.Advance(1000);
  dispatcher_->RunOnce();
  EXPECT_TRUE(transport_.Take().empty()) << "not due yet";
  clock_.Advance(5000);
  dispatcher_->RunOnce();
  jobs = transport_.Take();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].delivery_id, failing);
}

TEST_F(DispatcherTest, RenewsTheLeasesOfWhatItStillHolds) {
  const int64_t id = Queue(kT0);
  dispatcher_->RunOnce();
  ASSERT_EQ(transport_.Take().size(), 1u);
  clock_.Advance(kLeaseMs / 2 + 1);  // half spent, no answer yet
  dispatcher_->RunOnce();
  EXPECT_EQ(LeaseOf(id), clock_.NowMs() + kLeaseMs);
  clock_.Advance(kLeaseMs / 2 + 1);  // past the first lease's end
  EXPECT_TRUE(Claim(clock_.NowMs()).empty()) << "another node cannot take it";
}

// Given back unsent (a slow endpoint, no free socket): no attempt counted,
// claimable again after a short pause (a node short of sockets must not
// claim and give back in a loop).
TEST_F(DispatcherTest, DeliveriesGivenBackAreClaimableAgainAfterAPause) {
  const int64_t id = Queue(kT0);
  dispatcher_->RunOnce();
  ASSERT_EQ(transport_.Take().size(), 1u);
  dispatcher_->OnReturned({id});
  transport_.load = transport_.capacity * 2;  // full: this round records, claims nothing
  dispatcher_->RunOnce();
  EXPECT_EQ(LeaseOf(id), kT0 + kGivenBackPauseMs);
  EXPECT_TRUE(Delivery(id).attempts.empty()) << "no attempt counted";
  transport_.load = 0;
  dispatcher_->RunOnce();
  EXPECT_TRUE(transport_.Take().empty()) << "not at once";
  clock_.Advance(kGivenBackPauseMs);
  dispatcher_->RunOnce();
  EXPECT_EQ(transport_.Take().size(), 1u);
}

// A result and a renewal due in the same round: the result ends the lease,
// and the renewal must not take it again for a minute (a 5 s retry would
// wait ~60 s).
TEST_F(DispatcherTest, ARenewalDueWithTheResultDoesNotHoldTheDeliveryAgain) {
  const int64_t id = Queue(kT0);
  dispatcher_->RunOnce();
  auto jobs = transport_.Take();
  ASSERT_EQ(jobs.size(), 1u);
  clock_.Advance(kLeaseMs / 2 + 1);  // the lease is half spent: renewal due
  dispatcher_->OnResult(Answer(jobs[0], 503));
  dispatcher_->RunOnce();
  EXPECT_EQ(LeaseOf(id), 0);
  clock_.Advance(6000);  // past the first retry (5 s ± 20%)
  dispatcher_->RunOnce();
  EXPECT_EQ(transport_.Take().size(), 1u) << "retried on time";
}

// A receiver's bytes that are not UTF-8 (Latin-1, a body cut inside a
// character) are stored as valid text, on both backends' behalf: PostgreSQL
// refused them, and a listing holding them was not valid JSON.
TEST_F(DispatcherTest, AnswersThatAreNotUtf8AreStoredAsValidText) {
  const int64_t id = Queue(kT0);
  dispatcher_->RunOnce();
  auto jobs = transport_.Take();
  ASSERT_EQ(jobs.size(), 1u);
  DeliveryResult r = Answer(jobs[0], 200);
  r.response_excerpt = std::string("Caf\xe9 \0\xE2\x82", 8);
  dispatcher_->OnResult(r);
  dispatcher_->RunOnce();
  const auto d = Delivery(id);
  EXPECT_EQ(d.status, "delivered");
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].response_excerpt.value_or(""), "Caf\uFFFD \uFFFD\uFFFD");
}

TEST_F(DispatcherTest, LeavesAFullEndpointsRulesOutOfClaims) {
  int64_t other_rule = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    other_rule = AddRule(c, "https://other.example/x");
    return {};
  }));
  Queue(kT0);
  dispatcher_->RunOnce();  // learns the first rule's endpoint
  ASSERT_EQ(transport_.Take().size(), 1u);
  for (int i = 0; i < 3; ++i) Queue(kT0);
  const int64_t other = Queue(kT0, other_rule);
  transport_.full = {std::to_string(org_) + "|https://hooks.example:443"};
  dispatcher_->RunOnce();
  auto jobs = transport_.Take();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].delivery_id, other) << "only the endpoint with room";
  transport_.full.clear();
  dispatcher_->RunOnce();
  EXPECT_EQ(transport_.Take().size(), 3u) << "claimed once the endpoint has room again";
}

TEST_F(DispatcherTest, AFirmsBacklogDoesNotHoldBackAnotherFirmsFreshWebhook) {
  for (int i = 0; i < 40; ++i) Queue(kT0);
  int64_t fresh = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    const int64_t org = AddOrg(c, "Small firm");
    const int64_t rule = AddRule(c, "https://hooks.example/x", org);
    fresh = deliveries::Enqueue(
        c, org, rule, RecordTestEvent(c, Actor{org, 0, "B", true, kT0}, 1, "{}"), "test", kT0 + 1);
    return {};
  }));
  clock_.Advance(1);
  Dispatcher small_batches(*db_, clock_, transport_, DispatcherOptions{.claim_batch = 4});
  small_batches.RunOnce();
  const auto jobs = transport_.Take();
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_TRUE(std::any_of(jobs.begin(), jobs.end(), [&](const auto& j) {
    return j.delivery_id == fresh;
  })) << "the same host, another firm: its own turn in the first claim";
}

// More rules with due work than one claim takes: rules take their places in
// rotation, so within a few claims every rule has been served, whatever the
// age of each one's backlog.
TEST_F(DispatcherTest, RulesTakeTurnsInRotationWhenMoreHaveWorkThanAClaimTakes) {
  std::vector<int64_t> rules;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    for (int i = 0; i < 30; ++i)
      rules.push_back(AddRule(c, "https://firm" + std::to_string(i) + ".example/x"));
    return {};
  }));
  for (int64_t rule : rules)
    for (int i = 0; i < 5; ++i) Queue(kT0, rule);
  Dispatcher small(*db_, clock_, transport_, DispatcherOptions{.claim_batch = 10});
  std::set<int64_t> served;
  for (int round = 0; round < 3; ++round) {
    small.RunOnce();
    for (const auto& job : transport_.Take()) served.insert(job.delivery_id);
  }
  std::set<std::string> urls;
  ASSERT_TRUE(db_->Read([&](sql::Connection& c) -> Status {
    for (int64_t id : served)
      urls.insert(c.QueryOne("SELECT r.url FROM deliveries d JOIN webhook_rules r ON r.id = "
                             "d.rule_id WHERE d.id = ?",
                             {id})
                      ->Text(0));
    return {};
  }));
  EXPECT_EQ(urls.size(), 30u) << "every rule served within three claims of ten";
}

// A firm whose endpoint has no work on this node gets its fresh webhook
// claimed at once, before the next of the endpoints that have backlogs (100
// firms on one host each with a backlog used to keep it out of every claim).
TEST_F(DispatcherTest, AFreshWebhookOfAnIdleEndpointGoesBeforeTheBusyOnesBacklogs) {
  std::vector<int64_t> rules;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    for (int i = 0; i < 30; ++i) {
      const int64_t org = AddOrg(c, "Firm " + std::to_string(i));
      rules.push_back(AddRule(c, "https://hooks.example/x", org));
    }
    return {};
  }));
  for (int64_t rule : rules)
    for (int i = 0; i < 20; ++i) Queue(kT0, rule);
  Dispatcher small(*db_, clock_, transport_, DispatcherOptions{.claim_batch = 10});
  for (int round = 0; round < 3; ++round) small.RunOnce();  // every firm's endpoint now busy
  for (const auto& job : transport_.Take()) transport_.busy.insert(job.endpoint);
  ASSERT_EQ(transport_.busy.size(), 30u);
  int64_t fresh = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    const int64_t org = AddOrg(c, "Small firm");
    const int64_t rule = AddRule(c, "https://hooks.example/x", org);
    fresh = deliveries::Enqueue(
        c, org, rule, RecordTestEvent(c, Actor{org, 0, "B", true, kT0}, 1, "{}"), "test", kT0 + 1);
    return {};
  }));
  clock_.Advance(1);
  small.RunOnce();
  const auto jobs = transport_.Take();
  EXPECT_TRUE(std::any_of(jobs.begin(), jobs.end(), [&](const auto& j) {
    return j.delivery_id == fresh;
  })) << "claimed in the very next claim";
}

// A busy node (little room left, below its usual claim size) still claims
// when a commit announces new work, so a fresh webhook need not wait for
// the next big claim; but not on every commit.
TEST_F(DispatcherTest, ABusyNodeClaimsForNewWorkWithTheRoomItHas) {
  const int64_t fresh = Queue(kT0);
  transport_.load = transport_.capacity * 2 - 3;  // room for 3: less than an eighth
  dispatcher_->RunOnce();
  EXPECT_TRUE(transport_.Take().empty()) << "no new work announced: waits for room";
  dispatcher_->Wake();
  dispatcher_->RunOnce();
  auto jobs = transport_.Take();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].delivery_id, fresh);
  Queue(kT0);
  dispatcher_->Wake();
  dispatcher_->RunOnce();
  EXPECT_TRUE(transport_.Take().empty()) << "not again within " << kSmallClaimEveryMs << " ms";
  clock_.Advance(kSmallClaimEveryMs);
  dispatcher_->RunOnce();  // woken by a result, not by a second announcement
  EXPECT_EQ(transport_.Take().size(), 1u) << "the announcement held back is served";
  dispatcher_->RunOnce();
  clock_.Advance(kSmallClaimEveryMs);
  Queue(kT0);
  dispatcher_->RunOnce();
  EXPECT_TRUE(transport_.Take().empty()) << "served announcements are not served again";
}

TEST_F(DispatcherTest, ClaimsNothingWhileTheTransportIsFull) {
  Queue(kT0);
  transport_.load = transport_.capacity * 2;
  dispatcher_->RunOnce();
  EXPECT_TRUE(transport_.Take().empty());
}

TEST_F(DispatcherTest, StopRecordsWhatCameBackAndGivesTheRestBack) {
  const int64_t answered = Queue(kT0), unanswered = Queue(kT0);
  dispatcher_->Start();
  EXPECT_TRUE(transport_.started);
  std::vector<DeliveryJob> jobs;
  for (int i = 0; i < 500 && jobs.size() < 2; ++i) {
    dispatcher_->Wake();
    auto more = transport_.Take();
    jobs.insert(jobs.end(), more.begin(), more.end());
    if (jobs.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& job : jobs)
    if (job.delivery_id == answered) dispatcher_->OnResult(Answer(job, 200));
  dispatcher_->Stop();
  EXPECT_TRUE(transport_.stopped);
  EXPECT_EQ(Delivery(answered).status, "delivered");
  EXPECT_EQ(Delivery(unanswered).status, "pending");
  EXPECT_EQ(LeaseOf(unanswered), 0) << "claimable at once after a clean stop";
}

}  // namespace
}  // namespace lw

namespace lw {
namespace {

// A database that can be made to refuse writes, as PostgreSQL does while it
// restarts.
class FlakyDatabase final : public Database {
 public:
  explicit FlakyDatabase(Database& inner) : inner_(inner) {}
  Status Read(const std::function<Status(sql::Connection&)>& fn) override {
    return inner_.Read(fn);
  }
  Status Write(const std::function<Status(sql::Connection&)>& fn) override {
    if (down) return Fail(Error::Unavailable("down"));
    if (broken) return Fail(Error::Internal("a bug"));
    auto st = inner_.Write(fn);
    if (st && committed_but_unseen) return Fail(Error::Unavailable("lost at COMMIT"));
    return st;
  }
  Status Migrate() override { return inner_.Migrate(); }
  bool down = false;
  bool broken = false;                // a failure that would repeat: not worth keeping results for
  bool committed_but_unseen = false;  // the write commits, its answer is lost

 private:
  Database& inner_;
};

// A dispatcher on a FlakyDatabase that has sent one delivery and got a 200
// for it, not yet recorded.
class DispatcherOnAFlakyDatabase : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    flaky_ = std::make_unique<FlakyDatabase>(*db_);
    flaky_dispatcher_ =
        std::make_unique<Dispatcher>(*flaky_, clock_, transport_, DispatcherOptions{});
    id_ = Queue(kT0);
    flaky_dispatcher_->RunOnce();
    auto jobs = transport_.Take();
    ASSERT_EQ(jobs.size(), 1u);
    flaky_dispatcher_->OnResult(Answer(jobs[0], 200));
  }
  void TearDown() override {
    flaky_dispatcher_.reset();
    DispatcherTest::TearDown();
  }
  std::unique_ptr<FlakyDatabase> flaky_;
  std::unique_ptr<Dispatcher> flaky_dispatcher_;
  int64_t id_ = 0;
};

TEST_F(DispatcherOnAFlakyDatabase, AnswersThatCannotBeRecordedWaitForTheDatabase) {
  flaky_->down = true;
  flaky_dispatcher_->RunOnce();
  EXPECT_EQ(Delivery(id_).status, "pending");
  flaky_->down = false;
  flaky_dispatcher_->RunOnce();
  EXPECT_EQ(Delivery(id_).status, "delivered")
      << "recorded once the database is back, not sent again";
  EXPECT_TRUE(transport_.Take().empty());
}

// A connection that refuses any statement carrying the text "poison" (a
// value a backend would reject), and passes everything else on.
class PoisonConnection final : public sql::Connection {
 public:
  explicit PoisonConnection(sql::Connection& real) : real_(real) {}
  std::vector<sql::Row> Query(std::string_view sql, std::initializer_list<sql::Value> p) override {
    return Query(sql, std::vector<sql::Value>(p));
  }
  std::vector<sql::Row> Query(std::string_view sql, const std::vector<sql::Value>& p) override {
    Check(p);
    return real_.Query(sql, p);
  }
  int64_t Exec(std::string_view sql, std::initializer_list<sql::Value> p) override {
    return Exec(sql, std::vector<sql::Value>(p));
  }
  int64_t Exec(std::string_view sql, const std::vector<sql::Value>& p) override {
    Check(p);
    return real_.Exec(sql, p);
  }
  void ExecScript(std::string_view sql) override { real_.ExecScript(sql); }
  bool SupportsSkipLocked() const override { return real_.SupportsSkipLocked(); }
  int64_t NextNumber(const std::string& n, const std::function<int64_t()>& f) override {
    return real_.NextNumber(n, f);
  }

 private:
  static void Check(const std::vector<sql::Value>& params) {
    for (const auto& v : params)
      if (auto* t = std::get_if<std::string>(&v); t && *t == "poison")
        throw sql::DbError(sql::DbError::Kind::kOther, "invalid byte sequence");
  }
  sql::Connection& real_;
};

class PoisonDatabase final : public Database {
 public:
  explicit PoisonDatabase(Database& inner) : inner_(inner) {}
  Status Read(const std::function<Status(sql::Connection&)>& fn) override {
    return inner_.Read(fn);
  }
  Status Write(const std::function<Status(sql::Connection&)>& fn) override {
    return inner_.Write([&](sql::Connection& c) -> Status {
      PoisonConnection poisoned(c);
      return fn(poisoned);
    });
  }
  Status Migrate() override { return inner_.Migrate(); }

 private:
  Database& inner_;
};

// One result the database refuses (as PostgreSQL refused a Latin-1 answer)
// never takes the others of its batch with it: they are recorded, and it is
// recorded without what was refused.
TEST_F(DispatcherTest, AResultTheDatabaseRefusesDoesNotTakeTheBatchWithIt) {
  PoisonDatabase poisoned(*db_);
  Dispatcher d(poisoned, clock_, transport_, DispatcherOptions{});
  const int64_t good = Queue(kT0), bad = Queue(kT0);
  d.RunOnce();
  for (const auto& job : transport_.Take()) {
    DeliveryResult r = Answer(job, 200);
    if (job.delivery_id == bad) r.response_excerpt = "poison";
    d.OnResult(r);
  }
  d.RunOnce();
  EXPECT_EQ(Delivery(good).status, "delivered");
  const auto refused = Delivery(bad);
  EXPECT_EQ(refused.status, "delivered") << "its outcome, without its refused answer";
  ASSERT_EQ(refused.attempts.size(), 1u);
  EXPECT_NE(refused.attempts[0].error.value_or("").find("could not be stored as received"),
            std::string::npos);
}

// A write that commits but whose answer is lost (the connection cut at
// COMMIT, a failover): the dispatcher takes it for an outage and writes its
// results again; they count once, and what that round claimed (leased, but
// never sent) is given back rather than held for a minute.
TEST_F(DispatcherOnAFlakyDatabase, AWriteThatCommittedUnseenCountsOnceAndGivesItsClaimBack) {
  const int64_t later = Queue(kT0);
  flaky_->committed_but_unseen = true;
  flaky_dispatcher_->RunOnce();  // records id_'s 200 and claims `later`, then "fails"
  EXPECT_TRUE(transport_.Take().empty()) << "nothing sent from a round taken as failed";
  flaky_->committed_but_unseen = false;
  flaky_dispatcher_->RunOnce();
  const auto d = Delivery(id_);
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempts.size(), 1u) << "the attempt kept once";
  const auto lease = *ReadResult<std::pair<int64_t, bool>>(
      *db_, [&](sql::Connection& c) -> Result<std::pair<int64_t, bool>> {
        auto r = c.QueryOne("SELECT lease_until, lease_owner IS NULL FROM deliveries WHERE id = ?",
                            {later});
        return std::pair{r->Int(0), r->Bool(1)};
      });
  EXPECT_TRUE(lease.second) << "given back";
  clock_.Advance(kGivenBackPauseMs);
  flaky_dispatcher_->RunOnce();
  EXPECT_EQ(transport_.Take().size(), 1u) << "and sent";
}

TEST_F(DispatcherOnAFlakyDatabase, AnswersAWriteWouldRejectAgainAreLeftToTheirLeases) {
  flaky_->broken = true;
  flaky_dispatcher_->RunOnce();
  flaky_->broken = false;
  flaky_dispatcher_->RunOnce();
  EXPECT_EQ(Delivery(id_).status, "pending") << "not kept round after round";
  clock_.Advance(kLeaseMs + 1);
  flaky_dispatcher_->RunOnce();
  EXPECT_EQ(transport_.Take().size(), 1u) << "sent again once its lease ran out";
}

}  // namespace
}  // namespace lw
