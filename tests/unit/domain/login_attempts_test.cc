// Password guesses on both stores, in any 15 minutes: ten per account from one
// address, a bound per address and per account (not for an address the
// account logged in from), counted before the hash; guesses sent at once from
// many threads (on PostgreSQL through separate connections, as from several
// nodes) cannot exceed them.
#include "domain/login_attempts.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/backend_test.h"

namespace lw {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

class LoginAttempts : public testing::BackendTest {
 protected:
  // One login's reservation, as the route makes it: every limit or none.
  std::optional<std::vector<int64_t>> Reserve(const std::string& email, const std::string& addr,
                                              int64_t now) {
    std::optional<std::vector<int64_t>> out;
    auto st = db_->Write([&](sql::Connection& c) -> Status {
      out = login_attempts::Reserve(c, email, addr, now);
      if (!out) return Fail(Error{ErrorKind::kTooManyRequests, "too_many_requests", "", {}});
      return {};
    });
    EXPECT_EQ(bool(st), bool(out));
    return out;
  }
  void LoggedIn(const std::vector<int64_t>& reservations, const std::string& email,
                const std::string& addr, int64_t now) {
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      login_attempts::Forgive(c, reservations, email, addr, now);
      return {};
    }));
  }
};

// Ten wrong passwords from one address lock that address out of that account
// only: the Admin, from her own address, still logs in.
TEST_P(LoginAttempts, AGuesserLocksOutOnlyThemselves) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Reserve("admin@x.test", "203.0.113.9", kT0));
  EXPECT_FALSE(Reserve("admin@x.test", "203.0.113.9", kT0 + 1)) << "the guesser has used its ten";
  EXPECT_TRUE(Reserve("admin@x.test", "198.51.100.7", kT0 + 1)) << "the Admin is not locked out";
  EXPECT_TRUE(Reserve("admin@x.test", "203.0.113.9", kT0 + login_attempts::kWindowMs + 1))
      << "old guesses stop counting";
}

TEST_P(LoginAttempts, OneAddressGuessingManyAccountsIsBounded) {
  for (int i = 0; i < login_attempts::kPerAddress; ++i)
    ASSERT_TRUE(Reserve("u" + std::to_string(i) + "@x.test", "10.1.1.1", kT0));
  EXPECT_FALSE(Reserve("fresh@x.test", "10.1.1.1", kT0 + 1)) << "the address has used its share";
  EXPECT_TRUE(Reserve("fresh@x.test", "10.2.2.2", kT0 + 1)) << "a refused guess reserved nothing";
}

// Guessing one account from many addresses is bounded too, but not for an
// address that logged into it before: the right user keeps getting in.
TEST_P(LoginAttempts, ManyAddressesGuessingOneAccountAreBoundedButNotItsKnownAddress) {
  auto mine = Reserve("admin@x.test", "198.51.100.7", kT0);
  ASSERT_TRUE(mine);
  LoggedIn(*mine, "admin@x.test", "198.51.100.7", kT0);
  for (int i = 0; i < login_attempts::kPerAccount; ++i)
    ASSERT_TRUE(Reserve("admin@x.test",
                        "10.3." + std::to_string(i / 250) + "." + std::to_string(i % 250),
                        kT0 + 1));
  EXPECT_FALSE(Reserve("admin@x.test", "10.4.4.4", kT0 + 2)) << "the account has used its share";
  EXPECT_TRUE(Reserve("admin@x.test", "198.51.100.7", kT0 + 2)) << "her known address gets in";
}

// Guesses at other accounts from the Admin's own address (a colleague
// behind the office NAT, or a guesser there) do not lock her out of hers.
TEST_P(LoginAttempts, GuessesFromAKnownAddressAtOtherAccountsDoNotLockItsOwnerOut) {
  auto mine = Reserve("admin@x.test", "10.5.5.5", kT0);
  ASSERT_TRUE(mine);
  LoggedIn(*mine, "admin@x.test", "10.5.5.5", kT0);
  for (int i = 0; i < login_attempts::kPerAddress; ++i)
    ASSERT_TRUE(Reserve("u" + std::to_string(i) + "@x.test", "10.5.5.5", kT0 + 1));
  EXPECT_FALSE(Reserve("other@x.test", "10.5.5.5", kT0 + 2)) << "the address used its share";
  EXPECT_TRUE(Reserve("admin@x.test", "10.5.5.5", kT0 + 2)) << "but not hers";
}

TEST_P(LoginAttempts, ASuccessfulLoginClearsItsOwnCountAndReservation) {
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(Reserve("a@x.test", "10.0.0.1", kT0));
  auto mine = Reserve("a@x.test", "10.0.0.1", kT0);
  ASSERT_TRUE(mine);
  LoggedIn(*mine, "a@x.test", "10.0.0.1", kT0);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Reserve("a@x.test", "10.0.0.1", kT0 + 1)) << i;
  EXPECT_FALSE(Reserve("a@x.test", "10.0.0.1", kT0 + 2));
}

TEST_P(LoginAttempts, GuessesSentAtOnceStillGetTen) {
  std::atomic<int> reserved{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        if (Reserve("target@x.test", "10.9.9.9", kT0)) ++reserved;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(reserved, login_attempts::kPerAccountAndAddress);
}

INSTANTIATE_TEST_SUITE_P(Backends, LoginAttempts, testing::kBothBackends, testing::BackendName);

}  // namespace
}  // namespace lw
